import type { RawAxiosRequestConfig, ResponseType } from 'axios';
import type { AudioApi, AudioTranscriptionsModelEnum, AudioTranscriptionsResponseFormatEnum } from '../generated/api/audio-api';
import type {
  AudioTranscriptionJsonResponse,
  AudioTranscriptionRequestFile,
  AudioTranscriptionResponse,
  AudioTranscriptionVerboseJsonResponse,
  AudioTranslationJsonResponse,
  AudioTranslationResponse,
  AudioTranslationVerboseJsonResponse,
} from '../generated/models';
import { APIPromise } from './api-promise';
import { toAxiosConfig, type RequestOptions } from './request-options';
import type { Platform } from './platform';
import { toUploadSource, type Uploadable } from './uploads';
import { showValue } from './validation';

/** Timing detail of a verbose_json result (the spec's inline enum, which the generator flattens to string). */
export type TimestampGranularity = 'segment' | 'word';
const TIMESTAMP_GRANULARITIES: readonly TimestampGranularity[] = ['segment', 'word'];
// The generated enum's values, listed here so that validating them does not load the generated API
// class (and axios) before the first request; `satisfies` fails the type check when the spec's list changes.
const RESPONSE_FORMATS = Object.keys({ json: true, verbose_json: true } satisfies Record<AudioTranscriptionsResponseFormatEnum, true>);

/** Fields shared by transcription and translation requests, named as on the wire. */
interface AudioToTextParams {
  /** The audio: an http(s) URL, bytes, a Blob/File or a stream; on Node also a path or file: URL. */
  file: Uploadable;
  model?: AudioTranscriptionsModelEnum;
  language?: string;
  prompt?: string;
  /** `json` (the default) returns `{ text }`; `verbose_json` adds segments, words and timing. */
  response_format?: AudioTranscriptionsResponseFormatEnum;
  /** Between 0 and 1. */
  temperature?: number;
  /** Detail of a verbose_json result: `segment`, `word`, or both. */
  timestamp_granularities?: TimestampGranularity | TimestampGranularity[];
}

export interface TranscriptionCreateParams extends AudioToTextParams {
  /** Label words with speakers and return `speaker_segments` (verbose_json). */
  diarize?: boolean;
  min_speakers?: number;
  max_speakers?: number;
}

export type TranslationCreateParams = AudioToTextParams;

type Verbose = { response_format: 'verbose_json' };
type PlainJson = { response_format?: 'json' };

/** `together.transcriptions`: speech to text in the spoken language. */
export class Transcriptions {
  constructor(
    private readonly audio: () => Promise<AudioApi>,
    private readonly platform: Platform,
  ) {}

  create(params: TranscriptionCreateParams & Verbose, options?: RequestOptions): APIPromise<AudioTranscriptionVerboseJsonResponse>;
  create(params: TranscriptionCreateParams & PlainJson, options?: RequestOptions): APIPromise<AudioTranscriptionJsonResponse>;
  create(params: TranscriptionCreateParams, options?: RequestOptions): APIPromise<AudioTranscriptionResponse>;
  create(params: TranscriptionCreateParams, options?: RequestOptions): APIPromise<AudioTranscriptionResponse> {
    const file = prepareUpload(params, this.platform, () => {
      validateAudioToText('transcription', params);
      validateSpeakers(params);
    });
    return new APIPromise(
      async (responseType) => {
        // The file first: it carries the outcome of the checks, which the fields must not pre-empt.
        const upload = await file;
        return (await this.audio()).audioTranscriptions(
          { ...generatedFields(params), file: upload, diarize: params.diarize, minSpeakers: params.min_speakers, maxSpeakers: params.max_speakers },
          uploadConfig(options, responseType),
        );
      },
      (response) => response.data as AudioTranscriptionResponse,
      options,
    );
  }
}

/** `together.translations`: speech to English (or the given language) text. */
export class Translations {
  constructor(
    private readonly audio: () => Promise<AudioApi>,
    private readonly platform: Platform,
  ) {}

  create(params: TranslationCreateParams & Verbose, options?: RequestOptions): APIPromise<AudioTranslationVerboseJsonResponse>;
  create(params: TranslationCreateParams & PlainJson, options?: RequestOptions): APIPromise<AudioTranslationJsonResponse>;
  create(params: TranslationCreateParams, options?: RequestOptions): APIPromise<AudioTranslationResponse>;
  create(params: TranslationCreateParams, options?: RequestOptions): APIPromise<AudioTranslationResponse> {
    const file = prepareUpload(params, this.platform, () => validateAudioToText('translation', params));
    return new APIPromise(
      async (responseType) => {
        const upload = await file;
        return (await this.audio()).audioTranslations({ ...generatedFields(params), file: upload }, uploadConfig(options, responseType));
      },
      (response) => response.data as AudioTranslationResponse,
      options,
    );
  }
}

function generatedFields(params: AudioToTextParams) {
  return {
    model: params.model,
    language: params.language,
    prompt: params.prompt,
    responseFormat: params.response_format,
    temperature: params.temperature,
    timestampGranularities: params.timestamp_granularities,
  };
}

/**
 * With redirects enabled axios sends the body through follow-redirects, which keeps a copy of
 * every byte written so that it could replay them after a redirect: a large upload would sit in
 * memory whole. Uploads therefore go out with redirects off.
 */
function uploadConfig(options: RequestOptions | undefined, responseType: ResponseType | undefined): RawAxiosRequestConfig {
  return { ...toAxiosConfig(options), maxRedirects: 0, ...(responseType && { responseType }) };
}

/**
 * Checks the parameters and the file at the call, not when the request is sent: what the caller
 * handed over is judged as it was then (a stream destroyed later fails the upload instead). The
 * outcome, an error included, is delivered when the call is awaited.
 */
function prepareUpload(params: AudioToTextParams, platform: Platform, validate: () => void): Promise<AudioTranscriptionRequestFile> {
  const prepared = (async () => {
    validate();
    return (await toUploadSource(params.file, platform)) as unknown as AudioTranscriptionRequestFile;
  })();
  prepared.catch(() => undefined);
  return prepared;
}

function validateAudioToText(kind: string, params: AudioToTextParams): void {
  if (typeof params !== 'object' || params === null) throw new TypeError(`The ${kind} parameters must be an object.`);
  if (params.file === undefined || params.file === null)
    throw new TypeError(`The ${kind} needs "file" (an http(s) URL, bytes, a Blob/File or a stream; on Node also a path).`);
  if (params.response_format !== undefined && !RESPONSE_FORMATS.includes(params.response_format)) {
    throw new TypeError(`Invalid response_format ${showValue(params.response_format)}: expected one of ${RESPONSE_FORMATS.join(', ')}.`);
  }
  const { temperature } = params;
  if (temperature !== undefined && !(typeof temperature === 'number' && temperature >= 0 && temperature <= 1)) {
    throw new TypeError(`Invalid temperature ${showValue(temperature)}: expected a number from 0 to 1.`);
  }
  const granularities = ([] as unknown[]).concat(params.timestamp_granularities ?? []);
  const known = TIMESTAMP_GRANULARITIES as unknown[];
  const unknown = granularities.find((granularity) => !known.includes(granularity));
  if (unknown !== undefined) {
    throw new TypeError(`Invalid timestamp_granularities entry ${showValue(unknown)}: expected ${known.join(' or ')}.`);
  }
}

function validateSpeakers(params: TranscriptionCreateParams): void {
  for (const field of ['min_speakers', 'max_speakers'] as const) {
    const value = params[field];
    if (value !== undefined && !(Number.isInteger(value) && value >= 1)) {
      throw new TypeError(`Invalid ${field} ${showValue(value)}: expected a positive integer.`);
    }
  }
  if (params.min_speakers !== undefined && params.max_speakers !== undefined && params.min_speakers > params.max_speakers) {
    throw new TypeError(`min_speakers (${params.min_speakers}) is greater than max_speakers (${params.max_speakers}).`);
  }
}
