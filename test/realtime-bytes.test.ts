import { randomBytes } from 'node:crypto';
import { concatBytes, fromBase64, latin1, toBase64 } from '../src/realtime/bytes';

// Browsers and Deno have no Buffer: the realtime clients' byte helpers then use atob/btoa, and must
// give what Buffer gives in Node, including for views into a larger buffer.

function withoutBuffer<T>(run: () => T): T {
  const global = globalThis as { Buffer?: typeof Buffer };
  const saved = global.Buffer;
  global.Buffer = undefined;
  try {
    return run();
  } finally {
    global.Buffer = saved;
  }
}

const runtimes: Array<[string, <T>(run: () => T) => T]> = [
  ['with Buffer', (run) => run()],
  ['without Buffer', withoutBuffer],
];

describe.each(runtimes)('%s', (_runtime, inRuntime) => {
  test('toBase64 encodes exactly the bytes of a view, also past 32 KiB', () => {
    const backing = randomBytes(0x8000 * 2 + 100);
    for (const view of [backing.subarray(3, 3 + 0x8000 * 2 + 7), new Uint8Array(backing.buffer, backing.byteOffset + 1, 5), new Uint8Array(0)]) {
      expect(inRuntime(() => toBase64(view))).toBe(Buffer.from(view).toString('base64'));
    }
  });

  test('fromBase64 decodes base64 with two, one or no padding characters', () => {
    for (const bytes of [Buffer.from([1]), Buffer.from([1, 2]), Buffer.from([1, 2, 3]), randomBytes(1000), Buffer.alloc(0)]) {
      const decoded = inRuntime(() => fromBase64(bytes.toString('base64')));
      expect(decoded).toBeInstanceOf(Uint8Array);
      expect(Buffer.from(decoded as Uint8Array).equals(bytes)).toBe(true);
    }
  });

  test('fromBase64 answers undefined for text that is not base64', () => {
    for (const text of ['%%%%', 'AA=A', 'A===', 'AAAAA', 'AAA', 'AA A', 'AB-_'])  expect(inRuntime(() => fromBase64(text))).toBeUndefined();
  });
});

test('with Buffer, decoded bytes are a Buffer, as Node callers expect', () => {
  expect(Buffer.isBuffer(fromBase64(Buffer.from('pcm').toString('base64')))).toBe(true);
});

test('concatBytes joins in order, and an empty first part gives the second unchanged', () => {
  const second = Uint8Array.from([3, 4]);
  expect([...concatBytes(Uint8Array.from([1, 2]), second)]).toEqual([1, 2, 3, 4]);
  expect([...concatBytes(Uint8Array.from([1, 2]), new Uint8Array(0))]).toEqual([1, 2]);
  expect(concatBytes(new Uint8Array(0), second)).toBe(second);
});

test('latin1 reads a signature at its offset and stops at the end of the bytes', () => {
  const bytes = Buffer.from('....ftypM4A ', 'latin1');
  expect(latin1(bytes, 4, 4)).toBe('ftyp');
  expect(latin1(bytes, 10, 4)).toBe('A ');
});
