import { describe, expect, it } from 'vitest';
import { SessionSlots } from '../../src/transports/session-slots.js';

describe('SessionSlots', () => {
  it('lets `max` holders in and queues the rest first come first served', async () => {
    const slots = new SessionSlots(2);
    const order: string[] = [];
    const a = await slots.acquire();
    const b = await slots.acquire();
    const c = slots.acquire().then((release) => (order.push('c'), release));
    const d = slots.acquire().then((release) => (order.push('d'), release));
    await new Promise((r) => setTimeout(r, 10));
    expect(order).toEqual([]);
    a();
    a(); // a second release must not free a second slot
    const releaseC = await c;
    await new Promise((r) => setTimeout(r, 10));
    expect(order).toEqual(['c']);
    b();
    (await d)();
    releaseC();
    expect(order).toEqual(['c', 'd']);
  });

  it('stops waiting when aborted', async () => {
    const slots = new SessionSlots(1);
    const held = await slots.acquire();
    const controller = new AbortController();
    const waiting = slots.acquire(controller.signal);
    controller.abort(new Error('step cancelled'));
    await expect(waiting).rejects.toThrow('step cancelled');
    held();
    const next = await slots.acquire();
    next();
  });
});
