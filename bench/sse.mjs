/**
 * The PCM chunks of a speech SSE body, decoded as the bytes arrive. A deliberately minimal
 * parser (events end with a blank line, one `data:` line each) shared by the raw and axios
 * clients, so the two differ only in how they move bytes. After `[DONE]` it reads the body to
 * its end, so the keep-alive socket goes back to the pool instead of being destroyed.
 */
export async function* pcmChunksFromSse(body) {
  let pending = '';
  let done = false;
  body.setEncoding('utf8');
  for await (const text of body) {
    if (done) continue;
    pending += text;
    let end;
    while (!done && (end = pending.indexOf('\n\n')) !== -1) {
      const event = pending.slice(0, end);
      pending = pending.slice(end + 2);
      const data = event.startsWith('data: ') ? event.slice(6) : '';
      if (data === '[DONE]') done = true;
      else if (data !== '') yield Buffer.from(JSON.parse(data).data.b64, 'base64');
    }
  }
  if (!done) throw new Error('speech SSE ended without [DONE]');
}
