// The W3C WebVTT parser ships no types; only what the tests use.
declare module 'webvtt-parser' {
  export interface VttNode {
    type: string;
    name?: string;
    value?: string;
    children: VttNode[];
  }
  export interface VttCue {
    startTime: number;
    endTime: number;
    text: string;
    tree: { children: VttNode[] };
  }
  export class WebVTTParser {
    parse(input: string, mode?: 'subtitles' | 'chapters' | 'metadata'): { cues: VttCue[]; errors: Array<{ message: string; line: number }> };
  }
}
