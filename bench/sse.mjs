/**
 * The PCM chunks of a speech SSE body, decoded as the bytes arrive. A deliberately minimal
 * parser (events end with a blank line, one `data:` line each) shared by the raw and axios
 * clients, so the two differ only in how they move bytes.
 */
export async function* pcmChunksFromSse(body) {
  let pending = '';
  body.setEncoding('utf8');
  for await (const text of body) {
    pending += text;
    let end;
    while ((end = pending.indexOf('\n\n')) !== -1) {
      const event = pending.slice(0, end);
      pending = pending.slice(end + 2);
      const data = event.startsWith('data: ') ? event.slice(6) : '';
      if (data === '[DONE]') return;
      if (data !== '') yield Buffer.from(JSON.parse(data).data.b64, 'base64');
    }
  }
  throw new Error('speech SSE ended without [DONE]');
}
