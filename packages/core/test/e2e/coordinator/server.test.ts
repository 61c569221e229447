import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Coordinator } from '../../../src/coordinator/coordinator.js';
import { CoordinatorServer } from '../../../src/coordinator/server.js';
import { connectCoordinator, type TcpCoordinatorClient } from '../../../src/coordinator/tcp-client.js';
import { keysUnder, killAll, startClient } from './helpers.js';

const TOKEN = 'e2e-token';
let coordinator: Coordinator;
let server: CoordinatorServer;
const clients: TcpCoordinatorClient[] = [];
const sockets: Socket[] = [];

beforeEach(async () => {
  // A long TTL: anything released in these tests is released by the disconnect, not the lease.
  coordinator = new Coordinator({ sessionTtlMs: 60_000 });
  server = await CoordinatorServer.listen({ coordinator, token: TOKEN, maxLineBytes: 4096 });
});
afterEach(async () => {
  killAll();
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
  await server.dispose();
  await coordinator.dispose();
});

async function client(name: string): Promise<TcpCoordinatorClient> {
  const c = await connectCoordinator({ address: server.address, token: TOKEN, name });
  clients.push(c);
  return c;
}

/** A raw protocol conversation over a socket: send lines, read reply lines. */
async function raw(): Promise<{ send(line: string): void; next(): Promise<string>; socket: Socket }> {
  const socket = connect(server.port, '127.0.0.1');
  sockets.push(socket);
  await once(socket, 'connect');
  const lines: string[] = [];
  const waiting: Array<(line: string) => void> = [];
  let buffer = '';
  socket.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      const w = waiting.shift();
      if (w) w(line);
      else lines.push(line);
    }
  });
  return {
    socket,
    send: (line) => void socket.write(line + '\n'),
    next: () => (lines.length > 0 ? Promise.resolve(lines.shift()!) : new Promise((resolve) => waiting.push(resolve))),
  };
}

describe('dissem over TCP, with client processes', () => {
  it('example 1: the waiter unblocks when another server posts', async () => {
    const waiter = startClient(server.address, TOKEN, 'server1', 'sem', 'SEM001', '-1');
    await keysUnder(coordinator, 'sem/SEM001/w/', 1);
    const poster = startClient(server.address, TOKEN, 'server2', 'sem', 'SEM001', '1');
    expect(await poster.line(/^ok/)).toBe('ok 1');
    expect(await waiter.line(/^ok/)).toBe('ok 0');
    expect(await Promise.all([waiter.exited, poster.exited])).toEqual([0, 0]);
  });

  it('example 2: four waiters at -1 and a post of 4: all five return, the value is 0', async () => {
    const waiters = [1, 2, 3, 4].map((i) => startClient(server.address, TOKEN, `server${i}`, 'sem', 'SEM001', '-1'));
    await keysUnder(coordinator, 'sem/SEM001/w/', 4);
    const poster = startClient(server.address, TOKEN, 'server5', 'sem', 'SEM001', '4');
    expect(await poster.line(/^ok/)).toBe('ok 4');
    const results = await Promise.all(waiters.map((w) => w.line(/^ok/)));
    expect(results.sort()).toEqual(['ok 0', 'ok 1', 'ok 2', 'ok 3']);
    expect(await (await client('reader')).semaphore('SEM001', 0)).toBe(0);
  });

  it('wakes 600 waiters on 600 connections with one post, and still answers afterwards', async () => {
    const waiters = await Promise.all(Array.from({ length: 600 }, (_, i) => client(`w${i}`)));
    const results = waiters.map((c) => c.semaphore('many', -1));
    await keysUnder(coordinator, 'sem/many/w/', 600);
    const poster = await client('poster');
    expect(await poster.semaphore('many', 600)).toBe(600);
    expect((await Promise.all(results)).sort((a, b) => a - b)).toEqual(Array.from({ length: 600 }, (_, i) => i));
    const r = await raw();
    r.send('PING');
    expect(await r.next()).toBe('PONG');
    expect(await poster.semaphore('many', 0)).toBe(0);
  });

  it('drops the request of a waiter whose process is killed: a later post is not consumed by it', async () => {
    const doomed = startClient(server.address, TOKEN, 'doomed', 'sem', 'S', '-1');
    await keysUnder(coordinator, 'sem/S/w/', 1);
    doomed.child.kill('SIGKILL');
    await doomed.exited;
    // The coordinator sees the connection close and withdraws the request.
    await keysUnder(coordinator, 'sem/S/w/', 0, true);
    const survivor = await client('survivor');
    expect(await survivor.semaphore('S', 1)).toBe(1);
    // Nobody took the unit: a try finds it.
    expect(await survivor.semaphore('S', -1, { timeoutMs: 0 })).toBe(0);
  });
});

describe('barriers over TCP', () => {
  it('tells the others, naming the participant whose process was killed before the barrier fired', async () => {
    const a = startClient(server.address, TOKEN, 'node-a', 'barrier', 'BR', '3');
    const b = startClient(server.address, TOKEN, 'node-b', 'barrier', 'BR', '3');
    await keysUnder(coordinator, 'bar/BR/g/1/', 2);
    b.child.kill('SIGKILL');
    expect(await a.line(/^(ok|err)/)).toMatch(/^err LS5004 barrier "BR" generation 1 is broken: node-b \(session [0-9a-f]+\) left before it fired/);
  });

  it('refuses an arrival with a different count and releases nobody', async () => {
    const a = await client('a');
    const first = a.barrier('mix', 2);
    await keysUnder(coordinator, 'bar/mix/g/1/', 1);
    await expect((await client('b')).barrier('mix', 3)).rejects.toMatchObject({ code: 'LS5004' });
    expect(await Promise.all([first, (await client('c')).barrier('mix', 2)])).toEqual([{ generation: 1 }, { generation: 1 }]);
  });
});

describe('locks over TCP', () => {
  it('releases the lock of a killed client at once, not after the lease', async () => {
    const holder = startClient(server.address, TOKEN, 'holder', 'lock', 'db');
    await holder.line(/^held/);
    const next = await client('next');
    await expect(next.lock('db', { timeoutMs: 0 })).rejects.toMatchObject({ code: 'LS5005', message: expect.stringContaining('holder') });
    const waiting = next.lock('db', { timeoutMs: 10_000 });
    holder.child.kill('SIGKILL');
    expect((await waiting).resource).toBe('db');
  });

  it('gives growing fences and answers try, timed and shared requests', async () => {
    const [a, b] = [await client('a'), await client('b')];
    const h1 = await a.lock('r');
    await expect(b.lock('r', { timeoutMs: 50 })).rejects.toMatchObject({ code: 'LS5003' });
    await h1.release();
    const h2 = await b.lock('r');
    expect(h2.fence).toBeGreaterThan(h1.fence);
    await h2.release();
    const shared = await Promise.all([a.lock('s', { mode: 'shared' }), b.lock('s', { mode: 'shared' })]);
    expect(shared.map((h) => h.mode)).toEqual(['shared', 'shared']);
  });
});

describe('the wire', () => {
  it('answers garbage and over-long lines with ERR and keeps the connection', async () => {
    const r = await raw();
    r.send(`AUTH ${TOKEN} name=raw`);
    expect(await r.next()).toMatch(/^OK [0-9a-f]+$/);
    r.send('HELLO there');
    expect(await r.next()).toMatch(/^ERR LS5006 unknown verb "HELLO"/);
    r.send('SEM onlyname');
    expect(await r.next()).toMatch(/^ERR LS5006 usage: SEM <name> <delta>/);
    r.send('SEM x notanumber');
    expect(await r.next()).toMatch(/^ERR LS5006 delta must be an integer/);
    r.send('SEM x 1 timeout=soon');
    expect(await r.next()).toMatch(/^ERR LS1003 invalid duration "soon"/);
    r.send('\u0000\u0001\u00ff');
    expect(await r.next()).toMatch(/^ERR LS5006/);
    r.send('A'.repeat(10_000));
    expect(await r.next()).toMatch(/^ERR LS5009 line too long: at most 4096 bytes/);
    r.send('PING');
    expect(await r.next()).toBe('PONG');
    r.send('SEM x 2');
    expect(await r.next()).toBe('OK 2');
  });

  it('pipelines requests with ids, answering each as it finishes', async () => {
    const r = await raw();
    r.send(`AUTH ${TOKEN}`);
    await r.next();
    r.send('#a SEM p -1');
    r.send('#b SEM p 1');
    expect([await r.next(), await r.next()]).toEqual(['#b OK 1', '#a OK 0']);
    r.send('#c LOCK res timeout=1s');
    expect(await r.next()).toMatch(/^#c OK \d+$/);
    r.send('#d UNLOCK res');
    expect(await r.next()).toBe('#d OK');
  });

  it('reports the state of a semaphore, a barrier and a lock with INFO, changing nothing', async () => {
    const [a, b] = [await client('web1'), await client('web2')];
    const waiting = a.semaphore('s', -2);
    const arrived = a.barrier('b', 3);
    const hold = await a.lock('db');
    const queued = b.lock('db');
    await keysUnder(coordinator, 'lock/db/', 2);
    await keysUnder(coordinator, 'bar/b/g/1/', 1);
    expect(await b.request('INFO sem s')).toBe('value=0 waiting=1');
    expect(await b.request('INFO barrier b')).toBe('generation=1 count=3 arrived=1 state=open');
    expect(await b.request(`INFO lock db`)).toBe(`holders=1 waiting=1 held-by=web1:exclusive:${hold.fence}`);
    expect(await b.request('INFO sem never-used')).toBe('value=0 waiting=0');
    expect(await b.request('INFO barrier never-used')).toBe('generation=0 count=0 arrived=0 state=none');
    await expect(b.request('INFO queue x')).rejects.toMatchObject({ code: 'LS5006' });
    await b.semaphore('s', 2);
    expect(await waiting).toBe(0);
    await hold.release();
    await queued;
    void arrived.catch(() => undefined);
  });

  it('cancels a pending request by id, withdrawing it', async () => {
    const r = await raw();
    r.send(`AUTH ${TOKEN}`);
    await r.next();
    r.send('#w SEM c -1');
    await keysUnder(coordinator, 'sem/c/w/', 1);
    r.send('CANCEL w');
    expect([await r.next(), await r.next()].sort()).toEqual(['#w ERR LS5003 request #w cancelled', 'OK']);
    await keysUnder(coordinator, 'sem/c/w/', 0, true);
    // A client's AbortSignal does the same through CANCEL.
    const holder = await client('holder');
    const held = await holder.lock('held');
    const c = await client('aborter');
    const controller = new AbortController();
    const waiting = c.lock('held', { signal: controller.signal });
    await keysUnder(coordinator, 'lock/held/', 2);
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'LS5003' });
    await keysUnder(coordinator, 'lock/held/', 1, true);
    await held.release();
    expect((await (await client('third')).lock('held', { timeoutMs: 0 })).resource).toBe('held');
  });

  it('refuses a wrong token and closes the connection', async () => {
    const r = await raw();
    r.send('SEM x 1');
    expect(await r.next()).toMatch(/^ERR LS5002 authenticate first/);
    r.send('AUTH wrong');
    expect(await r.next()).toMatch(/^ERR LS5002 the coordinator refused the token/);
    await once(r.socket, 'close');
    await expect(connectCoordinator({ address: server.address, token: 'wrong' })).rejects.toMatchObject({ code: 'LS5002' });
  });

  it('reports an unreachable address within the connect timeout, naming it', async () => {
    // A listener that accepts and never answers, and a port where nothing listens.
    const silent: Server = createServer(() => undefined);
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const port = (silent.address() as { port: number }).port;
    try {
      await expect(connectCoordinator({ address: `127.0.0.1:${port}`, token: TOKEN, connectTimeoutMs: 300 })).rejects.toMatchObject({
        code: 'LS5001',
        message: `coordinator at 127.0.0.1:${port} unreachable: no answer within 300ms`,
      });
    } finally {
      silent.close();
    }
    await expect(connectCoordinator({ address: `127.0.0.1:${port}`, token: TOKEN, connectTimeoutMs: 300 })).rejects.toMatchObject({
      code: 'LS5001',
      message: expect.stringContaining('connection refused'),
    });
  });

  it('is usable from bash with /dev/tcp', async () => {
    const script = `exec 3<>/dev/tcp/127.0.0.1/${server.port}
echo "AUTH ${TOKEN} name=bash" >&3; read -r auth <&3
echo "SEM fromshell 2" >&3; read -r post <&3
echo "SEM fromshell -1 timeout=2s" >&3; read -r take <&3
echo "BARRIER solo 1" >&3; read -r bar <&3
echo "$auth|$post|$take|$bar"`;
    const { stdout } = await promisify(execFile)('bash', ['-c', script]);
    expect(stdout.trim()).toMatch(/^OK [0-9a-f]+\|OK 2\|OK 1\|OK 1$/);
  });

  it('answers requests sent together with AUTH, before its answer, in order', async () => {
    // One printf of every line at once, as a shell script would write it: nothing is refused
    // because AUTH had not finished.
    const script = `exec 3<>/dev/tcp/127.0.0.1/${server.port}
printf 'AUTH ${TOKEN}\\nSEM together 3\\nSEM together -1\\nINFO sem together\\n' >&3
read -r a <&3; read -r b <&3; read -r c <&3; read -r d <&3
echo "$a|$b|$c|$d"`;
    const { stdout } = await promisify(execFile)('bash', ['-c', script]);
    expect(stdout.trim()).toMatch(/^OK [0-9a-f]+\|OK 3\|OK 2\|OK value=2 waiting=0$/);
  });

  it('delivers PUB to SUB connections as MSG lines', async () => {
    const sub = await raw();
    sub.send(`AUTH ${TOKEN}`);
    await sub.next();
    sub.send('SUB news');
    expect(await sub.next()).toBe('OK');
    const pub = await raw();
    pub.send(`AUTH ${TOKEN}`);
    const id = (await pub.next()).slice(3);
    pub.send('PUB news deploy finished on web1');
    expect(await pub.next()).toBe('OK');
    expect(await sub.next()).toBe(`MSG news ${id} deploy finished on web1`);
  });
});
