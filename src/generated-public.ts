// The generated API classes, their request types, the configuration and the models: public. The
// generator's ParamCreator/Fp/Factory functions and request helpers are internals and stay out.
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
export { Configuration, type ConfigurationParameters } from '../generated/configuration';
export * from '../generated/models';
