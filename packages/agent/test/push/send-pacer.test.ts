import { describe, expect, it } from 'vitest';
import { SendPacer } from '../../src/push/send-pacer.js';

describe('SendPacer', () => {
  it('packs a few chunks per datagram at first and more after clean files, within datagramBytes', () => {
    const pacer = new SendPacer(8864, 60_000, 0);
    expect(pacer.chunkBytes).toBe(8864);
    expect(pacer.datagramChunks()).toBe(4);
    pacer.adapt(0, 1_000_000, 10);
    expect(pacer.datagramChunks()).toBe(6); // 8 chunks would be 70912 bytes
  });

  it('sends one chunk per datagram after a member lost more than 1% of a file', () => {
    const pacer = new SendPacer(1364, 60_000, 0);
    pacer.adapt(0.05, 1_000_000, 10);
    expect(pacer.datagramChunks()).toBe(1);
  });

  it('never packs chunks when datagramBytes is one chunk', () => {
    expect(new SendPacer(8864, 8864, 0).datagramChunks()).toBe(1);
  });
});
