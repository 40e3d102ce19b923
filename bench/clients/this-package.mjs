import { createReadStream, createWriteStream } from 'node:fs';
import { createRequire } from 'node:module';
import { pipeline } from 'node:stream/promises';
import { API_KEY, SPEECH_REQUEST, STREAMED_SPEECH_REQUEST, UPLOAD_MODEL, receivedBytes } from './speech-request.mjs';

// The build output, as users get it.
function loadBuild() {
  try {
    return createRequire(import.meta.url)('../../dist/index.cjs');
  } catch (error) {
    if (error?.code === 'MODULE_NOT_FOUND') throw new Error('dist/index.cjs is missing: run `npm run build` first (`npm run bench` does).');
    throw error;
  }
}
const { TogetherAudio } = loadBuild();

/**
 * @together-audio/client through its facade methods (together.speech, together.transcriptions)
 * where the build has them, otherwise through the generated calls they wrap.
 */
export function createThisPackageClient(baseURL) {
  const together = new TogetherAudio({ apiKey: API_KEY, baseURL });
  const speech = typeof together.speech?.create === 'function' ? together.speech : undefined;
  const transcriptions = typeof together.transcriptions?.create === 'function' ? together.transcriptions : undefined;

  return {
    api: `${speech ? 'speech.*' : 'audio.audioSpeech'}, ${transcriptions ? 'transcriptions.create' : 'audio.audioTranscriptions'}, voices.${typeof together.voices.list === 'function' ? 'list' : 'listVoices'}`,
    async listVoices() {
      if (typeof together.voices.list === 'function') return together.voices.list();
      return (await together.voices.listVoices()).data;
    },
    async download() {
      if (speech) return (await speech.create(SPEECH_REQUEST)).length;
      return (await together.audio.audioSpeech({ audioSpeechRequest: SPEECH_REQUEST })).data.length;
    },
    async downloadToFile(filePath) {
      if (speech) return (await speech.toFile(SPEECH_REQUEST, filePath)).bytes;
      const response = await together.audio.audioSpeech({ audioSpeechRequest: SPEECH_REQUEST }, { responseType: 'stream' });
      const out = createWriteStream(filePath);
      await pipeline(response.data, out);
      return out.bytesWritten;
    },
    // Before together.speech existed there was no streamed speech to measure: the case shows n/a.
    streamSpeech: speech ? () => speech.stream(STREAMED_SPEECH_REQUEST) : undefined,
    async transcribe(filePath) {
      if (transcriptions) return receivedBytes(await transcriptions.create({ file: filePath, model: UPLOAD_MODEL }));
      return receivedBytes((await together.audio.audioTranscriptions({ file: createReadStream(filePath), model: UPLOAD_MODEL })).data);
    },
    close() {},
  };
}
