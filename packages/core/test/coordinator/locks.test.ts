import { describe, expect, it } from 'vitest';
import { settle, track, useCoordinators } from './session-helpers.js';

// Lock cases the shared suite (coordinator-suite.ts, on memory and etcd) does not cover: exclusive
// order and fences, name[N], tries, timed waits and a session's end are tested there.
const { setup } = useCoordinators();

describe('locks', () => {
  it('lets shared holders in together and keeps an exclusive request waiting for them', async () => {
    const s = await setup(4);
    const r1 = await s[0]!.lock('cfg', { mode: 'shared' });
    const r2 = await s[1]!.lock('cfg', { mode: 'shared' });
    const writer = track(s[2]!.lock('cfg'));
    const lateReader = track(s[3]!.lock('cfg', { mode: 'shared' }));
    await settle();
    // A reader that came after a waiting writer waits too: writers are not starved.
    expect([writer.done(), lateReader.done()]).toEqual([false, false]);
    await r1.release();
    await r2.release();
    const w = await writer.promise;
    expect(w.mode).toBe('exclusive');
    await w.release();
    expect((await lateReader.promise).mode).toBe('shared');
  });

  it('refuses a capacity that disagrees with the holders’', async () => {
    const s = await setup(2);
    await s[0]!.lock('cap', { capacity: 2 });
    await expect(s[1]!.lock('cap', { capacity: 3 })).rejects.toMatchObject({ code: 'LS5008' });
  });

  it('withdraws a wait when its signal aborts', async () => {
    const s = await setup(2);
    await s[0]!.lock('a');
    const controller = new AbortController();
    const waiting = s[1]!.lock('a', { signal: controller.signal });
    controller.abort(new Error('step cancelled'));
    await expect(waiting).rejects.toThrow('step cancelled');
  });
});
