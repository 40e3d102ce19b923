import type { ServerPeer } from './fake-realtime';

/** The server's side of a TTS session, for test scripts: the events Together sends, in its shapes. */
export function sessionCreated(peer: ServerPeer, voice = 'tara'): void {
  peer.send({
    event_id: 'evt_1',
    type: 'session.created',
    session: { id: 'sess_1', object: 'realtime.tts.session', modalities: ['text', 'audio'], model: 'hexgrad/Kokoro-82M', voice },
  });
}

/** Speaks `pcm` as item `itemId` in deltas of `deltaBytes`, then `done`; `extra` goes into every event (e.g. context_id). */
export function speakItem(peer: ServerPeer, itemId: string, pcm: Buffer, deltaBytes = 4800, extra: object = {}): void {
  for (let offset = 0; offset < pcm.length; offset += deltaBytes) {
    peer.send({ type: 'conversation.item.audio_output.delta', item_id: itemId, delta: pcm.subarray(offset, offset + deltaBytes).toString('base64'), ...extra });
  }
  peer.send({ type: 'conversation.item.audio_output.done', item_id: itemId, ...extra });
}

export async function collect<T>(chunks: AsyncIterable<T>): Promise<T[]> {
  const parts: T[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return parts;
}

/** The audio of a turn, joined. */
export async function collectAudio(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  return Buffer.concat(await collect(chunks));
}
