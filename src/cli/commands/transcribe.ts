import { stat } from 'node:fs/promises';
import { toSrt, toVtt, type AudioTranscriptionVerboseJsonResponse, type TranslationCreateParams } from '../api';
import { choice, requirePositionals, stringOption, type Command, type Context } from '../command';
import { UsageError } from '../exit-codes';
import { writeText, type Destination } from '../output';
import { formatBytes } from '../progress';

const FORMATS = ['text', 'json', 'verbose_json', 'srt', 'vtt'] as const;
type OutputFormat = (typeof FORMATS)[number];
const REMOTE = /^https?:\/\//i;

function audioToTextCommand(task: 'transcribe' | 'translate'): Command {
  const transcribe = task === 'transcribe';
  return {
    name: task,
    summary: transcribe ? 'Speech to text in the spoken language (text, JSON, SRT or VTT).' : 'Speech to English text (text, JSON, SRT or VTT).',
    usage: `together-audio ${task} <PATH|URL|-> [--format text|json|verbose_json|srt|vtt] [options]`,
    optionHelp: `  <PATH|URL|->          an audio file, a public http(s) URL for the server to fetch, or - for stdin
  --format FORMAT       text (default), json, verbose_json, srt or vtt
  --timestamps KIND     word or segment (default segment): subtitle cues from words are capped
                        by length and duration
${transcribe ? '  --diarize             label speakers (in verbose_json, srt and vtt)\n' : ''}  --language CODE       the ${transcribe ? 'spoken' : 'source'} language, e.g. en (default: detected)
  --model MODEL         default openai/whisper-large-v3
  -o, --output PATH     write the result here instead of stdout
  (--json is --format json, or keeps --format verbose_json)`,
    options: {
      format: { type: 'string' },
      timestamps: { type: 'string' },
      ...(transcribe ? { diarize: { type: 'boolean' } } : {}),
      language: { type: 'string' },
      model: { type: 'string' },
      output: { type: 'string', short: 'o' },
    },
    run: (context) => audioToText(context, task, transcribe ? transcribeCommand : translateCommand),
  };
}

export const transcribeCommand = audioToTextCommand('transcribe');
export const translateCommand = audioToTextCommand('translate');

async function audioToText(context: Context, task: 'transcribe' | 'translate', command: Command): Promise<void> {
  const { values, io, progress } = context;
  requirePositionals(context, command, 1, 1);
  const format = outputFormat(choice(values, 'format', FORMATS), values.json === true);
  const timestamps = choice(values, 'timestamps', ['word', 'segment'] as const);
  const verbose = format === 'verbose_json' || format === 'srt' || format === 'vtt';
  if (timestamps !== undefined && !verbose) throw new UsageError('--timestamps needs --format verbose_json, srt or vtt.');
  const output = stringOption(values, 'output');
  const destination: Destination = output === undefined ? { kind: 'stdout' } : { kind: 'file', path: output };

  const input = context.positionals[0];
  let file: string | NodeJS.ReadableStream = input;
  if (input === '-') {
    if (io.stdin.isTTY) throw new UsageError('"-" reads the audio from stdin, which is a terminal: pipe a file in.');
    file = io.stdin;
  }
  const total = input !== '-' && !REMOTE.test(input) ? await sizeOf(input) : undefined;
  let requestId: string | undefined;
  const params: TranslationCreateParams = {
    file,
    model: stringOption(values, 'model') as TranslationCreateParams['model'],
    language: stringOption(values, 'language'),
    response_format: verbose ? 'verbose_json' : 'json',
  };
  if (verbose) params.timestamp_granularities = timestamps === 'word' ? ['segment', 'word'] : ['segment'];
  const remote = REMOTE.test(input);
  const options = {
    signal: context.signal,
    onResponse: (meta: { requestId?: string }) => (requestId = meta.requestId),
    // Only for a real upload shown on a terminal. The multipart framing adds a few hundred bytes to the file itself.
    onUploadProgress:
      progress.enabled && !remote
        ? (sent: number) =>
            progress.update(
              `Uploading: ${total ? `${formatBytes(Math.min(sent, total))} of ${formatBytes(total)} (${Math.min(100, Math.round((100 * sent) / total))}%)` : formatBytes(sent)}`,
            )
        : undefined,
  };
  const api = await context.api();
  const result =
    task === 'transcribe' ? await api.transcribe({ ...params, diarize: values.diarize === true || undefined }, options) : await api.translate(params, options);
  progress.done();
  if (requestId) progress.note(`Request id: ${requestId}`);
  await writeText(render(result, format), destination, io);
}

function render(result: { text: string }, format: OutputFormat): string {
  switch (format) {
    case 'text':
      return `${result.text.trim()}\n`;
    case 'srt':
      return toSrt(result as AudioTranscriptionVerboseJsonResponse);
    case 'vtt':
      return toVtt(result as AudioTranscriptionVerboseJsonResponse);
    default:
      return `${JSON.stringify(result, null, 2)}\n`;
  }
}

function outputFormat(flag: OutputFormat | undefined, json: boolean): OutputFormat {
  if (!json) return flag ?? 'text';
  if (flag === undefined || flag === 'json' || flag === 'verbose_json') return flag ?? 'json';
  throw new UsageError(`--json gives JSON; it cannot be combined with --format ${flag}.`);
}

/** The upload's size for progress; a missing file is left for the client to report (before sending). */
async function sizeOf(file: string): Promise<number | undefined> {
  try {
    return (await stat(file)).size;
  } catch {
    return undefined;
  }
}
