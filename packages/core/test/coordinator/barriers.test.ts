import { afterEach, describe, expect, it } from 'vitest';
import { Coordinator } from '../../src/coordinator/coordinator.js';
import type { CoordinatorSession } from '../../src/coordinator/coordinator-session.js';

const coordinators: Coordinator[] = [];
afterEach(async () => {
  for (const c of coordinators.splice(0)) await c.dispose();
});
async function setup(sessions: number): Promise<CoordinatorSession[]> {
  const coordinator = new Coordinator();
  coordinators.push(coordinator);
  return Promise.all(Array.from({ length: sessions }, (_, i) => coordinator.openSession({ name: `server${i + 1}` })));
}
const settle = () => new Promise((r) => setTimeout(r, 20));
function outcome(promise: Promise<{ generation: number }>): Promise<string> {
  return promise.then(
    (r) => `ok ${r.generation}`,
    (e: { code?: string; message: string }) => `${e.code} ${e.message}`,
  );
}

describe('barriers', () => {
  it('releases all participants together when the last arrives, and not before', async () => {
    const s = await setup(3);
    let released = 0;
    const first = s.slice(0, 2).map((x) => x.barrier('BR001', 3).then((r) => (released++, r)));
    await settle();
    expect(released).toBe(0);
    const last = await s[2]!.barrier('BR001', 3);
    expect(await Promise.all(first)).toEqual([{ generation: 1 }, { generation: 1 }]);
    expect(last).toEqual({ generation: 1 });
  });

  it('reuses a name: the next arrivals open the next generation', async () => {
    const s = await setup(2);
    for (const generation of [1, 2, 3]) {
      const results = await Promise.all(s.map((x) => x.barrier('again', 2)));
      expect(results).toEqual([{ generation }, { generation }]);
    }
  });

  it('refuses an arrival whose count disagrees, and releases nobody wrongly', async () => {
    const s = await setup(4);
    const a = outcome(s[0]!.barrier('mix', 3));
    await settle();
    expect(await outcome(s[1]!.barrier('mix', 2))).toMatch(/^LS5004 .*expects 2 participants, but generation 1 expects 3 \(1 arrived\); nobody was released/);
    const b = outcome(s[2]!.barrier('mix', 3));
    await settle();
    let done = false;
    void a.then(() => (done = true));
    await settle();
    expect(done).toBe(false);
    await s[3]!.barrier('mix', 3);
    expect([await a, await b]).toEqual(['ok 1', 'ok 1']);
  });

  it('tells the others, naming who left, when a participant’s session ends before the barrier fires', async () => {
    const s = await setup(3);
    const waiting = s.slice(0, 2).map((x) => outcome(x.barrier('fragile', 3)));
    await settle();
    await s[1]!.end(new Error('connection closed'));
    expect(await waiting[0]).toMatch(/^LS5004 barrier "fragile" generation 1 is broken: server2 \(session [0-9a-f]+\) left before it fired/);
    expect(await waiting[1]).toBe('undefined connection closed');
    // The broken generation is over: the name starts afresh.
    const next = await Promise.all([s[0]!.barrier('fragile', 2), s[2]!.barrier('fragile', 2)]);
    expect(next).toEqual([{ generation: 2 }, { generation: 2 }]);
  });

  it('breaks the generation for the others when one participant times out', async () => {
    const s = await setup(2);
    const patient = outcome(s[0]!.barrier('slow', 3));
    await settle();
    expect(await outcome(s[1]!.barrier('slow', 3, { timeoutMs: 30 }))).toMatch(/^LS5003 barrier "slow" \(count 3\): timed out/);
    expect(await patient).toMatch(/^LS5004 .*server2 .*left before it fired/);
  });

  it('notices a participant whose lease ended behind its coordinator’s back (another process over the same store)', async () => {
    const coordinator = new Coordinator();
    coordinators.push(coordinator);
    const [a, b, c] = await Promise.all(['node-a', 'node-b', 'node-c'].map((name) => coordinator.openSession({ name })));
    const waiting = outcome(a!.barrier('remote', 3));
    void b!.barrier('remote', 3).catch(() => undefined);
    await settle();
    // As when the process serving b died and etcd expired its lease: only the keys vanish.
    await coordinator.backend.revokeLease(b!.lease);
    expect(await waiting).toMatch(/^LS5004 barrier "remote" generation 1 is broken: node-b \(session [0-9a-f]+\) left before it fired/);
    expect(await c!.barrier('remote', 1)).toEqual({ generation: 2 });
  });

  it('releases 1000 participants', async () => {
    const s = await setup(1000);
    const all = await Promise.all(s.map((x) => x.barrier('big', 1000)));
    expect(new Set(all.map((r) => r.generation))).toEqual(new Set([1]));
  });
});
