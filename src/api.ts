// `@together-audio/client/api`: the generated API classes, their request types and operation enums.
// They import axios, so they have an entry of their own: importing the client does not load axios
// before its first request. Bind one to a client with `together.api(AudioApi)`. The generator's
// ParamCreator/Fp/Factory functions and request helpers are internals and stay out.
export {
  AudioApi,
  type AudioApiInterface,
  type AudioApiAudioSpeechRequest,
  type AudioApiAudioTranscriptionsRequest,
  type AudioApiAudioTranslationsRequest,
  AudioTranscriptionsModelEnum,
  AudioTranscriptionsResponseFormatEnum,
  AudioTranslationsModelEnum,
  AudioTranslationsResponseFormatEnum,
} from '../generated/api/audio-api';
export { VoicesApi, type VoicesApiInterface } from '../generated/api/voices-api';
