import http from 'node:http';
import { TogetherAudio } from '../src';
import { FakeTogether, sendJson } from './support/fake-together';
import { clientInternals } from '../src/client';

// Node 18's global agent closes the socket after every request; the client must not depend on
// the global agent to reuse connections. Swapping in such an agent reproduces Node 18 here.
const originalGlobalAgent = http.globalAgent;
let server: FakeTogether;

beforeAll(async () => {
  http.globalAgent = new http.Agent({ keepAlive: false });
  server = await FakeTogether.start();
});
afterAll(async () => {
  http.globalAgent.destroy();
  http.globalAgent = originalGlobalAgent;
  await server.close();
});

it('reuses one keep-alive connection for sequential calls, whatever the global agent does', async () => {
  const clientPorts = new Set<number | undefined>();
  server.route('GET /voices', (req, res) => {
    clientPorts.add(req.socket.remotePort);
    sendJson(res, 200, { data: [] });
  });
  const together = new TogetherAudio({ apiKey: 'test-key', baseURL: server.baseURL });

  for (let call = 0; call < 3; call++) await (await clientInternals(together)).voices.fetchVoices();

  expect(server.requests).toHaveLength(3);
  expect(clientPorts.size).toBe(1);
});
