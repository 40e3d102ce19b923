import { latin1 } from './bytes';
import { describe } from './validation';

/** Checks that `audio` is raw PCM (s16le): bytes, whole samples, and not an audio file's header. */
export function requirePcm(audio: unknown): asserts audio is Uint8Array {
  if (!(audio instanceof Uint8Array)) {
    throw new TypeError(`appendAudio needs raw PCM bytes (a Buffer or Uint8Array), got ${describe(audio)}; use appendAudioStream for a Readable.`);
  }
  if (audio.length === 0) throw new TypeError('appendAudio needs audio, got 0 bytes.');
  if (audio.length % 2 !== 0) throw new TypeError(`appendAudio needs whole 16-bit samples, got ${audio.length} bytes (an odd count).`);
  rejectContainer(audio);
}

const containerSignatures: Array<{ name: string; matches: (bytes: Uint8Array) => boolean }> = [
  { name: 'a WAV file', matches: (b) => latin1(b, 0, 4) === 'RIFF' && latin1(b, 8, 4) === 'WAVE' },
  // An MP3 without an ID3 tag starts with a frame sync that is also a plausible PCM sample, so only ID3 is checked.
  { name: 'an MP3 file', matches: (b) => latin1(b, 0, 3) === 'ID3' },
  { name: 'an Ogg file', matches: (b) => latin1(b, 0, 4) === 'OggS' },
  { name: 'a FLAC file', matches: (b) => latin1(b, 0, 4) === 'fLaC' },
  { name: 'an MP4/M4A file', matches: (b) => latin1(b, 4, 4) === 'ftyp' },
  { name: 'a WebM file', matches: (b) => b[0] === 0x1a && b[1] === 0x45 && b[2] === 0xdf && b[3] === 0xa3 },
];

/** What audio file `bytes` starts like ("an MP3 file"), when its header says so. */
export function containerOf(bytes: Uint8Array): string | undefined {
  return containerSignatures.find((signature) => signature.matches(bytes))?.name;
}

/** Encoded or containerised audio would be read as noise; say so instead of sending it. */
export function rejectContainer(bytes: Uint8Array): void {
  const container = containerOf(bytes);
  if (container) {
    throw new TypeError(
      `The audio looks like ${container}; realtime transcription takes raw PCM (pcm_s16le_16000: signed 16-bit little-endian, 16 kHz, mono). Decode it first (e.g. ffmpeg -f s16le -ar 16000 -ac 1).`,
    );
  }
}

