import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { blockAlign, pcmFormatForSpeech, wavStream, writeWavFile, type AudioSpeechRequest, type PcmFormat } from '../api';
import { choice, stringOption, type Command, type Context } from '../command';
import { BadInputError, UsageError } from '../exit-codes';
import { discard, openSink, readAll, writeOut, type Destination } from '../output';
import { findPlayer, NO_PLAYER_HELP, play, type AudioFormat } from '../player';

export const DEFAULT_SPEECH_MODEL = 'hexgrad/Kokoro-82M';
export const DEFAULT_VOICE = 'af_heart';
const FORMATS = ['wav', 'mp3', 'raw'] as const;
const EXTENSIONS: Record<string, AudioFormat> = { '.wav': 'wav', '.mp3': 'mp3', '.raw': 'raw', '.pcm': 'raw' };
/** What mp3 is encoded at when the request does not say (the spec's bit_rate default). */
const DEFAULT_MP3_BIT_RATE = 128_000;

export const speakCommand: Command = {
  name: 'speak',
  summary: 'Text to speech, into a file, a pipe or a player.',
  usage: 'together-audio speak [text] [-f FILE] [-o OUT.wav|OUT.mp3|OUT.raw] [options]',
  optionHelp: `  [text]                the text (else -f, else stdin)
  -f, --file PATH       read the text from a file ("-" for stdin)
  -o, --output PATH     write the audio here; the format follows the extension (.wav, .mp3, .raw/.pcm).
                        Without -o the audio goes to stdout when it is not a terminal.
  --format FORMAT       wav, mp3 or raw (PCM), overriding the extension (default wav; raw with --stream)
  --model MODEL         default ${DEFAULT_SPEECH_MODEL}
  --voice VOICE         default ${DEFAULT_VOICE} (see \`together-audio voices\`)
  --language CODE       e.g. en, de, fr
  --stream              stream PCM as it is generated (with a .wav output, wrapped in WAV)
  --play                play the audio through ffplay, aplay or afplay`,
  options: {
    file: { type: 'string', short: 'f' },
    output: { type: 'string', short: 'o' },
    format: { type: 'string' },
    model: { type: 'string' },
    voice: { type: 'string' },
    language: { type: 'string' },
    stream: { type: 'boolean' },
    play: { type: 'boolean' },
  },
  run: speak,
};

async function speak(context: Context): Promise<void> {
  const { values, io, progress } = context;
  const output = stringOption(values, 'output');
  const format = audioFormat(choice(values, 'format', FORMATS), output, values.stream === true);
  const streamed = values.stream === true;
  if (streamed && format === 'mp3') throw new UsageError('--stream produces PCM: write it as .wav or .raw, or drop --stream for mp3.');
  if (output === undefined && !values.play && io.stdout.isTTY) {
    throw new UsageError('Not writing binary audio to a terminal: give -o FILE, --play, or pipe stdout into something.');
  }
  if (output === undefined && !values.play && values.json) throw new UsageError('--json prints to stdout, where the audio would go: add -o FILE.');
  const input = await readText(context);
  const request: AudioSpeechRequest = {
    model: stringOption(values, 'model') ?? DEFAULT_SPEECH_MODEL,
    input,
    voice: stringOption(values, 'voice') ?? DEFAULT_VOICE,
    response_format: streamed ? 'raw' : format,
  };
  const language = stringOption(values, 'language');
  if (language !== undefined) request.language = language as AudioSpeechRequest['language'];
  const pcm = streamed || format === 'raw' ? pcmFormatForSpeech(request) : undefined;

  // --play without -o plays a temporary file; the player is looked up before anything is sent.
  const tempDir = values.play && output === undefined ? await mkdtemp(path.join(tmpdir(), 'together-audio-')) : undefined;
  const file = output ?? (tempDir && path.join(tempDir, `speech.${format}`));
  const destination: Destination = file !== undefined ? { kind: 'file', path: file } : { kind: 'stdout' };
  try {
    const player = values.play ? findPlayer(format, pcm, (destination as { path: string }).path, io.env) : undefined;
    if (values.play && !player) throw new Error(NO_PLAYER_HELP);

    let requestId: string | undefined;
    const options = { signal: context.signal, onResponse: (meta: { requestId?: string }) => (requestId = meta.requestId) };
    // Streamed audio is counted as PCM before any WAV header is added.
    const secondsOf = audioClock(streamed ? 'raw' : format, pcm, request);
    let audioBytes = 0;
    const report = (total: number) => {
      audioBytes = total;
      progress.update(`Received ${secondsOf(total).toFixed(1)} s of audio`);
    };
    let bytes: number;
    if (streamed) {
      const speech = (await context.api()).speechStream(request, options);
      bytes = await writeStreamed(speech, format, speech.format, destination, context, report);
    } else {
      const sink = await openSink(destination, io);
      try {
        const body = await (await context.api()).speechReadable(request, options);
        bytes = await writeOut(body, sink, report);
      } catch (error) {
        await discard(sink);
        throw error;
      }
    }
    const seconds = secondsOf(audioBytes);
    progress.done(`Received ${seconds.toFixed(1)} s of audio (${bytes} bytes)`);
    if (requestId) progress.note(`Request id: ${requestId}`);
    if (player) await play(player, io.env);
    if (values.json) {
      io.stdout.write(
        `${JSON.stringify({ path: output ?? null, format, bytes, seconds: round(seconds), request_id: requestId ?? null, played: Boolean(player) })}\n`,
      );
    }
  } finally {
    if (tempDir) await rm(tempDir, { recursive: true, force: true });
  }
}

/** Streamed PCM: raw as it comes, or WAV (a file gets its header completed with the real sizes at the end). */
async function writeStreamed(
  source: AsyncIterable<Buffer>,
  format: AudioFormat,
  pcm: PcmFormat,
  destination: Destination,
  context: Context,
  report: (bytes: number) => void,
): Promise<number> {
  let received = 0;
  async function* counted(): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      received += chunk.length;
      report(received);
      yield chunk;
    }
  }
  if (format === 'wav' && destination.kind === 'file') {
    const saved = await writeWavFile(destination.path, counted(), pcm);
    return saved.bytes;
  }
  const sink = await openSink(destination, context.io);
  return writeOut(format === 'wav' ? wavStream(counted(), pcm) : counted(), sink);
}

function audioFormat(flag: AudioFormat | undefined, output: string | undefined, streamed: boolean): AudioFormat {
  if (flag !== undefined) return flag;
  if (output === undefined) return streamed ? 'raw' : 'wav';
  const byExtension = EXTENSIONS[path.extname(output).toLowerCase()];
  if (!byExtension) throw new UsageError(`Cannot tell the audio format from ${JSON.stringify(output)}: use a .wav, .mp3 or .raw name, or --format.`);
  return byExtension;
}

async function readText(context: Context): Promise<string> {
  const { values, positionals, io } = context;
  const file = stringOption(values, 'file');
  if (positionals.length > 0 && file !== undefined) throw new UsageError('Give the text as an argument or with -f, not both.');
  let text: string;
  if (positionals.length > 0) {
    text = positionals.join(' ');
  } else if (file !== undefined && file !== '-') {
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new BadInputError(`Cannot read the text file ${JSON.stringify(file)} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'}).`);
    }
  } else {
    if (io.stdin.isTTY && file === undefined) throw new UsageError('No text: give it as an argument, with -f FILE, or on stdin.');
    text = (await readAll(io.stdin)).toString('utf8');
  }
  if (text.trim() === '') throw new BadInputError('The text to speak is empty.');
  return text.trim();
}

/** Seconds of audio in `bytes` of the body, for progress. */
function audioClock(format: AudioFormat, pcm: PcmFormat | undefined, request: AudioSpeechRequest): (bytes: number) => number {
  if (format === 'mp3') return (bytes) => (bytes * 8) / (request.bit_rate ?? DEFAULT_MP3_BIT_RATE);
  const layout = pcm ?? pcmFormatForSpeech(request);
  const bytesPerSecond = blockAlign(layout) * layout.sampleRate;
  // A WAV body starts with a header of about 44 bytes.
  return format === 'wav' ? (bytes) => Math.max(0, bytes - 44) / bytesPerSecond : (bytes) => bytes / bytesPerSecond;
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
