import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import type { PcmFormat } from './api';

export type AudioFormat = 'wav' | 'mp3' | 'raw';

export interface Player {
  command: string;
  args: string[];
}

const FFMPEG_RAW: Record<PcmFormat['encoding'], string> = { pcm_s16le: 's16le', pcm_f32le: 'f32le', pcm_alaw: 'alaw', pcm_mulaw: 'mulaw' };
const APLAY_RAW: Record<PcmFormat['encoding'], string> = { pcm_s16le: 'S16_LE', pcm_f32le: 'FLOAT_LE', pcm_alaw: 'A_LAW', pcm_mulaw: 'MU_LAW' };

/** The first of ffplay, aplay, afplay on PATH that can play `format`, with its arguments for `file`. */
export function findPlayer(format: AudioFormat, pcm: PcmFormat | undefined, file: string, env: NodeJS.ProcessEnv): Player | undefined {
  const candidates: Array<Player | undefined> = [
    {
      command: 'ffplay',
      args: [
        '-nodisp',
        '-autoexit',
        '-loglevel',
        'error',
        ...(format === 'raw' && pcm ? ['-f', FFMPEG_RAW[pcm.encoding], '-ar', String(pcm.sampleRate), '-ac', String(pcm.channels)] : []),
        file,
      ],
    },
    format === 'mp3'
      ? undefined
      : format === 'raw'
        ? pcm
          ? { command: 'aplay', args: ['-q', '-t', 'raw', '-f', APLAY_RAW[pcm.encoding], '-r', String(pcm.sampleRate), '-c', String(pcm.channels), file] }
          : undefined
        : { command: 'aplay', args: ['-q', file] },
    format === 'raw' ? undefined : { command: 'afplay', args: [file] },
  ];
  return candidates.find((player): player is Player => player !== undefined && onPath(player.command, env));
}

export const NO_PLAYER_HELP =
  'No audio player found for --play: install ffmpeg (ffplay) or alsa-utils (aplay); on macOS afplay is built in. Or write a file with -o.';

/** Runs the player found by findPlayer, with the environment it was found in (the PATH picks the same one). */
export function play(player: Player, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(player.command, player.args, { env, stdio: ['ignore', 'ignore', 'inherit'] });
    child.once('error', (error) => reject(new Error(`The player ${player.command} could not be started (${error.message}).`, { cause: error })));
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${player.command} exited with ${signal ?? `code ${code}`}.`));
    });
  });
}

function onPath(command: string, env: NodeJS.ProcessEnv): boolean {
  return (env.PATH ?? '').split(path.delimiter).some((dir) => {
    if (dir === '') return false;
    try {
      accessSync(path.join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
