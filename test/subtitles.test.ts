import { parseSync, type NodeCue } from 'subtitle';
import { WebVTTParser } from 'webvtt-parser';
import type { AudioTranscriptionSegment, AudioTranscriptionSpeakerSegment } from '../generated/models';
import { type SubtitleOptions, subtitleCues, type TimedTranscript, toSrt, toVtt } from '../src';

/** Cues as the `subtitle` package reads them back: times in ms. */
function parsed(text: string): Array<{ start: number; end: number; text: string }> {
  return parseSync(text)
    .filter((node): node is NodeCue => node.type === 'cue')
    .map(({ data }) => ({ start: data.start, end: data.end, text: data.text }));
}

/** The W3C WebVTT parser (the validator's): reports every syntax error. */
function strictVtt(text: string) {
  const tree = new WebVTTParser().parse(text, 'subtitles');
  expect(tree.errors).toEqual([]);
  return tree.cues;
}

const segmented: TimedTranscript = {
  segments: [
    { id: 0, start: 0, end: 2.5, text: ' Hello there.' },
    { id: 1, start: 2.5, end: 3661.0625, text: ' This second segment is long enough that it has to wrap onto another line.' },
  ],
};

test('SRT from segments: numbered cues with comma milliseconds, long text wrapped at 42 characters', () => {
  const srt = toSrt(segmented);
  expect(srt).toBe(
    '1\n00:00:00,000 --> 00:00:02,500\nHello there.\n\n' +
      '2\n00:00:02,500 --> 01:01:01,063\nThis second segment is long enough that it\nhas to wrap onto another line.\n',
  );
  expect(parsed(srt)).toEqual([
    { start: 0, end: 2500, text: 'Hello there.' },
    { start: 2500, end: 3661063, text: 'This second segment is long enough that it\nhas to wrap onto another line.' },
  ]);
});

test('VTT from segments passes the W3C parser with the same times and text', () => {
  const vtt = toVtt(segmented);
  expect(vtt.startsWith('WEBVTT\n\n')).toBe(true);
  const cues = strictVtt(vtt);
  expect(cues.map((c) => [c.startTime, c.endTime, c.text])).toEqual([
    [0, 2.5, 'Hello there.'],
    [2.5, 3661.063, 'This second segment is long enough that it\nhas to wrap onto another line.'],
  ]);
  expect(parsed(vtt).map((c) => c.end)).toEqual([2500, 3661063]);
});

/** A result with word timestamps only: one word a second, each 0.8 s long. */
function spoken(text: string): TimedTranscript {
  return { segments: [], words: text.split(' ').map((word, i) => ({ word: ` ${word}`, start: i, end: i + 0.8 })) };
}

/** The message of the TypeError `call` throws. */
function typeError(call: () => unknown): string {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(TypeError);
    return (error as TypeError).message;
  }
  throw new Error('no error thrown');
}

const worded: TimedTranscript = {
  ...spoken('one two three four five six seven eight nine ten eleven twelve'),
  segments: [{ id: 0, start: 0, end: 12, text: 'ignored when words are present' }],
};

test('with word timestamps, cues are capped by duration (maxCueDuration) and length (maxLineLength × maxLines)', () => {
  const byDuration = parsed(toSrt(worded, { maxCueDuration: 4 }));
  expect(byDuration.map((c) => c.text)).toEqual(['one two three four', 'five six seven eight', 'nine ten eleven twelve']);
  expect(byDuration.map((c) => [c.start, c.end])).toEqual([
    [0, 3800],
    [4000, 7800],
    [8000, 11800],
  ]);
  for (const c of byDuration) expect(c.end - c.start).toBeLessThanOrEqual(4000);

  const byLength = parsed(toSrt(worded, { maxLineLength: 10, maxLines: 1 }));
  expect(byLength.map((c) => c.text)).toEqual(['one two', 'three four', 'five six', 'seven', 'eight nine', 'ten eleven', 'twelve']);
  for (const c of byLength) expect(c.text.length).toBeLessThanOrEqual(10);

  const twoLines = parsed(toSrt(worded, { maxLineLength: 14 }));
  expect(twoLines[0].text).toBe('one two three\nfour five six');
});

test('a cue from words holds maxLines full lines of maxLineLength characters; a word more starts the next cue', () => {
  const lines = (text: string) => subtitleCues(spoken(text), { maxLineLength: 10, maxLines: 2 }).map((c) => c.lines);
  expect(lines('aaaa bbbbb cccc ddddd')).toEqual([['aaaa bbbbb', 'cccc ddddd']]);
  expect(lines('aaaa bbbbb cccc ddddd e')).toEqual([['aaaa bbbbb', 'cccc ddddd'], ['e']]);
  expect(lines('aaaa bbbbb cccc dddddd')).toEqual([['aaaa bbbbb', 'cccc'], ['dddddd']]);
});

test('a word longer than a line gets a line of its own, in the same cue while it shows at most maxLineLength × maxLines characters', () => {
  const lines = (text: string) => subtitleCues(spoken(text), { maxLineLength: 10, maxLines: 2 }).map((c) => c.lines);
  expect(lines('a 0123456789abcdefg h')).toEqual([['a', '0123456789abcdefg'], ['h']]);
  expect(lines('ab 0123456789abcdefgh')).toEqual([['ab', '0123456789abcdefgh']]);
  expect(lines('abc 0123456789abcdefgh')).toEqual([['abc'], ['0123456789abcdefgh']]);
});

test('segments can be chosen over words', () => {
  expect(parsed(toSrt(worded, { source: 'segments' })).map((c) => c.text)).toEqual(['ignored when words are present']);
});

const diarized: TimedTranscript = {
  segments: [{ id: 0, start: 0, end: 4, text: 'Hi Bob. Hi Alice, how are you?' }],
  words: [
    { word: 'Hi', start: 0, end: 0.4, speaker_id: 'SPEAKER_00' },
    { word: 'Bob.', start: 0.4, end: 1, speaker_id: 'SPEAKER_00' },
    { word: 'Hi', start: 1.5, end: 1.8, speaker_id: 'SPEAKER_01' },
    { word: 'Alice,', start: 1.8, end: 2.2, speaker_id: 'SPEAKER_01' },
    { word: 'how', start: 2.3, end: 2.6, speaker_id: 'SPEAKER_01' },
    { word: 'are', start: 2.6, end: 2.9, speaker_id: 'SPEAKER_01' },
    { word: 'you?', start: 2.9, end: 3.4, speaker_id: 'SPEAKER_01' },
  ],
  speaker_segments: [
    { id: 0, speaker_id: 'SPEAKER_00', start: 0, end: 1, text: 'Hi Bob.', words: [] },
    { id: 1, speaker_id: 'SPEAKER_01', start: 1.5, end: 3.4, text: 'Hi Alice, how are you?', words: [] },
  ],
};

test('diarized: a new cue at each change of speaker, labelled in SRT and as <v> voices in VTT', () => {
  expect(parsed(toSrt(diarized))).toEqual([
    { start: 0, end: 1000, text: 'SPEAKER_00: Hi Bob.' },
    { start: 1500, end: 3400, text: 'SPEAKER_01: Hi Alice, how are you?' },
  ]);
  const cues = strictVtt(toVtt(diarized));
  expect(cues.map((c) => c.tree.children[0])).toEqual([
    expect.objectContaining({ name: 'v', value: 'SPEAKER_00', children: [expect.objectContaining({ value: 'Hi Bob.' })] }),
    expect.objectContaining({ name: 'v', value: 'SPEAKER_01', children: [expect.objectContaining({ value: 'Hi Alice, how are you?' })] }),
  ]);
});

test('diarized without words: the speaker segments are the cues; labels can be turned off', () => {
  const { words: _words, ...noWords } = diarized;
  expect(parsed(toSrt(noWords)).map((c) => c.text)).toEqual(['SPEAKER_00: Hi Bob.', 'SPEAKER_01: Hi Alice, how are you?']);
  expect(parsed(toSrt(noWords, { speakers: false })).map((c) => c.text)).toEqual(['Hi Bob. Hi Alice, how are you?']);
});

test('VTT escapes markup characters and never lets cue text end a cue early', () => {
  const vtt = toVtt({ segments: [{ id: 0, start: 1, end: 2, text: 'a <b> & c --> d' }] });
  expect(vtt).toContain('a &lt;b&gt; &amp; c --&gt; d');
  expect(strictVtt(vtt)).toHaveLength(1);
});

test('a zero-length word still gets a valid cue; blank segments are skipped', () => {
  const result: TimedTranscript = {
    segments: [
      { id: 0, start: 1, end: 1, text: 'blip' },
      { id: 1, start: 2, end: 3, text: '   ' },
    ],
  };
  expect(parsed(toSrt(result))).toEqual([{ start: 1000, end: 1001, text: 'blip' }]);
  expect(strictVtt(toVtt(result))).toHaveLength(1);
  expect(subtitleCues({ segments: [] })).toEqual([]);
});

test('subtitles from words need a result with words', () => {
  expect(typeError(() => toSrt(segmented, { source: 'words' }))).toBe(
    'Subtitles from words need a result with "words": request timestamp_granularities including "word".',
  );
});

test('a cue lasts up to exactly maxCueDuration (7 s by default); a word ending later starts the next cue', () => {
  const twoWords = (secondEnd: number): TimedTranscript => ({
    segments: [],
    words: [
      { word: 'first', start: 0, end: 1 },
      { word: 'second', start: 6, end: secondEnd },
    ],
  });
  expect(subtitleCues(twoWords(7))).toEqual([{ start: 0, end: 7, lines: ['first second'] }]);
  expect(subtitleCues(twoWords(7.5))).toEqual([
    { start: 0, end: 1, lines: ['first'] },
    { start: 6, end: 7.5, lines: ['second'] },
  ]);
  expect(subtitleCues(twoWords(6.5), { maxCueDuration: 6.5 })).toHaveLength(1);
  expect(subtitleCues(twoWords(6.5), { maxCueDuration: 6.25 })).toHaveLength(2);
});

test('blank words neither start a cue nor leave gaps in its text; only blank words give no cues', () => {
  const result: TimedTranscript = {
    segments: [],
    words: [
      { word: ' ', start: 0, end: 0.5 },
      { word: ' hi', start: 1, end: 1.5 },
      { word: '', start: 1.5, end: 2 },
      { word: ' there ', start: 2, end: 2.5 },
    ],
  };
  expect(subtitleCues(result)).toEqual([{ start: 1, end: 2.5, lines: ['hi there'] }]);
  expect(subtitleCues({ segments: [], words: [{ word: '  ', start: 0, end: 1 }] })).toEqual([]);
  expect(subtitleCues({ segments: [], words: [] }, { source: 'words' })).toEqual([]);
});

test('an empty "words" list (no word timestamps came back) falls back to the segments', () => {
  expect(subtitleCues({ ...segmented, words: [] }).map((c) => c.lines[0])).toEqual(['Hello there.', 'This second segment is long enough that it']);
});

test('segment text wraps at any whitespace into lines of up to exactly maxLineLength characters', () => {
  const result: TimedTranscript = { segments: [{ id: 0, start: 0, end: 1, text: 'aaaa bbbb\tcc\n  dd' }] };
  expect(subtitleCues(result, { maxLineLength: 9 })[0].lines).toEqual(['aaaa bbbb', 'cc dd']);
  expect(subtitleCues(result, { maxLineLength: 8 })[0].lines).toEqual(['aaaa', 'bbbb cc', 'dd']);
});

test('word speaker ids label cues even without speaker_segments; a word without one gets an unlabelled cue', () => {
  const result: TimedTranscript = {
    segments: [],
    words: [
      { word: 'Hi', start: 0, end: 0.5, speaker_id: 'A' },
      { word: 'there.', start: 0.5, end: 1, speaker_id: 'A' },
      { word: 'Hello.', start: 1, end: 1.5 },
    ],
  };
  expect(subtitleCues(result)).toStrictEqual([
    { start: 0, end: 1, lines: ['Hi there.'], speaker: 'A' },
    { start: 1, end: 1.5, lines: ['Hello.'] },
  ]);
  expect(subtitleCues(result, { speakers: false })).toStrictEqual([{ start: 0, end: 1.5, lines: ['Hi there. Hello.'] }]);
  const { speaker_segments: _segments, ...wordsOnly } = diarized;
  expect(subtitleCues(wordsOnly).map((c) => c.speaker)).toEqual(['SPEAKER_00', 'SPEAKER_01']);
});

test('an empty speaker id is no label', () => {
  const result: TimedTranscript = { segments: [], words: [{ word: 'hi', start: 0, end: 1, speaker_id: '' }] };
  expect(subtitleCues(result)).toStrictEqual([{ start: 0, end: 1, lines: ['hi'] }]);
  expect(toSrt(result)).toBe('1\n00:00:00,000 --> 00:00:01,000\nhi\n');
});

test('speakers: true on a result without diarization gives the segments, unlabelled', () => {
  expect(subtitleCues(segmented, { speakers: true })).toStrictEqual(subtitleCues(segmented));
});

test.each<[string, unknown, string]>([
  ['null options', null, 'Subtitle options must be an object.'],
  ['a string for options', 'srt', 'Subtitle options must be an object.'],
  ['a zero maxCueDuration', { maxCueDuration: 0 }, 'Invalid maxCueDuration 0: expected a positive number of seconds.'],
  ['an infinite maxCueDuration', { maxCueDuration: Number.POSITIVE_INFINITY }, 'Invalid maxCueDuration Infinity: expected a positive number of seconds.'],
  ['a string maxCueDuration', { maxCueDuration: '5' }, 'Invalid maxCueDuration "5": expected a positive number of seconds.'],
  ['a zero maxLineLength', { maxLineLength: 0 }, 'Invalid maxLineLength 0: expected an integer >= 1.'],
  ['a fractional maxLines', { maxLines: 1.5 }, 'Invalid maxLines 1.5: expected an integer >= 1.'],
  ['an unknown source', { source: 'word' }, 'Invalid source "word": expected "auto", "words" or "segments".'],
])('%s is a TypeError naming the option', (_case, options, message) => {
  expect(typeError(() => toSrt(segmented, options as SubtitleOptions))).toBe(message);
});

const needsVerbose = 'Subtitles need a verbose transcription (response_format "verbose_json"), which has "segments"; got';

test.each<[unknown, string]>([
  [null, 'null'],
  [undefined, 'undefined'],
  ['Hello there.', '"Hello there."'],
  [{}, 'an object with no fields'],
  [{ text: 'Hello there.', language: 'en' }, 'an object with "text", "language"'],
  [{ segments: 'Hello there.' }, 'an object with "segments"'],
])('a result that is not a verbose transcription (%p) is a TypeError describing what came', (result, got) => {
  expect(typeError(() => toVtt(result as TimedTranscript))).toBe(`${needsVerbose} ${got}.`);
});

const bad = (field: string, index: number, start: string, end: string) =>
  `${field}[${index}] has invalid times (start ${start}, end ${end}): expected 0 <= start <= end, in seconds.`;

test.each<[string, Partial<TimedTranscript>, string]>([
  ['start a string', { segments: [{ id: 0, start: '0' as unknown as number, end: 1, text: 'x' }] }, bad('segments', 0, '"0"', '1')],
  ['end missing', { segments: [{ id: 0, start: 0, text: 'x' } as AudioTranscriptionSegment] }, bad('segments', 0, '0', 'undefined')],
  ['start NaN', { segments: [{ id: 0, start: Number.NaN, end: 1, text: 'x' }] }, bad('segments', 0, 'NaN', '1')],
  ['end infinite', { segments: [{ id: 0, start: 0, end: Number.POSITIVE_INFINITY, text: 'x' }] }, bad('segments', 0, '0', 'Infinity')],
  ['start negative', { segments: [{ id: 0, start: -1, end: 1, text: 'x' }] }, bad('segments', 0, '-1', '1')],
  ['a null segment', { segments: [null as unknown as AudioTranscriptionSegment] }, bad('segments', 0, 'undefined', 'undefined')],
  [
    'a word ending before it starts',
    {
      words: [
        { word: 'a', start: 0, end: 1 },
        { word: 'b', start: 2, end: 1 },
      ],
    },
    bad('words', 1, '2', '1'),
  ],
  ['a word end a string', { words: [{ word: 'a', start: 0, end: '1' as unknown as number }] }, bad('words', 0, '0', '"1"')],
  [
    'a speaker segment without times',
    { speaker_segments: [{ id: 0, speaker_id: 'A', text: 'x', words: [] } as unknown as AudioTranscriptionSpeakerSegment] },
    bad('speaker_segments', 0, 'undefined', 'undefined'),
  ],
])('%s is a TypeError naming the item and its times', (_case, fields, message) => {
  expect(typeError(() => subtitleCues({ segments: [], ...fields }))).toBe(message);
});
