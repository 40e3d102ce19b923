export * from '../generated';
export { TogetherAudio, DEFAULT_TIMEOUT, type ClientOptions } from './client';
export {
  API_KEY_ENV,
  BASE_URL_ENV,
  MissingApiKeyError,
  resolveApiKey,
  resolveBaseURL,
  type ConnectionOptions,
} from './config';
export { StreamingFormData, DEFAULT_UPLOAD_FILENAME } from './multipart';
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
export { responseMeta, type ResponseMeta, type RateLimitInfo } from './response-meta';
export {
  DEFAULT_MAX_RETRIES,
  DEFAULT_INITIAL_RETRY_DELAY,
  DEFAULT_MAX_RETRY_DELAY,
  retryDelayFor,
  serverSuggestedDelay,
  type RetryEvent,
} from './retry';
export type { RequestOptions } from './request-options';
export {
  blockAlign,
  pcmFormatForSpeech,
  pcmToWav,
  validatePcmFormat,
  wavHeader,
  wavStream,
  writeWavFile,
  type PcmEncoding,
  type PcmFormat,
} from './wav';
export { Speech, validateSpeechRequest, type SpeechStream, type SpeechStreamOptions, type SavedFile } from './speech';
export { decodeSpeechEvents, STREAM_DONE_SENTINEL } from './speech-stream';
export {
  Transcriptions,
  Translations,
  type TimestampGranularity,
  type TranscriptionCreateParams,
  type TranslationCreateParams,
} from './transcriptions';
export { Voices } from './voices';
export { toAudioFile, UploadFileError, UploadSourceError, type Uploadable } from './uploads';
export * from './realtime';
export { toSrt, toVtt, subtitleCues, type SubtitleOptions, type SubtitleCue, type TimedTranscript } from './subtitles';
