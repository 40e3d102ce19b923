import type { ErrorDetail } from '../../generated/models';
import { APIConnectionError, APITimeoutError, TogetherAudioError } from '../errors';

/**
 * The server reported a failure inside a realtime session (`error`, `conversation.item.tts.failed`,
 * `conversation.item.input_audio_transcription.failed`), e.g. `invalid_api_key`,
 * `missing_api_key` or `model_not_available`.
 */
export class RealtimeError extends TogetherAudioError {
  override name = 'RealtimeError';
  readonly error: ErrorDetail;
  readonly type: string;
  readonly code: string | null | undefined;
  readonly param: string | null | undefined;
  /** The server event that reported it. */
  readonly eventType: string | undefined;
  /** The TTS context or transcription item it belongs to, when the event named one. */
  readonly contextId: string | undefined;
  readonly itemId: string | undefined;

  constructor(error: ErrorDetail, where: { eventType?: string; contextId?: string; itemId?: string } = {}) {
    super(`${error.message}${error.code ? ` (code ${error.code})` : ''}`);
    this.error = error;
    this.type = error.type;
    this.code = error.code;
    this.param = error.param;
    this.eventType = where.eventType;
    this.contextId = where.contextId;
    this.itemId = where.itemId;
  }

  /** The error a failure event reports; a malformed one still becomes a RealtimeError. */
  static fromEvent(event: { type: string; error?: unknown; context_id?: unknown; item_id?: unknown }): RealtimeError {
    const error = event.error as Partial<ErrorDetail> | undefined;
    const detail: ErrorDetail =
      typeof error === 'object' && error !== null && typeof error.message === 'string'
        ? { message: error.message, type: typeof error.type === 'string' ? error.type : 'unknown', param: error.param, code: error.code }
        : { message: `The server reported ${event.type} without an error message.`, type: 'unknown' };
    const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
    return new RealtimeError(detail, { eventType: event.type, contextId: text(event.context_id), itemId: text(event.item_id) });
  }
}

/** The peer did not answer a websocket ping within `pongTimeoutMs`: the connection is presumed dead. */
export class RealtimeKeepaliveError extends APITimeoutError {
  override name = 'RealtimeKeepaliveError';
}

/**
 * More than `maxQueuedBytes` of server events arrived unread on a socket that cannot stop reading
 * (the platform WebSocket); `ws` pushes back instead.
 */
export class RealtimeOverflowError extends TogetherAudioError {
  override name = 'RealtimeOverflowError';
}

/** The server sent something that is not a protocol event, or an event at the wrong moment. */
export class RealtimeProtocolError extends TogetherAudioError {
  override name = 'RealtimeProtocolError';
}

/** The realtime socket closed without the client asking for it (dropped connection, server shutdown). */
export class RealtimeClosedError extends APIConnectionError {
  override name = 'RealtimeClosedError';
  /** The websocket close code; 1006 when the connection dropped without a close frame. */
  readonly closeCode: number;
  readonly reason: string;

  constructor(closeCode: number, reason: string, context: string) {
    super(`The realtime connection closed unexpectedly ${context} (close code ${closeCode}${reason ? `: ${reason}` : ''}).`);
    this.closeCode = closeCode;
    this.reason = reason;
  }
}
