import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { Api, API_KEY_ENV } from './api';
import { KeyError, UsageError } from './exit-codes';
import { Progress } from './progress';

type OptionSpec = { type: 'string' | 'boolean'; short?: string; multiple?: false };
export type OptionSpecs = Record<string, OptionSpec>;
export type Values = Record<string, string | boolean | undefined>;

/** The streams and environment a command runs with (the real process's, or a test's). */
export interface Io {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /** Aborted on Ctrl-C: the call under way stops and a partial output file is removed. */
  signal?: AbortSignal;
}

export interface Context {
  io: Io;
  values: Values;
  positionals: string[];
  /** Aborted when the user interrupts. */
  signal: AbortSignal;
  /** On stderr, only when stderr is a terminal. */
  progress: Progress;
  /** The client, created on first use: the key is read only then, after the arguments are checked. */
  api(): Promise<Api>;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Help for the command's own options, one per line. */
  optionHelp: string;
  options: OptionSpecs;
  run(context: Context): Promise<void>;
}

/** Options every command takes. */
export const COMMON_OPTIONS: OptionSpecs = {
  'base-url': { type: 'string' },
  'api-key-file': { type: 'string' },
  timeout: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

export const COMMON_HELP = `  --base-url URL        API root (default: TOGETHER_BASE_URL, else https://api.together.ai/v1)
  --api-key-file PATH   read the API key from a file (default: the ${API_KEY_ENV} environment variable)
  --timeout SECONDS     per attempt, and the longest a streamed response may stay silent (default 60)
  --json                machine-readable output on stdout
  -h, --help            this help`;

export function commandHelp(command: Command): string {
  return `Usage: ${command.usage}\n\n${command.summary}\n\nOptions:\n${command.optionHelp}\n${COMMON_HELP}\n`;
}

export function parseCommandLine(command: Command, argv: string[]): { values: Values; positionals: string[] } {
  const flag = argv.find((arg) => /^--api-key(=|$)/.test(arg));
  if (flag !== undefined) {
    throw new UsageError(
      `--api-key is not accepted: a key on the command line ends up in shell history and process lists. Set ${API_KEY_ENV} or use --api-key-file PATH.`,
    );
  }
  const { values, positionals } = parseArgs({ args: argv, options: { ...command.options, ...COMMON_OPTIONS }, allowPositionals: true, strict: true });
  return { values: values as Values, positionals };
}

export function createContext(io: Io, values: Values, positionals: string[], onKey: (key: string) => void): Context {
  let api: Promise<Api> | undefined;
  return {
    io,
    values,
    positionals,
    signal: io.signal ?? new AbortController().signal,
    progress: new Progress(io.stderr),
    api: () => (api ??= connect(io, values, onKey)),
  };
}

async function connect(io: Io, values: Values, onKey: (key: string) => void): Promise<Api> {
  const keyFile = stringOption(values, 'api-key-file');
  let apiKey = io.env[API_KEY_ENV];
  if (keyFile !== undefined) {
    try {
      apiKey = (await readFile(keyFile, 'utf8')).trim();
    } catch (error) {
      throw new KeyError(`Cannot read the API key file ${JSON.stringify(keyFile)} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'}).`);
    }
    if (apiKey === '' || /\s/.test(apiKey)) throw new KeyError(`The API key file ${JSON.stringify(keyFile)} must hold just the key, on one line.`);
  }
  if (apiKey) onKey(apiKey);
  return new Api({ apiKey: apiKey || undefined, baseURL: stringOption(values, 'base-url'), timeout: timeoutMs(values) });
}

/** --timeout in milliseconds, if given. */
export function timeoutMs(values: Values): number | undefined {
  const text = stringOption(values, 'timeout');
  if (text === undefined) return undefined;
  const seconds = Number(text);
  if (!(seconds > 0) || !Number.isFinite(seconds)) throw new UsageError(`Invalid --timeout ${JSON.stringify(text)}: expected a positive number of seconds.`);
  return Math.max(1, Math.round(seconds * 1000));
}

export function stringOption(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

/** A choice among `allowed`, or a UsageError naming them. */
export function choice<T extends string>(values: Values, name: string, allowed: readonly T[]): T | undefined {
  const value = stringOption(values, name);
  if (value !== undefined && !allowed.includes(value as T)) {
    throw new UsageError(`Invalid --${name} ${JSON.stringify(value)}: expected ${allowed.join(', ')}.`);
  }
  return value as T | undefined;
}

export function requirePositionals(context: Context, command: Command, min: number, max: number): void {
  const count = context.positionals.length;
  if (count < min || count > max) {
    throw new UsageError(
      `${command.name} takes ${min === max ? min : `${min} to ${max}`} argument${max === 1 ? '' : 's'}, got ${count}. Usage: ${command.usage}`,
    );
  }
}
