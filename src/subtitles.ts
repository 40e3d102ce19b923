import type { AudioTranscriptionSegment, AudioTranscriptionSpeakerSegment, AudioTranscriptionWord } from '../generated/models';
import { showValue } from './validation';

// Runtime-neutral on purpose (no Node APIs): subtitles are plain text built from a verbose result.

/** The parts of a verbose_json transcription or translation that subtitles are built from. */
export interface TimedTranscript {
  segments: AudioTranscriptionSegment[];
  words?: AudioTranscriptionWord[];
  speaker_segments?: AudioTranscriptionSpeakerSegment[];
}

export interface SubtitleOptions {
  /** Longest line in characters (default 42, the common broadcast limit). Longer text wraps onto a second line. */
  maxLineLength?: number;
  /** Lines per cue before a cue built from words is closed (default 2). */
  maxLines?: number;
  /** Longest cue in seconds when cues are built from words (default 7). */
  maxCueDuration?: number;
  /**
   * `words` builds cues from word timestamps, `segments` uses each segment as a cue; `auto` (the
   * default) uses the words when the result has them.
   */
  source?: 'auto' | 'words' | 'segments';
  /** Label cues with the speaker (default: when the result is diarized). */
  speakers?: boolean;
}

/** One subtitle: times in seconds, text already wrapped into lines. */
export interface SubtitleCue {
  start: number;
  end: number;
  lines: string[];
  speaker?: string;
}

const DEFAULTS = { maxLineLength: 42, maxLines: 2, maxCueDuration: 7 };

/** SubRip (.srt) subtitles from a verbose transcription or translation. */
export function toSrt(result: TimedTranscript, options: SubtitleOptions = {}): string {
  return subtitleCues(result, options)
    .map((cue, index) => {
      const lines = cue.speaker === undefined ? cue.lines : [`${cue.speaker}: ${cue.lines[0]}`, ...cue.lines.slice(1)];
      return `${index + 1}\n${timestamp(cue.start, ',')} --> ${timestamp(cue.end, ',')}\n${lines.join('\n')}\n`;
    })
    .join('\n');
}

/** WebVTT (.vtt) subtitles from a verbose transcription or translation; speakers become `<v>` voice spans. */
export function toVtt(result: TimedTranscript, options: SubtitleOptions = {}): string {
  const cues = subtitleCues(result, options).map((cue) => {
    const lines = cue.lines.map(escapeVtt);
    if (cue.speaker !== undefined) lines[0] = `<v ${escapeVtt(cue.speaker)}>${lines[0]}`;
    return `${timestamp(cue.start, '.')} --> ${timestamp(cue.end, '.')}\n${lines.join('\n')}\n`;
  });
  return ['WEBVTT\n', ...cues].join('\n');
}

/** The cues `toSrt` and `toVtt` write, for other formats. */
export function subtitleCues(result: TimedTranscript, options: SubtitleOptions = {}): SubtitleCue[] {
  const settings = validateOptions(options);
  const { segments, words, speakerSegments } = validateResult(result);
  const labelled = settings.speakers ?? (speakerSegments !== undefined || words?.some((word) => word.speaker_id !== undefined) === true);
  const useWords = settings.source === 'words' || (settings.source === 'auto' && words !== undefined && words.length > 0);
  if (useWords) {
    if (words === undefined) throw new TypeError('Subtitles from words need a result with "words": request timestamp_granularities including "word".');
    return cuesFromWords(words, settings, labelled);
  }
  const timed: Array<{ start: number; end: number; text: string; speaker_id?: string }> =
    labelled && speakerSegments !== undefined ? speakerSegments : segments;
  return timed.flatMap(({ start, end, text, speaker_id }) => {
    const lines = wrap(text, settings.maxLineLength);
    return lines.length === 0 ? [] : [cue(start, end, lines, labelled ? speaker_id : undefined)];
  });
}

type Settings = typeof DEFAULTS & Pick<SubtitleOptions, 'speakers'> & { source: NonNullable<SubtitleOptions['source']> };

function cuesFromWords(words: AudioTranscriptionWord[], settings: Settings, labelled: boolean): SubtitleCue[] {
  const cues: SubtitleCue[] = [];
  let current: { start: number; end: number; words: string[]; speaker?: string } | undefined;
  const flush = () => {
    if (current) cues.push(cue(current.start, current.end, wrap(current.words.join(' '), settings.maxLineLength), current.speaker));
    current = undefined;
  };
  const maxChars = settings.maxLineLength * settings.maxLines;
  for (const word of words) {
    const text = word.word.trim();
    if (text === '') continue;
    const speaker = labelled ? word.speaker_id : undefined;
    if (current) {
      // Counted as shown: a line break takes the place of a space. Only a word longer than a line makes the second test bite.
      const lines = wrap([...current.words, text].join(' '), settings.maxLineLength);
      const tooLong = lines.length > settings.maxLines || lines.join('').length > maxChars;
      const tooSlow = word.end - current.start > settings.maxCueDuration;
      if (tooLong || tooSlow || speaker !== current.speaker) flush();
    }
    if (!current) current = { start: word.start, end: word.end, words: [], speaker };
    current.words.push(text);
    current.end = Math.max(current.end, word.end);
  }
  flush();
  return cues;
}

function cue(start: number, end: number, lines: string[], speaker: string | undefined): SubtitleCue {
  // Players and validators reject a cue that ends before (or as) it starts; a zero-length word still shows for 1 ms.
  const result: SubtitleCue = { start, end: Math.max(end, start + 0.001), lines };
  if (speaker !== undefined && speaker !== '') result.speaker = speaker;
  return result;
}

/** Words into lines of at most `width` characters (a longer single word gets a line of its own). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(/\s+/).filter((part) => part !== '')) {
    const last = lines.length - 1;
    if (last >= 0 && lines[last].length + 1 + word.length <= width) lines[last] += ` ${word}`;
    else lines.push(word);
  }
  return lines;
}

function timestamp(seconds: number, separator: ',' | '.'): string {
  const ms = Math.round(seconds * 1000);
  const pad = (value: number, digits: number) => String(value).padStart(digits, '0');
  return `${pad(Math.floor(ms / 3_600_000), 2)}:${pad(Math.floor(ms / 60_000) % 60, 2)}:${pad(Math.floor(ms / 1000) % 60, 2)}${separator}${pad(ms % 1000, 3)}`;
}

function escapeVtt(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function validateOptions(options: SubtitleOptions): Settings {
  if (typeof options !== 'object' || options === null) throw new TypeError('Subtitle options must be an object.');
  const settings = { ...DEFAULTS, source: options.source ?? 'auto', speakers: options.speakers };
  for (const name of ['maxLineLength', 'maxLines'] as const) {
    const value = options[name];
    if (value !== undefined && !(Number.isInteger(value) && value >= 1)) throw new TypeError(`Invalid ${name} ${showValue(value)}: expected an integer >= 1.`);
    if (value !== undefined) settings[name] = value;
  }
  const duration = options.maxCueDuration;
  if (duration !== undefined && !(Number.isFinite(duration) && duration > 0)) {
    throw new TypeError(`Invalid maxCueDuration ${showValue(duration)}: expected a positive number of seconds.`);
  }
  if (duration !== undefined) settings.maxCueDuration = duration;
  if (!['auto', 'words', 'segments'].includes(settings.source)) {
    throw new TypeError(`Invalid source ${JSON.stringify(settings.source)}: expected "auto", "words" or "segments".`);
  }
  return settings;
}

function validateResult(result: TimedTranscript): {
  segments: AudioTranscriptionSegment[];
  words?: AudioTranscriptionWord[];
  speakerSegments?: AudioTranscriptionSpeakerSegment[];
} {
  if (typeof result !== 'object' || result === null || !Array.isArray(result.segments)) {
    throw new TypeError('Subtitles need a verbose transcription (response_format "verbose_json"), which has "segments"; got ' + describe(result) + '.');
  }
  const check = (items: Array<{ start: unknown; end: unknown }>, field: string) =>
    items.forEach((item, index) => {
      const { start, end } = item ?? {};
      if (typeof start !== 'number' || typeof end !== 'number' || !Number.isFinite(start) || !Number.isFinite(end) || start < 0 || end < start) {
        throw new TypeError(`${field}[${index}] has invalid times (start ${showValue(start)}, end ${showValue(end)}): expected 0 <= start <= end, in seconds.`);
      }
    });
  check(result.segments, 'segments');
  if (result.words !== undefined) check(result.words, 'words');
  if (result.speaker_segments !== undefined) check(result.speaker_segments, 'speaker_segments');
  return { segments: result.segments, words: result.words, speakerSegments: result.speaker_segments };
}

function describe(value: unknown): string {
  if (value === null || typeof value !== 'object') return showValue(value);
  return `an object with ${
    Object.keys(value)
      .map((key) => JSON.stringify(key))
      .join(', ') || 'no fields'
  }`;
}
