/** Reads back every field of a WAV header, independently of src/wav.ts. */
export interface ParsedWav {
  riff: string;
  riffSize: number;
  wave: string;
  fmtSize: number;
  formatTag: number;
  channels: number;
  sampleRate: number;
  byteRate: number;
  blockAlign: number;
  bitsPerSample: number;
  cbSize?: number;
  factSampleLength?: number;
  dataSize: number;
  dataOffset: number;
}

export function parseWav(file: Buffer): ParsedWav {
  const parsed: Partial<ParsedWav> = {
    riff: file.toString('ascii', 0, 4),
    riffSize: file.readUInt32LE(4),
    wave: file.toString('ascii', 8, 12),
  };
  let offset = 12;
  while (offset + 8 <= file.length) {
    const id = file.toString('ascii', offset, offset + 4);
    const size = file.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      Object.assign(parsed, {
        fmtSize: size,
        formatTag: file.readUInt16LE(body),
        channels: file.readUInt16LE(body + 2),
        sampleRate: file.readUInt32LE(body + 4),
        byteRate: file.readUInt32LE(body + 8),
        blockAlign: file.readUInt16LE(body + 12),
        bitsPerSample: file.readUInt16LE(body + 14),
      });
      if (size >= 18) parsed.cbSize = file.readUInt16LE(body + 16);
    } else if (id === 'fact') {
      parsed.factSampleLength = file.readUInt32LE(body);
    } else if (id === 'data') {
      parsed.dataSize = size;
      parsed.dataOffset = body;
      break;
    }
    offset = body + size + (size % 2);
  }
  return parsed as ParsedWav;
}
