import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { once } from 'node:events';

const BLOCK = 1024 * 1024;

/**
 * `length` deterministic bytes: a xorshift32 sequence from a fixed seed, so every run and every
 * client moves the same, incompressible-looking data.
 */
export function deterministicBlock(length, seed = 0x9e3779b9) {
  const bytes = Buffer.alloc(length);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    bytes[i] = state & 0xff;
  }
  return bytes;
}

async function writeDeterministicFile(filePath, length) {
  const out = createWriteStream(filePath);
  const block = deterministicBlock(BLOCK);
  for (let written = 0; written < length; written += BLOCK) {
    const piece = length - written >= BLOCK ? block : block.subarray(0, length - written);
    if (!out.write(piece)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** The temp dir with the download payload and the upload file; `cleanup()` removes it all. */
export async function preparePayloads({ downloadBytes, uploadBytes }) {
  const dir = await mkdtemp(path.join(tmpdir(), 'together-audio-bench-'));
  const downloadPath = path.join(dir, 'speech-payload.bin');
  const uploadPath = path.join(dir, 'upload.wav');
  await writeDeterministicFile(downloadPath, downloadBytes);
  await writeDeterministicFile(uploadPath, uploadBytes);
  return {
    dir,
    downloadPath,
    uploadPath,
    /** A fresh path in the temp dir for a client to write a download to. */
    outputPath: (name) => path.join(dir, `${name}.out`),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
