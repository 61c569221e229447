import { EventEmitter } from '@lockstep/core';
import type { Event } from '@lockstep/core';

/** A live member as this agent sees it. */
export interface Member {
  /** Random id the agent picked at start (a restarted agent is a new member). */
  id: string;
  name: string;
  /** Interface address the member announces from. */
  address: string;
  /** Its control address, if it serves one over TCP (unix sockets are not reachable). */
  control?: string;
  /** Its ring socket, `HOST:PORT`. */
  ring?: string;
  /** When its last announcement arrived (ms, monotonic clock of this agent). */
  lastSeen: number;
}

/** What an announcement carries. */
export interface Announcement {
  id: string;
  name: string;
  address: string;
  control?: string;
  ring?: string;
  leaving?: boolean;
}

/**
 * The live-member list (makuosan's "available server list"): members are added when they
 * announce and dropped after `timeoutMs` of silence or when they say they are leaving, so a push
 * never waits on a dead node.
 */
export class MemberList {
  readonly #members = new Map<string, Member>();
  readonly #timeoutMs: number;
  readonly #now: () => number;
  readonly #onDidJoin = new EventEmitter<Member>();
  readonly #onDidLeave = new EventEmitter<{ member: Member; reason: string }>();
  /** Fires when a member is first heard from. */
  readonly onDidJoin: Event<Member> = this.#onDidJoin.event;
  /** Fires when a member leaves or falls silent. */
  readonly onDidLeave: Event<{ member: Member; reason: string }> = this.#onDidLeave.event;

  /**
   * @param timeoutMs silence after which a member drops out
   * @param now clock (tests pass a fake one)
   */
  constructor(timeoutMs: number, now: () => number = () => performance.now()) {
    this.#timeoutMs = timeoutMs;
    this.#now = now;
  }

  /**
   * Records an announcement.
   * @param announcement what the member said
   * @returns true when the member is new
   */
  heard(announcement: Announcement): boolean {
    const known = this.#members.get(announcement.id);
    if (announcement.leaving) {
      if (known) this.#drop(known, 'left the group');
      return false;
    }
    if (!known) {
      // A restarted agent comes back with a new id under its old name and address.
      for (const old of [...this.#members.values()]) {
        if (old.name === announcement.name && old.address === announcement.address) this.#drop(old, 'restarted');
      }
    }
    const member: Member = {
      id: announcement.id,
      name: announcement.name,
      address: announcement.address,
      control: announcement.control,
      ring: announcement.ring,
      lastSeen: this.#now(),
    };
    this.#members.set(member.id, member);
    if (!known) this.#onDidJoin.fire(member);
    return !known;
  }

  /**
   * Notes that a member was heard from (any sealed message it sent proves it alive: under a
   * flood of data its announcements may be the datagrams a full socket buffer drops).
   * @param id the member's id
   */
  touch(id: string): void {
    const member = this.#members.get(id);
    if (member) member.lastSeen = this.#now();
  }

  /** Drops members silent for longer than the timeout. */
  expire(): void {
    const now = this.#now();
    for (const member of [...this.#members.values()]) {
      if (now - member.lastSeen > this.#timeoutMs) this.#drop(member, `silent for ${Math.round((now - member.lastSeen) / 1000)}s`);
    }
  }

  /** Live members, by name. */
  list(): Member[] {
    return [...this.#members.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** A live member by id. */
  get(id: string): Member | undefined {
    return this.#members.get(id);
  }

  /** True while the member is live. */
  has(id: string): boolean {
    return this.#members.has(id);
  }

  #drop(member: Member, reason: string): void {
    this.#members.delete(member.id);
    this.#onDidLeave.fire({ member, reason });
  }

  /** Stops the events. */
  dispose(): void {
    this.#onDidJoin.dispose();
    this.#onDidLeave.dispose();
  }
}
