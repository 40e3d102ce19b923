import { randomBytes } from 'node:crypto';
import { decodeBase64 } from '../src/bytes';
import { nodePlatform } from '../src/node/platform';

// The audio of a streamed speech event arrives as base64. The runtime-neutral client decodes it
// with the portable decoder (src/bytes.ts), the Node client with Buffer: both give the exact bytes.
// Both give undefined for the same texts that are not base64 (the stream reports a malformed
// event), never a silently shortened chunk.
const decoders: Array<[string, (text: string) => Uint8Array | undefined]> = [
  ['the portable decoder', decodeBase64],
  ['the Node decoder', nodePlatform.decodeBase64 as (text: string) => Uint8Array | undefined],
];

const everyByteValue = Buffer.from(Array.from({ length: 512 }, (_, i) => (i < 256 ? i : 511 - i)));

describe.each(decoders)('%s', (_name, decode) => {
  it('gives back exactly the bytes encoded, for every length of the last group, with or without its padding', () => {
    for (let length = 0; length <= 40; length++) {
      const bytes = randomBytes(length);
      const padded = bytes.toString('base64');
      expect(Buffer.from(decode(padded) ?? 'refused')).toEqual(bytes);
      expect(Buffer.from(decode(padded.replace(/=+$/, '')) ?? 'refused')).toEqual(bytes);
    }
  });

  it('decodes silence (zero bytes, all "A"s) of every length', () => {
    for (let length = 1; length <= 9; length++) {
      const silence = Buffer.alloc(length);
      expect(Buffer.from(decode(silence.toString('base64')) ?? 'refused')).toEqual(silence);
    }
  });

  it('decodes every character of the alphabet to its value', () => {
    const text = everyByteValue.toString('base64');
    expect(new Set(text.replace(/=/g, '')).size).toBe(64);
    expect(Buffer.from(decode(text) ?? 'refused')).toEqual(everyByteValue);
  });
});

describe.each(decoders)('%s refuses text that is not base64 with undefined (the same texts in every runtime):', (_name, decode) => {
  it.each([
    ['one character over a whole group', 'AAAAA'],
    ['a single character', 'A'],
    ['padding alone', '='],
    ['two paddings alone', '=='],
    ['padding after a single character', 'A=='],
    ['one padding where two are due', 'AA='],
    ['padding after a whole group', 'AAAA='],
    ['two paddings after three characters', 'AAA=='],
    ['three paddings', 'AA==='],
    ['padding inside a group', 'AA=A'],
    ['padding at the start', '=AAA'],
  ])('%s (%p)', (_label, text) => {
    expect(decode(text)).toBeUndefined();
  });

  it.each([
    ['a percent sign', '%'],
    ['a space', ' '],
    ['a line feed', '\n'],
    ['a URL-safe minus', '-'],
    ['a URL-safe underscore', '_'],
    ['DEL, the last ASCII character', '\u007f'],
    ['U+0080, the first character past ASCII', '\u0080'],
    ['a Latin-1 letter', 'é'],
    ['a character past Latin-1', '€'],
  ])('%s in any position of a whole or a last group', (_label, stray) => {
    for (const valid of ['QUJD', 'QUJDRA', 'QUJDREU']) {
      for (let at = 0; at < valid.length; at++) {
        const text = valid.slice(0, at) + stray + valid.slice(at + 1);
        expect([text, decode(text)]).toEqual([text, undefined]);
      }
    }
  });
});
