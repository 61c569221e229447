import { describe, expect, it } from 'vitest';
import { MemberList } from '../../src/membership/member-list.js';

describe('MemberList', () => {
  it('adds members as they announce and drops them after the silence timeout', () => {
    let now = 0;
    const list = new MemberList(10_000, () => now);
    const left: string[] = [];
    list.onDidLeave(({ member, reason }) => left.push(`${member.name}: ${reason}`));
    expect(list.heard({ id: '1', name: 'a', address: '10.0.0.1' })).toBe(true);
    expect(list.heard({ id: '2', name: 'b', address: '10.0.0.2' })).toBe(true);
    now = 6000;
    expect(list.heard({ id: '1', name: 'a', address: '10.0.0.1' })).toBe(false);
    now = 12_000;
    list.expire();
    expect(list.list().map((m) => m.name)).toEqual(['a']);
    expect(left).toEqual(['b: silent for 12s']);
  });

  it('drops a member that says it is leaving, and the old entry of a restarted agent', () => {
    const list = new MemberList(10_000, () => 0);
    list.heard({ id: '1', name: 'a', address: '10.0.0.1' });
    list.heard({ id: '2', name: 'b', address: '10.0.0.2' });
    list.heard({ id: '1', name: 'a', address: '10.0.0.1', leaving: true });
    list.heard({ id: '3', name: 'b', address: '10.0.0.2' });
    expect(list.list().map((m) => m.id)).toEqual(['3']);
  });
});
