import { ByteBudget, EventQueue } from '../src/realtime/event-queue';

// The flow control under every realtime session: a connection stops reading when its readers fall
// behind by more than the bound and reads again once they have caught up to half of it; a reader
// waits for the next event, a timeout, a wake-up, or the end.

function budget(limit: number): { budget: ByteBudget; changes: boolean[] } {
  const changes: boolean[] = [];
  return { budget: new ByteBudget(limit, (over) => changes.push(over)), changes };
}

describe('ByteBudget', () => {
  test('stops reading once past the bound, and says so once however much more arrives', () => {
    const { budget: bytes, changes } = budget(100);
    bytes.take(100);
    expect(changes).toEqual([]);
    bytes.take(1);
    bytes.take(50);
    expect(changes).toEqual([true]);
  });

  test('reads again only once what is held is down to half the bound', () => {
    const { budget: bytes, changes } = budget(100);
    bytes.take(151);
    bytes.give(100);
    expect(changes).toEqual([true]);
    bytes.give(1);
    expect(changes).toEqual([true, false]);
    bytes.give(50);
    expect(changes).toEqual([true, false]);
  });
});

describe('EventQueue', () => {
  const queue = () => new EventQueue<string>(budget(1000).budget);

  test('a waiting reader gets the next event pushed; with no timeout it waits as long as it takes', async () => {
    const events = queue();
    const next = events.next();
    await new Promise((resolve) => setTimeout(resolve, 30));
    events.push('late', 4);
    await expect(next).resolves.toEqual({ event: 'late' });
  });

  test('a wait with a timeout ends with { timedOut: true } and leaves the queue free for the next reader', async () => {
    const events = queue();
    await expect(events.next({ timeoutMs: 10 })).resolves.toEqual({ timedOut: true });
    events.push('after', 5);
    await expect(events.next({ timeoutMs: 10 })).resolves.toEqual({ event: 'after' });
  });

  test('wake() makes a waiting reader return { woken: true }, and does nothing with no reader waiting', async () => {
    const events = queue();
    events.wake();
    const next = events.next();
    events.wake();
    await expect(next).resolves.toEqual({ woken: true });
  });

  test('after end(), the reader gets what was queued, then { ended: true }; later pushes are dropped', async () => {
    const events = queue();
    events.push('queued', 6);
    events.end();
    events.push('dropped', 7);
    events.pushError(new Error('dropped too'));
    await expect(events.next()).resolves.toEqual({ event: 'queued' });
    await expect(events.next()).resolves.toEqual({ ended: true });
  });
});
