import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { requirePositionals, stringOption, timeoutMs, type Command, type Context } from '../command';
import { BadInputError, InterruptedError, UsageError, WaitTimeoutError } from '../exit-codes';
import { TARGET_RATE, toRealtimePcm } from '../pcm-input';

/** After the last commit, how long to wait for more transcripts once one has arrived. */
const SETTLE_MS = 1500;
/** The longest wait for the last turn's transcript, unless --timeout says otherwise. */
const DEFAULT_FINAL_WAIT_MS = 60_000;

export const listenCommand: Command = {
  name: 'listen',
  summary: 'Realtime transcription of a WAV/raw file or stdin, printing each transcript as it completes.',
  usage: 'together-audio listen <FILE.wav|FILE.raw|-> [--vad|--no-vad] [options]',
  optionHelp: `  <FILE.wav|FILE.raw|->  WAV (any rate and channels; converted to 16 kHz mono) or raw PCM s16le
                        16 kHz mono; - reads stdin
  --vad                 server voice activity detection splits turns (the default)
  --no-vad              one turn: the audio is transcribed when the input ends
  --model MODEL         default openai/whisper-large-v3
  (--json prints one JSON object per transcript)`,
  options: { vad: { type: 'boolean' }, 'no-vad': { type: 'boolean' }, model: { type: 'string' } },
  run: listen,
};

async function listen(context: Context): Promise<void> {
  const { values, io, progress } = context;
  requirePositionals(context, listenCommand, 1, 1);
  if (values.vad && values['no-vad']) throw new UsageError('Give --vad or --no-vad, not both.');
  const input = context.positionals[0];
  let source: NodeJS.ReadableStream;
  if (input === '-') {
    if (io.stdin.isTTY) throw new UsageError('"-" reads the audio from stdin, which is a terminal: pipe a file in.');
    source = io.stdin;
  } else {
    const info = await stat(input).catch(() => undefined);
    if (!info?.isFile()) throw new BadInputError(`Audio file ${JSON.stringify(input)} ${info ? 'is not a regular file' : 'does not exist'}.`);
    source = createReadStream(input);
  }
  const name = input === '-' ? 'stdin' : JSON.stringify(input);
  const interrupted = new Promise<never>((_resolve, reject) => {
    const stop = () => reject(new InterruptedError('Interrupted.'));
    if (context.signal.aborted) stop();
    context.signal.addEventListener('abort', stop, { once: true });
  });
  const audio = toRealtimePcm(source as AsyncIterable<Uint8Array>, name);
  // The header is read and checked before the session opens: audio listen cannot send is refused
  // without connecting, and a pipe that is slow to start does not keep an idle session open.
  const first = await Promise.race([interrupted, audio.next()]);
  const session = await (await context.api()).transcriptionSession({
    model: stringOption(values, 'model'),
    ...(values['no-vad'] ? { turnDetection: null } : {}),
  });
  try {
    let sentBytes = 0;
    async function* counted(): AsyncGenerator<Buffer> {
      for (let next = first; !next.done; next = await audio.next()) {
        sentBytes += next.value.length;
        progress.update(`Sent ${(sentBytes / 2 / TARGET_RATE).toFixed(1)} s of audio`);
        yield next.value;
      }
    }
    const print = (transcript: string) => {
      progress.done();
      io.stdout.write(values.json ? `${JSON.stringify({ transcript })}\n` : `${transcript}\n`);
    };
    const sending = (async () => {
      const sent = await session.appendAudioStream(counted());
      if (sent === 0) throw new BadInputError(`${name} holds no audio.`);
      await session.commit();
    })();
    await Promise.race([interrupted, Promise.all([sending, printTranscripts(session, sending, timeoutMs(values) ?? DEFAULT_FINAL_WAIT_MS, print)])]);
    progress.done(`Sent ${(sentBytes / 2 / TARGET_RATE).toFixed(1)} s of audio`);
    progress.note(`Session id: ${session.session.id}`);
  } finally {
    await session.close();
  }
}

type Session = Awaited<ReturnType<Awaited<ReturnType<Context['api']>>['transcriptionSession']>>;

/**
 * Prints transcripts as they complete. Once the input has been sent and committed it waits (at
 * most `finalWaitMs`) for the transcript of that last turn, then for SETTLE_MS of quiet (server
 * VAD may still be finishing earlier turns), and stops.
 */
async function printTranscripts(session: Session, sending: Promise<void>, finalWaitMs: number, print: (text: string) => void): Promise<void> {
  const quiet = new AbortController();
  let committed = false;
  let heardSinceCommit = false;
  let timer: NodeJS.Timeout | undefined;
  const stopAfter = (ms: number) => {
    clearTimeout(timer);
    timer = setTimeout(() => quiet.abort(), ms);
  };
  sending.then(
    () => {
      committed = true;
      stopAfter(finalWaitMs);
    },
    () => quiet.abort(),
  );
  try {
    for await (const event of session.events({ signal: quiet.signal })) {
      if (event.type !== 'conversation.item.input_audio_transcription.completed') continue;
      print(event.transcript);
      if (committed) {
        heardSinceCommit = true;
        stopAfter(SETTLE_MS);
      }
    }
  } catch (error) {
    if (!quiet.signal.aborted) throw error;
    if (committed && !heardSinceCommit) throw new WaitTimeoutError(`No transcript arrived within ${finalWaitMs / 1000} s of the end of the audio.`);
  } finally {
    clearTimeout(timer);
  }
}
