import { describe, expect, it } from 'vitest';
import { formatControlAddress, isLoopback, parseControlAddress, parseGroup } from '../../src/wire/address.js';

describe('addresses', () => {
  it('parses control addresses', () => {
    expect(parseControlAddress('unix:/run/a.sock')).toEqual({ kind: 'unix', path: '/run/a.sock' });
    expect(parseControlAddress('/run/a.sock')).toEqual({ kind: 'unix', path: '/run/a.sock' });
    expect(parseControlAddress('tcp:10.0.0.1:7700')).toEqual({ kind: 'tcp', host: '10.0.0.1', port: 7700 });
    expect(formatControlAddress(parseControlAddress('tcp:h:1'))).toBe('tcp:h:1');
    expect(() => parseControlAddress('10.0.0.1:7700')).toThrow(/unix:PATH or tcp:HOST:PORT/);
    expect(() => parseControlAddress('tcp:h:70000')).toThrow(TypeError);
  });

  it('accepts only IPv4 multicast groups with a port', () => {
    expect(parseGroup('239.192.76.83:7683')).toEqual({ address: '239.192.76.83', port: 7683 });
    expect(() => parseGroup('10.0.0.1:7683')).toThrow(/multicast/);
    expect(() => parseGroup('239.1.1.1')).toThrow(/multicast/);
  });

  it('knows loopback', () => {
    expect(isLoopback('127.0.0.1')).toBe(true);
    expect(isLoopback('127.9.9.9')).toBe(true);
    expect(isLoopback('10.0.0.1')).toBe(false);
  });
});
