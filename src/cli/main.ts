import { types } from 'node:util';
import { version } from '../../package.json';
import { listenCommand } from './commands/listen';
import { speakCommand } from './commands/speak';
import { transcribeCommand, translateCommand } from './commands/transcribe';
import { voicesCommand } from './commands/voices';
import { commandHelp, createContext, parseCommandLine, type Command, type Io } from './command';
import { EXIT_CODE_HELP, ExitCode, exitCodeFor, UsageError } from './exit-codes';

const commands: Command[] = [speakCommand, transcribeCommand, translateCommand, voicesCommand, listenCommand];

const MAIN_HELP = `Usage: together-audio <command> [options]

Together's audio API from the command line. The key comes from TOGETHER_API_KEY or
--api-key-file; it is never accepted as a flag value and never printed.

Commands:
${commands.map((command) => `  ${command.name.padEnd(12)}${command.summary}`).join('\n')}

Run \`together-audio <command> --help\` for a command's options; \`--version\` prints the version.

${EXIT_CODE_HELP}
`;

/** Runs one command line; resolves with the exit code. Errors go to stderr, never with the key. */
export async function main(argv: string[], io: Io): Promise<number> {
  let key: string | undefined;
  try {
    const [name, ...rest] = argv;
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      const topic = name === 'help' ? commands.find((command) => command.name === rest[0]) : undefined;
      // No command at all is a usage error: the help goes to stderr, keeping stdout clean.
      (name === undefined ? io.stderr : io.stdout).write(topic ? commandHelp(topic) : MAIN_HELP);
      return name === undefined ? ExitCode.usage : ExitCode.ok;
    }
    if (name === '--version' || name === '-V') {
      io.stdout.write(`${version}\n`);
      return ExitCode.ok;
    }
    const command = commands.find((candidate) => candidate.name === name);
    if (!command) throw new UsageError(`Unknown command ${JSON.stringify(name)}. Commands: ${commands.map((c) => c.name).join(', ')}.`);
    const { values, positionals } = parseCommandLine(command, rest);
    if (values.help) {
      io.stdout.write(commandHelp(command));
      return ExitCode.ok;
    }
    const context = createContext(io, values, positionals, (apiKey) => (key = apiKey));
    await command.run(context);
    return ExitCode.ok;
  } catch (error) {
    const code = exitCodeFor(error);
    // Not instanceof: Node's own errors (parseArgs') come from another realm when main() runs in a vm context.
    const message = types.isNativeError(error) ? error.message : String(error);
    const hint = code === ExitCode.usage ? '\nRun `together-audio --help` for usage.' : '';
    io.stderr.write(`together-audio: ${redact(message, key ?? io.env.TOGETHER_API_KEY)}${hint}\n`);
    return code;
  }
}

function redact(text: string, key: string | undefined): string {
  return key && key.length >= 4 ? text.split(key).join('[redacted]') : text;
}

/**
 * The executable's process: its arguments and streams, Ctrl-C, and main()'s result as the exit code.
 * The first Ctrl-C stops the call under way (a partial output file is removed); a second one exits at once.
 */
export function runExecutable(proc: NodeJS.Process = process): void {
  proc.stdout.on('error', (error: NodeJS.ErrnoException) => {
    // A reader that went away (`| head`) is not a failure of ours.
    if (error.code === 'EPIPE') proc.exit(ExitCode.ok);
    throw error;
  });
  const interrupt = new AbortController();
  proc.once('SIGINT', () => {
    interrupt.abort();
    proc.once('SIGINT', () => proc.exit(ExitCode.interrupted));
  });
  const io = { stdin: proc.stdin, stdout: proc.stdout, stderr: proc.stderr, env: proc.env, signal: interrupt.signal };
  void main(proc.argv.slice(2), io).then((code) => {
    proc.exitCode = code;
    // A command stopped early (Ctrl-C, audio it refuses) may leave stdin being read; released, the
    // process ends now instead of when whatever writes to the pipe stops.
    proc.stdin.destroy();
  });
}

if (require.main === module) runExecutable();
