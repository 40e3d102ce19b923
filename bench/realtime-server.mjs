// The realtime bench's server on 127.0.0.1: TTS answers each commit with a fixed number of audio
// deltas (echoing context_id) and STT counts the appended bytes, reporting them on commit.
import { WebSocketServer } from 'ws';
import { startLocalServer } from '../test/support/local-server.cjs';

export async function startRealtimeBenchServer({ realtimeDeltas, realtimeDeltaBytes }) {
  const delta = Buffer.alloc(realtimeDeltaBytes, 7).toString('base64');
  const server = await startLocalServer((_req, res) => {
    res.writeHead(426);
    res.end();
  });
  const wss = new WebSocketServer({ server: server.server, perMessageDeflate: false });
  wss.on('connection', (ws, req) => {
    const tts = req.url.startsWith('/v1/audio/speech/websocket');
    ws.send(JSON.stringify({ type: 'session.created', session: { id: 'bench' } }));
    let bytes = 0;
    ws.on('message', (data) => {
      const event = JSON.parse(data.toString());
      if (tts && event.type === 'input_text_buffer.commit') {
        const context = event.context_id ? { context_id: event.context_id } : {};
        for (let i = 0; i < realtimeDeltas; i++) ws.send(JSON.stringify({ type: 'conversation.item.audio_output.delta', item_id: 'item', delta, ...context }));
        ws.send(JSON.stringify({ type: 'conversation.item.audio_output.done', item_id: 'item', ...context }));
      } else if (!tts && event.type === 'input_audio_buffer.append') {
        bytes += Buffer.from(event.audio, 'base64').length;
      } else if (!tts && event.type === 'input_audio_buffer.commit') {
        ws.send(JSON.stringify({ type: 'conversation.item.input_audio_transcription.completed', item_id: 'item', transcript: String(bytes) }));
        bytes = 0;
      }
    });
  });
  return {
    baseURL: server.baseURL,
    async close() {
      for (const client of wss.clients) client.terminate();
      await new Promise((resolve) => wss.close(() => resolve(undefined)));
      await server.close();
    },
  };
}
