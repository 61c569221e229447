import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { FanOut } from '../src/fan-out.js';

/** A sink that takes `perTick` chunks per event-loop turn, to be slow. */
function slowSink(received: Buffer[]): Writable {
  return new Writable({
    highWaterMark: 1024,
    write(chunk: Buffer, _encoding, callback) {
      received.push(chunk);
      setImmediate(callback);
    },
  });
}

describe('FanOut', () => {
  it('gives every sink every byte, in order, at the pace of the slowest', async () => {
    const data = Array.from({ length: 200 }, (_, i) => Buffer.alloc(4096, i));
    const fast: Buffer[] = [];
    const slow: Buffer[] = [];
    const fastSink = new PassThrough();
    fastSink.on('data', (chunk: Buffer) => fast.push(chunk));
    const fanOut = new FanOut([{ name: 'fast', stream: fastSink }, { name: 'slow', stream: slowSink(slow) }], { onDrop: () => {} });
    await pipeline(Readable.from(data), fanOut);
    expect(Buffer.concat(fast).equals(Buffer.concat(data))).toBe(true);
    expect(Buffer.concat(slow).equals(Buffer.concat(data))).toBe(true);
  });

  it('drops a sink that stalls past the send timeout and goes on with the others', async () => {
    const dropped: string[] = [];
    const stuck = new Writable({ highWaterMark: 16, write() {} });
    const ok: Buffer[] = [];
    const fanOut = new FanOut([{ name: 'stuck', stream: stuck }, { name: 'ok', stream: slowSink(ok) }], {
      sendTimeoutMs: 50,
      onDrop: (name, reason) => dropped.push(`${name}: ${reason.message}`),
    });
    await pipeline(Readable.from([Buffer.alloc(64, 1), Buffer.alloc(64, 2)]), fanOut);
    expect(dropped).toEqual(['stuck: accepted no data for 50ms (send timeout)']);
    expect(Buffer.concat(ok).length).toBe(128);
  });

  it('fails when every sink is gone', async () => {
    const sink = new PassThrough();
    const fanOut = new FanOut([{ name: 'only', stream: sink }], { onDrop: () => {} });
    fanOut.drop('only', new Error('node died'));
    await expect(pipeline(Readable.from([Buffer.from('x')]), fanOut)).rejects.toThrow(/premature close/i);
    expect(fanOut.live).toEqual([]);
  });
});
