/**
 * Run by test/realtime-browser.test.ts in a child Node with the platform (WHATWG) WebSocket
 * (`node --experimental-websocket` on Node 20, built in from Node 22), bundled by esbuild. It
 * plays a browser: `window` is defined, so the client must pick the platform WebSocket and
 * Together's browser auth. Prints one JSON line of what happened.
 */
// A browser has no Buffer either: the bundle replaces every global Buffer of the package's code with
// undefined (esbuild define, see the test), so this script takes Node's from its module.
import { Buffer as NodeBuffer } from 'node:buffer';
import { RealtimeTranscription, RealtimeTTS } from '../../src';

async function main(): Promise<void> {
  const [baseURL, apiKey] = process.argv.slice(2);
  const Platform = (globalThis as { WebSocket?: new (url: string, protocols?: string | string[]) => unknown }).WebSocket;
  if (typeof Platform !== 'function') throw new Error('this Node has no global WebSocket; run it with --experimental-websocket');
  const constructed: string[] = [];
  (globalThis as Record<string, unknown>).WebSocket = class extends (Platform as new (url: string, protocols?: string | string[]) => object) {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols);
      constructed.push(new URL(url).pathname);
    }
  };
  (globalThis as Record<string, unknown>).window = globalThis;

  const result: Record<string, unknown> = { constructed };
  result.refusedWithoutOptIn = await RealtimeTTS.connect({ baseURL, apiKey }).then(
    () => 'connected',
    (error: Error) => `${error.name}: ${error.message}`,
  );

  const tts = await RealtimeTTS.connect({ baseURL, apiKey, dangerouslyAllowBrowser: true, voice: 'tara' });
  const chunks: Uint8Array[] = [];
  const chunkTypes = new Set<string>();
  for await (const chunk of tts.speak('Hello from a browser.', { settleMs: 100 })) {
    chunks.push(chunk);
    chunkTypes.add(chunk.constructor.name);
  }
  result.chunkTypes = [...chunkTypes];
  result.ttsAudio = NodeBuffer.concat(chunks).toString('base64');
  await tts.close();

  const stt = await RealtimeTranscription.connect({ baseURL, apiKey, dangerouslyAllowBrowser: true, turnDetection: null });
  await stt.appendAudio(new Uint8Array(3200).fill(1));
  await stt.commit();
  for await (const transcript of stt.transcripts()) {
    result.transcript = transcript;
    break;
  }
  await stt.close();

  // The platform WebSocket cannot stop reading: past maxQueuedBytes of unread events the session fails.
  const flooded = await RealtimeTTS.connect({ baseURL, apiKey, dangerouslyAllowBrowser: true, maxQueuedBytes: 64 * 1024, voice: 'flood' });
  const reader = flooded.speak('Flood me.')[Symbol.asyncIterator]();
  await reader.next();
  await new Promise((resolve) => setTimeout(resolve, 300));
  result.overflow = await (async () => {
    for (let chunk = await reader.next(); !chunk.done; chunk = await reader.next()) {
      // the events that arrived before the failure
    }
    return 'ended';
  })().catch((error: Error) => error.name);
  await flooded.close();

  result.wrongKey = await RealtimeTTS.connect({ baseURL, apiKey: 'wrong-key-in-browser', dangerouslyAllowBrowser: true }).then(
    () => 'connected',
    (error: Error) => `${error.name}: ${error.message}`,
  );
  console.log(JSON.stringify(result));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
