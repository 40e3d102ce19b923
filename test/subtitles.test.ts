import { parseSync, type NodeCue } from 'subtitle';
import { WebVTTParser } from 'webvtt-parser';
import { subtitleCues, toSrt, toVtt, type TimedTranscript } from '../src';

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

const worded: TimedTranscript = {
  segments: [{ id: 0, start: 0, end: 12, text: 'ignored when words are present' }],
  words: 'one two three four five six seven eight nine ten eleven twelve'.split(' ').map((word, i) => ({ word: ` ${word}`, start: i, end: i + 0.8 })),
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

test('bad input is a TypeError naming the problem', () => {
  expect(() => toSrt({ text: 'hi' } as unknown as TimedTranscript)).toThrow(/verbose transcription .*"segments".*"text"/);
  expect(() => toSrt({ segments: [{ id: 0, start: 2, end: 1, text: 'x' }] })).toThrow(/segments\[0\] has invalid times/);
  expect(() => toSrt({ segments: [] }, { source: 'words' })).toThrow(/timestamp_granularities/);
  expect(() => toSrt(segmented, { maxLineLength: 0 })).toThrow(/maxLineLength/);
  expect(() => toVtt(segmented, { maxCueDuration: -1 })).toThrow(/maxCueDuration/);
});
