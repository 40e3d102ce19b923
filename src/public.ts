// Public names shared by both entries (src/web.ts and src/index.ts), apart from the client class.
export { API_KEY_ENV, BASE_URL_ENV, MissingApiKeyError, type ConnectionOptions } from './config';
export {
  TogetherAudioError,
  APIError,
  BadRequestError,
  AuthenticationError,
  PermissionDeniedError,
  NotFoundError,
  UnprocessableEntityError,
  RateLimitError,
  InternalServerError,
  APIConnectionError,
  StreamError,
  ConflictError,
  PayloadTooLargeError,
  AudioTooLongError,
  ServiceUnavailableError,
  APITimeoutError,
  APIUserAbortError,
  UnexpectedResponseError,
  type ResponseHeaders,
} from './errors';
export type { ResponseMeta, RateLimitInfo } from './response-meta';
export type { APIPromise, ResponseInfo, WithResponse } from './api-promise';
export { DEFAULT_MAX_RETRIES, DEFAULT_INITIAL_RETRY_DELAY, DEFAULT_MAX_RETRY_DELAY, type RetryEvent } from './retry-settings';
export type { RequestOptions } from './request-options';
export { blockAlign, pcmFormatForSpeech, pcmToWav, validatePcmFormat, wavHeader, type PcmEncoding, type PcmFormat } from './pcm-format';
export { Speech, type SpeechStream, type SpeechStreamOptions } from './speech';
export { STREAM_DONE_SENTINEL } from './speech-stream';
export {
  Transcriptions,
  Translations,
  type TimestampGranularity,
  type TranscriptionCreateParams,
  type TranslationCreateParams,
} from './transcriptions';
export { Voices } from './voices';
export { DEFAULT_UPLOAD_FILENAME, UploadFileError, UploadSourceError, type Uploadable } from './uploads';
export { toSrt, toVtt, subtitleCues, type SubtitleOptions, type SubtitleCue, type TimedTranscript } from './subtitles';
