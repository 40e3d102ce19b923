import type { ServerVadTurnDetection } from '../../generated/models';
import { showValue } from './validation';

type VadSetting = Exclude<keyof ServerVadTurnDetection, 'type'>;

const vadRules: Record<VadSetting, { check: (value: number) => boolean; expected: string }> = {
  threshold: { check: (v) => v >= 0 && v <= 1, expected: 'a number from 0 to 1' },
  min_silence_duration_ms: { check: (v) => Number.isInteger(v) && v >= 0, expected: 'a non-negative integer (milliseconds)' },
  min_speech_duration_ms: { check: (v) => Number.isInteger(v) && v >= 0, expected: 'a non-negative integer (milliseconds)' },
  max_speech_duration_s: { check: (v) => v > 0, expected: 'a positive number (seconds)' },
  speech_pad_ms: { check: (v) => Number.isInteger(v) && v >= 0, expected: 'a non-negative integer (milliseconds)' },
};

/** Checks a `turn_detection` value (server VAD settings, or null for manual commits) before it is sent. */
export function validateTurnDetection(value: ServerVadTurnDetection | null): void {
  if (value === null) return;
  if (typeof value !== 'object') {
    throw new TypeError(`turn_detection must be { type: 'server_vad', ... } or null, got ${typeof value}.`);
  }
  if (value.type !== 'server_vad') {
    throw new TypeError(`turn_detection.type must be 'server_vad' (use turn_detection: null to turn VAD off), got ${showValue(value.type)}.`);
  }
  for (const [name, setting] of Object.entries(value)) {
    if (name === 'type' || setting === undefined) continue;
    const rule = vadRules[name as VadSetting];
    if (!rule) {
      throw new TypeError(`turn_detection.${name} is not a VAD setting; expected one of ${Object.keys(vadRules).join(', ')}.`);
    }
    if (typeof setting !== 'number' || !Number.isFinite(setting) || !rule.check(setting)) {
      throw new TypeError(`turn_detection.${name} must be ${rule.expected}, got ${showValue(setting)}.`);
    }
  }
}
