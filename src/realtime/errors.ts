import type { ErrorDetail } from '../../generated/models';
import { APIConnectionError, TogetherAudioError } from '../errors';

/**
 * The server reported a failure inside a realtime session (`conversation.item.tts.failed`,
 * `conversation.item.input_audio_transcription.failed`), e.g. `invalid_api_key`,
 * `missing_api_key` or `model_not_available`.
 */
export class RealtimeError extends TogetherAudioError {
  override name = 'RealtimeError';
  readonly error: ErrorDetail;
  readonly type: string;
  readonly code: string | null | undefined;
  readonly param: string | null | undefined;

  constructor(error: ErrorDetail) {
    super(`${error.message}${error.code ? ` (code ${error.code})` : ''}`);
    this.error = error;
    this.type = error.type;
    this.code = error.code;
    this.param = error.param;
  }
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
