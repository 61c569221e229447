import { describe, expect, it } from 'vitest';
import { outcome, settle, useCoordinators } from './session-helpers.js';

// Barrier cases the shared suite (coordinator-suite.ts, on memory and etcd) does not cover: the
// release of all participants, reuse of a name and 1000 participants are tested there.
const { coordinator, setup } = useCoordinators();

describe('barriers', () => {
  it('refuses an arrival whose count disagrees, and releases nobody wrongly', async () => {
    const s = await setup(4, 'server');
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
    const s = await setup(3, 'server');
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
    const s = await setup(2, 'server');
    const patient = outcome(s[0]!.barrier('slow', 3));
    await settle();
    expect(await outcome(s[1]!.barrier('slow', 3, { timeoutMs: 30 }))).toMatch(/^LS5003 barrier "slow" \(count 3\): timed out/);
    expect(await patient).toMatch(/^LS5004 .*server2 .*left before it fired/);
  });

  it('notices a participant whose lease ended behind its coordinator’s back (another process over the same store)', async () => {
    const c = coordinator();
    const [a, b, d] = await Promise.all(['node-a', 'node-b', 'node-c'].map((name) => c.openSession({ name })));
    const waiting = outcome(a!.barrier('remote', 3));
    void b!.barrier('remote', 3).catch(() => undefined);
    await settle();
    // As when the process serving b died and etcd expired its lease: only the keys vanish.
    await c.backend.revokeLease(b!.lease);
    expect(await waiting).toMatch(/^LS5004 barrier "remote" generation 1 is broken: node-b \(session [0-9a-f]+\) left before it fired/);
    expect(await d!.barrier('remote', 1)).toEqual({ generation: 2 });
  });
});
