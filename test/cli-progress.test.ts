import { Writable } from 'node:stream';
import { formatBytes, Progress } from '../src/cli/progress';

/** A stderr that records what was written; a terminal or not. */
function stderr(isTTY: boolean): Writable & { isTTY: boolean; text(): string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return Object.assign(stream, { isTTY, text: () => chunks.join('') });
}

beforeEach(() => {
  jest.useFakeTimers({ now: 1_000_000 });
});

afterEach(() => {
  jest.useRealTimers();
});

describe('the progress line', () => {
  test('writes nothing at all when stderr is not a terminal', () => {
    const stream = stderr(false);
    const progress = new Progress(stream);
    progress.update('Received 1.0 s of audio');
    progress.update('Received 2.0 s of audio', true);
    progress.done('Received 2.0 s of audio (96044 bytes)');
    progress.note('Request id: abc');
    expect(progress.enabled).toBe(false);
    expect(stream.text()).toBe('');
  });

  test('on a terminal, redraws one line at most every 100 ms, and ends it with the latest text', () => {
    const stream = stderr(true);
    const progress = new Progress(stream);
    expect(progress.enabled).toBe(true);
    progress.update('Sent 0.1 s');
    jest.advanceTimersByTime(99);
    progress.update('Sent 0.2 s'); // too soon: held back
    expect(stream.text()).toBe('\rSent 0.1 s\x1b[K');
    jest.advanceTimersByTime(1);
    progress.update('Sent 0.3 s');
    progress.update('Sent 0.4 s'); // held back, drawn by done()
    progress.done();
    expect(stream.text()).toBe('\rSent 0.1 s\x1b[K\rSent 0.3 s\x1b[K\rSent 0.4 s\x1b[K\n');
  });

  test('done(text) draws its text unless it is already shown; done() with nothing shown writes nothing', () => {
    const stream = stderr(true);
    const progress = new Progress(stream);
    progress.done();
    expect(stream.text()).toBe('');
    progress.update('Received 1.0 s of audio');
    progress.done('Received 1.0 s of audio');
    expect(stream.text()).toBe('\rReceived 1.0 s of audio\x1b[K\n');
    progress.done('Received 1.0 s of audio (48044 bytes)');
    expect(stream.text()).toBe('\rReceived 1.0 s of audio\x1b[K\n\rReceived 1.0 s of audio (48044 bytes)\x1b[K\n');
  });

  test('a note ends the status line first and stands on a line of its own', () => {
    const stream = stderr(true);
    const progress = new Progress(stream);
    progress.note('Request id: first');
    progress.update('Uploading: 10 B');
    progress.note('Request id: second');
    expect(stream.text()).toBe('Request id: first\n\rUploading: 10 B\x1b[K\nRequest id: second\n');
  });
});

test('formatBytes: bytes below 1 KB, then KB, MB and GB with one decimal; GB is the largest unit', () => {
  expect([0, 1023, 1024, 1536, 1024 ** 2 - 1, 1024 ** 2, 5.5 * 1024 ** 3, 2048 * 1024 ** 3].map(formatBytes)).toEqual([
    '0 B',
    '1023 B',
    '1.0 KB',
    '1.5 KB',
    '1024.0 KB',
    '1.0 MB',
    '5.5 GB',
    '2048.0 GB',
  ]);
});
