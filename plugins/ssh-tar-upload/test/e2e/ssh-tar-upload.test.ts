import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pack } from 'tar-stream';
import { receiveScript } from '../../src/remote-scripts.js';
import { tarUploadStep, type TarUploadArgs } from '../../src/steps/ssh-tar-upload.js';
import { startManualRun, startSshdNodes, type ManualRun, type SshdCluster } from '@lockstep/testing';

let cluster: SshdCluster;
let work: string;
const runs: ManualRun[] = [];

beforeAll(async () => {
  cluster = await startSshdNodes({ count: 3 });
  work = mkdtempSync(join(tmpdir(), 'tar-upload-e2e-'));
});
afterAll(async () => {
  await cluster?.stopAll();
  rmSync(work, { recursive: true, force: true });
});
afterEach(async () => {
  await Promise.all(runs.splice(0).map((run) => run.end()));
});

async function uploadAll(args: (node: string) => TarUploadArgs) {
  const run = await startManualRun(cluster.nodes);
  runs.push(run);
  return Promise.allSettled(run.contexts('upload').map((context) => tarUploadStep(args(context.node.name), context)));
}

function sourceTree(name: string): string {
  const src = join(work, name);
  mkdirSync(join(src, 'sub', 'deep'), { recursive: true });
  writeFileSync(join(src, 'a.txt'), 'alpha\n');
  writeFileSync(join(src, 'sub', 'b.bin'), Buffer.alloc(300_000, 7));
  writeFileSync(join(src, 'sub', 'deep', 'run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o750 });
  writeFileSync(join(src, 'skip.log'), 'noise');
  symlinkSync('sub/b.bin', join(src, 'link-to-b'));
  chownSync(join(src, 'a.txt'), 1234, 2345);
  utimesSync(join(src, 'a.txt'), new Date('2020-01-02T03:04:05Z'), new Date('2020-01-02T03:04:05Z'));
  return src;
}

describe('ssh-tar-upload on real sshd nodes', () => {
  it('uploads a tree to every node and moves it into dest, keeping modes, times, owners and links', async () => {
    const src = sourceTree('tree1');
    const dest = (node: string) => join(work, 'dest1', node);
    const results = await uploadAll((node) => ({ src: `${src}/`, relative: true, dest: dest(node), exclude: ['*.log'] }));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    for (const node of ['node1', 'node2', 'node3']) {
      const d = dest(node);
      expect(readFileSync(join(d, 'a.txt'), 'utf8')).toBe('alpha\n');
      expect(readFileSync(join(d, 'sub', 'b.bin')).equals(Buffer.alloc(300_000, 7))).toBe(true);
      expect(lstatSync(join(d, 'sub', 'deep', 'run.sh')).mode & 0o777).toBe(0o750);
      expect(lstatSync(join(d, 'a.txt'))).toMatchObject({ uid: 1234, gid: 2345 });
      expect(lstatSync(join(d, 'a.txt')).mtime.toISOString()).toBe('2020-01-02T03:04:05.000Z');
      expect(readlinkSync(join(d, 'link-to-b'))).toBe('sub/b.bin');
      expect(existsSync(join(d, 'skip.log'))).toBe(false);
      // No temporary directory is left behind.
      expect(execFileSync('sh', ['-c', `ls -A ${d} | grep -c lockstep-upload || true`]).toString().trim()).toBe('0');
    }
  });

  it('does not keep uid/gid when told not to (files belong to the extracting user)', async () => {
    const src = sourceTree('tree2');
    const dest = (node: string) => join(work, 'dest2', node);
    const results = await uploadAll((node) => ({ src: `${src}/`, relative: true, dest: dest(node), 'preserve-uid': false, 'preserve-gid': false }));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect(lstatSync(join(dest('node2'), 'a.txt'))).toMatchObject({ uid: 0, gid: 0 });
    expect(lstatSync(join(dest('node2'), 'sub', 'deep', 'run.sh')).mode & 0o777).toBe(0o750);
  });

  it('keeps the uid but not the gid, and the other way round', async () => {
    const src = sourceTree('tree3');
    const destUid = (node: string) => join(work, 'dest3u', node);
    await uploadAll((node) => ({ src: `${src}/`, relative: true, dest: destUid(node), 'preserve-gid': false }));
    expect(lstatSync(join(destUid('node1'), 'a.txt'))).toMatchObject({ uid: 1234, gid: 0 });
    const destGid = (node: string) => join(work, 'dest3g', node);
    await uploadAll((node) => ({ src: `${src}/`, relative: true, dest: destGid(node), 'preserve-uid': false }));
    expect(lstatSync(join(destGid('node1'), 'a.txt'))).toMatchObject({ uid: 0, gid: 2345 });
  });

  it('keeps absolute paths by default (orgalorg) and uploads straight into root', async () => {
    const src = sourceTree('tree4');
    const root = (node: string) => join(work, 'root4', node);
    const results = await uploadAll((node) => ({ src: join(src, 'a.txt'), root: root(node), compress: true }));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect(readFileSync(join(root('node3'), src, 'a.txt'), 'utf8')).toBe('alpha\n');
  });

  it('uploads through sudo -n, gzip-compressed, with the mover', async () => {
    const src = sourceTree('tree8');
    const dest = (node: string) => join(work, 'dest8', node);
    const results = await uploadAll((node) => ({ src: `${src}/`, relative: true, dest: dest(node), sudo: true, compress: true }));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect(readFileSync(join(dest('node3'), 'sub', 'b.bin')).equals(Buffer.alloc(300_000, 7))).toBe(true);
    expect(lstatSync(join(dest('node3'), 'a.txt'))).toMatchObject({ uid: 1234, gid: 2345 });
  });

  it('refuses a symbolic link that points out of the upload, before sending anything', async () => {
    const src = join(work, 'tree5');
    mkdirSync(src, { recursive: true });
    symlinkSync('../../etc/passwd', join(src, 'escape'));
    const results = await uploadAll((node) => ({ src: `${src}/`, relative: true, dest: join(work, 'dest5', node) }));
    for (const result of results) {
      expect(result.status).toBe('rejected');
      expect((result as PromiseRejectedResult).reason).toMatchObject({ code: 'TU1003' });
      expect(String((result as PromiseRejectedResult).reason.message)).toMatch(/symbolic link to \.\.\/\.\.\/etc\/passwd points out of the upload/);
    }
    expect(existsSync(join(work, 'dest5'))).toBe(false);
  });

  it('runs a simple sync tool in the upload directory with the given stdin', async () => {
    const src = sourceTree('tree6');
    writeFileSync(join(work, 'input6'), 'from stdin\n');
    const out = join(work, 'out6');
    mkdirSync(out, { recursive: true });
    const results = await uploadAll((node) => ({
      src: `${src}/`,
      relative: true,
      dest: join(work, 'dest6', node),
      simple: `cat a.txt - > ${out}/${node}; test "$LOCKSTEP_UPLOAD_DIR" = "$(pwd)"`,
      stdin: join(work, 'input6'),
    }));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect(readFileSync(join(out, 'node2'), 'utf8')).toBe('alpha\nfrom stdin\n');
  });

  it('takes relative sources, and a relative base-dir, from the run directory (the playbook\'s)', async () => {
    const play = join(work, 'play10');
    sourceTree('play10/tree');
    const dest = (node: string) => join(work, 'dest10', node);
    const run = await startManualRun(cluster.nodes);
    runs.push(run);
    const contexts = run.contexts('upload').map((context) => ({ ...context, run: { ...context.run, dir: play } }));
    const args = (node: string): TarUploadArgs =>
      node === 'node2' ? { src: 'sub/', 'base-dir': 'tree', relative: true, dest: dest(node) } : { src: 'tree/', relative: true, dest: dest(node) };
    const results = await Promise.allSettled(contexts.map((context) => tarUploadStep(args(context.node.name), context)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect(readFileSync(join(dest('node1'), 'a.txt'), 'utf8')).toBe('alpha\n');
    expect(readFileSync(join(dest('node2'), 'deep', 'run.sh'), 'utf8')).toBe('#!/bin/sh\necho hi\n');
    expect(existsSync(join(dest('node2'), 'a.txt'))).toBe(false);
  });

  it('refuses a hand-made archive with ../ entries on the node, writing nothing outside', async () => {
    const run = await startManualRun([cluster.nodes[0]!]);
    runs.push(run);
    const target = join(work, 'crafted', 'inside');
    for (const [name, outside] of [['../evil.txt', join(work, 'crafted', 'evil.txt')], [`/${join(work, 'crafted', 'abs.txt').slice(1)}`, join(work, 'crafted', 'abs.txt')]] as const) {
      const archive = pack();
      archive.entry({ name: 'ok.txt' }, 'fine\n');
      archive.entry({ name }, 'owned\n');
      archive.finalize();
      const receiver = run.run.nodes.get('node1')!.spawn(receiveScript({ dir: target, temporary: true, compress: false, preserveUid: true, preserveGid: true }));
      let stderr = '';
      receiver.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      receiver.stdout.resume();
      for await (const chunk of archive as AsyncIterable<Buffer>) receiver.stdin.write(chunk);
      receiver.stdin.end();
      const { exitCode } = await receiver.exited;
      expect(exitCode, stderr).not.toBe(0);
      expect(stderr).toMatch(/contains '\.\.'|Removing leading/);
      expect(existsSync(outside)).toBe(false);
      // The temporary directory is removed with what it held.
      expect(existsSync(target)).toBe(false);
    }
  });

  it('leaves a node killed mid-upload untouched while the others complete', async () => {
    const src = join(work, 'big7');
    mkdirSync(src, { recursive: true });
    execFileSync('dd', ['if=/dev/urandom', `of=${join(src, 'big.bin')}`, 'bs=1M', 'count=120', 'status=none']);
    const dest = (node: string) => join(work, 'dest7', node);
    for (const node of ['node1', 'node2', 'node3']) {
      mkdirSync(dest(node), { recursive: true });
      writeFileSync(join(dest(node), 'big.bin'), 'old\n');
    }
    // Kill node2's SSH sessions as soon as its temporary directory holds part of the file.
    const watcher = setInterval(() => {
      const partial = execFileSync('sh', ['-c', `du -sk ${dest('node2')}/.lockstep-upload.* 2>/dev/null | cut -f1 || true`]).toString().trim();
      if (Number(partial.split('\n')[0] || 0) > 4096) {
        clearInterval(watcher);
        // Kill node2's sshd and every session it serves, mid-stream.
        void cluster.stop('node2');
      }
    }, 20);
    try {
      const results = await uploadAll((node) => ({ src: `${src}/`, relative: true, dest: dest(node), 'send-timeout': '20s' }));
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'TU1002', node: 'node2' });
    } finally {
      clearInterval(watcher);
      await cluster.startAgain('node2');
    }
    const expected = readFileSync(join(src, 'big.bin'));
    expect(readFileSync(join(dest('node1'), 'big.bin')).equals(expected)).toBe(true);
    expect(readFileSync(join(dest('node3'), 'big.bin')).equals(expected)).toBe(true);
    // node2 still has exactly what it had: the old file, and (once its script has cleaned up) nothing else.
    expect(readFileSync(join(dest('node2'), 'big.bin'), 'utf8')).toBe('old\n');
    for (let i = 0; i < 50 && execFileSync('ls', ['-A', dest('node2')]).toString().trim() !== 'big.bin'; i++) await new Promise((r) => setTimeout(r, 100));
    expect(execFileSync('ls', ['-A', dest('node2')]).toString().trim()).toBe('big.bin');
  });

  it('fails every node at once, without hanging, when every receiver is gone', async () => {
    const src = join(work, 'big9');
    mkdirSync(src, { recursive: true });
    execFileSync('dd', ['if=/dev/urandom', `of=${join(src, 'big.bin')}`, 'bs=1M', 'count=60', 'status=none']);
    const dest = (node: string) => join(work, 'dest9', node);
    let stopped = false;
    const watcher = setInterval(() => {
      const partial = execFileSync('sh', ['-c', `du -sk ${join(work, 'dest9')}/*/.lockstep-upload.* 2>/dev/null | cut -f1 | head -n 1 || true`]).toString().trim();
      if (!stopped && Number(partial || 0) > 1024) {
        stopped = true;
        clearInterval(watcher);
        void (async () => {
          for (const node of ['node1', 'node2', 'node3']) await cluster.stop(node);
        })();
      }
    }, 20);
    try {
      const results = await uploadAll((node) => ({ src: `${src}/`, relative: true, dest: dest(node) }));
      expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
      for (const result of results) expect((result as PromiseRejectedResult).reason).toMatchObject({ code: 'TU1002' });
    } finally {
      clearInterval(watcher);
      for (const node of ['node1', 'node2', 'node3']) await cluster.startAgain(node);
    }
  });
});
