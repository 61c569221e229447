import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { extract } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectSources } from '../src/collect-sources.js';
import { packEntries } from '../src/pack-stream.js';

let base: string;
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'pack-'));
  mkdirSync(join(base, 'tree', 'bin'), { recursive: true });
  writeFileSync(join(base, 'tree', 'data.bin'), Buffer.alloc(700_000, 3));
  // Above 1 MB: streamed rather than read whole ahead of time.
  writeFileSync(join(base, 'tree', 'large.bin'), Buffer.alloc(1_500_000, 7));
  writeFileSync(join(base, 'tree', 'bin', 'run'), '#!/bin/sh\n', { mode: 0o755 });
  symlinkSync('bin/run', join(base, 'tree', 'start'));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

async function read(archive: Buffer) {
  const entries: Array<{ name: string; type: string; mode: number; linkname: string | null; size: number; sha: string }> = [];
  const parser = extract();
  const done = new Promise<void>((resolve, reject) => {
    parser.on('entry', (header, stream, next) => {
      const hash = createHash('sha256');
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        size += chunk.length;
      });
      stream.on('end', () => {
        entries.push({ name: header.name, type: header.type ?? '', mode: header.mode ?? 0, linkname: header.linkname ?? null, size, sha: hash.digest('hex') });
        next();
      });
    });
    parser.on('finish', resolve);
    parser.on('error', reject);
  });
  parser.end(archive);
  await done;
  return entries;
}

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

describe('packEntries', () => {
  it('archives every entry once, with modes and links, and hashes exactly the bytes it sends', async () => {
    const entries = await collectSources(['tree/'], { baseDir: base, relative: true, exclude: [] });
    const { stream, manifest } = packEntries(entries, { compress: false });
    const archive = await read(await collect(stream));
    const sums = await manifest;
    expect(archive.map((e) => `${e.type} ${e.name}`)).toEqual(['directory bin', 'file bin/run', 'file data.bin', 'file large.bin', 'symlink start']);
    expect(archive.find((e) => e.name === 'bin/run')!.mode).toBe(0o755);
    expect(archive.find((e) => e.name === 'start')!.linkname).toBe('bin/run');
    const data = archive.find((e) => e.name === 'data.bin')!;
    expect(data.size).toBe(700_000);
    expect(sums.get('data.bin')).toBe(data.sha);
    expect(sums.get('data.bin')).toBe(createHash('sha256').update(Buffer.alloc(700_000, 3)).digest('hex'));
    const large = archive.find((e) => e.name === 'large.bin')!;
    expect(large.size).toBe(1_500_000);
    expect(sums.get('large.bin')).toBe(createHash('sha256').update(Buffer.alloc(1_500_000, 7)).digest('hex'));
    expect(sums.get('bin/run')).toBe(archive.find((e) => e.name === 'bin/run')!.sha);
    expect([...sums.keys()].sort()).toEqual(['bin/run', 'data.bin', 'large.bin']);
  });

  it('gzips the stream once when asked', async () => {
    const entries = await collectSources(['tree/'], { baseDir: base, relative: true, exclude: [] });
    const { stream } = packEntries(entries, { compress: true });
    const archive = await read(gunzipSync(await collect(stream)));
    expect(archive).toHaveLength(5);
  });
});
