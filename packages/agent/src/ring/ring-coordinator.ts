import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { ErrorCodes, LockstepError, parseDuration } from '@lockstep/core';
import { requestAgent } from '../control/control-client.js';
import type { ControlServer } from '../control/control-server.js';
import { latencyStats, scaleStats } from './latency-stats.js';
import type { RingRunReport, TourReport } from './ring-report.js';
import { MAX_UDP_PAYLOAD } from './ring-member.js';
import type { RingMember } from './ring-member.js';

/** A ring's configuration (stillepost's `configure`; its defaults: 256 bytes, count 1, forward-immediately off). */
export interface RingConfig {
  /** Control addresses of the members, in ring order; the first is the origin. */
  members: string[];
  /** One tour per size: a sweep. */
  msgBytes: number[];
  count: number;
  forwardImmediately: boolean;
  memberTimeoutMs: number;
  /** Bound on each control request to a member. */
  timeoutMs: number;
}

interface Resolved {
  control: string;
  endpoint: string;
  name: string;
}

function numbers(value: unknown): number[] {
  const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : value === undefined ? [256] : [value];
  const sizes = list.map((v) => Number(v));
  if (sizes.length === 0 || sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new TypeError(`msgBytes must be positive integers, received ${JSON.stringify(value)}`);
  return sizes;
}

/**
 * Normalizes a ring configuration request.
 * @param raw params of `ring.configure` / `ring.run`
 * @returns the complete configuration
 * @throws {TypeError} naming the option; {@link LockstepError} `RING_MESSAGE_SIZE` for a size over one datagram
 */
export function normalizeRingConfig(raw: Record<string, unknown>): RingConfig {
  const members = Array.isArray(raw.members) ? raw.members.map(String) : typeof raw.members === 'string' ? raw.members.split(',').filter(Boolean) : [];
  if (members.length === 0) throw new TypeError('members must list at least one control address (tcp:HOST:PORT or unix:PATH)');
  const msgBytes = numbers(raw.msgBytes);
  for (const size of msgBytes) if (size > MAX_UDP_PAYLOAD) throw new LockstepError(ErrorCodes.RING_MESSAGE_SIZE, `msg-bytes ${size} does not fit one UDP datagram (at most ${MAX_UDP_PAYLOAD})`);
  const count = raw.count === undefined ? 1 : Number(raw.count);
  if (!Number.isInteger(count) || count < 1) throw new TypeError(`count must be an integer ≥ 1, received ${JSON.stringify(raw.count)}`);
  return {
    members,
    msgBytes,
    count,
    forwardImmediately: raw.forwardImmediately === true,
    memberTimeoutMs: parseDuration((raw.memberTimeout as string | number | undefined) ?? '2s'),
    timeoutMs: parseDuration((raw.timeout as string | number | undefined) ?? '10s'),
  };
}

/**
 * The agent as a ring coordinator (stillepost's coordinator mode): keeps the configuration,
 * prepares each member over its control socket, starts tours on the origin and asks every
 * member what it saw, so lost messages and dead members are named instead of waited for.
 */
export class RingCoordinator {
  readonly #member: RingMember;
  #config: RingConfig | undefined;
  /** The params the configuration was built from: a later run's flags are laid over them. */
  #raw: Record<string, unknown> = {};
  #resolved: Resolved[] = [];
  #busy: Promise<unknown> = Promise.resolve();

  /** @param member this agent's own ring member: echoes go out of its socket */
  constructor(member: RingMember) {
    this.#member = member;
  }

  /** Registers `ring.configure`, `ring.run`, `ring.echo`, `ring.ping`. */
  register(server: ControlServer): void {
    server.handle('ring.configure', (params) => this.#serial(() => this.#configure(params)));
    server.handle('ring.run', (params, emit) => this.#serial(() => this.#run(params, emit)));
    server.handle('ring.echo', (params) => this.#serial(() => this.#echo(params)));
    server.handle('ring.ping', (params) => this.#serial(() => this.#ping(params)));
  }

  /** One client at a time drives the ring, as with stillepost's coordinator. */
  #serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#busy.then(work);
    this.#busy = run.catch(() => undefined);
    return run;
  }

  async #configure(params: Record<string, unknown>): Promise<{ members: Resolved[]; config: RingConfig }> {
    const config = normalizeRingConfig(params);
    const resolved: Resolved[] = [];
    for (const control of config.members) {
      const info = await requestAgent<{ endpoint: string; name: string }>(control, 'ring.info', {}, { connectTimeoutMs: config.timeoutMs });
      resolved.push({ control, endpoint: info.endpoint, name: info.name });
    }
    this.#config = config;
    this.#raw = params;
    this.#resolved = resolved;
    return { members: resolved, config };
  }

  /** `run`, `echo` and `ping` take configure's flags too: given any, configure first. */
  async #reconfigure(params: Record<string, unknown>): Promise<void> {
    const keys = ['members', 'msgBytes', 'count', 'forwardImmediately', 'memberTimeout', 'timeout'];
    const given = Object.fromEntries(Object.entries(params).filter(([k, v]) => keys.includes(k) && v !== undefined));
    if (Object.keys(given).length > 0) await this.#configure({ ...this.#raw, ...given });
  }

  #require(): RingConfig {
    if (!this.#config) throw new LockstepError(ErrorCodes.RING_NOT_CONFIGURED, 'the ring is not configured on this agent: run `lockstep ring configure --members …` first');
    return this.#config;
  }

  async #run(params: Record<string, unknown>, emit: (event: unknown) => void): Promise<RingRunReport> {
    await this.#reconfigure(params);
    const config = this.#require();
    const tours: TourReport[] = [];
    for (const msgBytes of config.msgBytes) {
      const tour = await this.#tour(config, msgBytes);
      tours.push(tour);
      emit({ kind: 'tour', tour });
    }
    return { members: config.members, tours, incomplete: tours.some((t) => t.lost > 0 || t.problems.length > 0) };
  }

  async #tour(config: RingConfig, msgBytes: number): Promise<TourReport> {
    const id = randomBytes(4).toString('hex');
    const hops = this.#resolved.length;
    const report: TourReport = { msgBytes, count: config.count, hops, delivered: 0, lost: config.count, totalMs: 0, problems: [], members: [] };
    const ask = <T>(control: string, method: string, p: Record<string, unknown>) => requestAgent<T>(control, method, p, { connectTimeoutMs: config.timeoutMs });
    const unreachable: string[] = [];
    for (const [i, member] of this.#resolved.entries()) {
      const next = this.#resolved[(i + 1) % hops]!;
      try {
        await ask(member.control, 'ring.prepare', { tour: id, next: next.endpoint, origin: i === 0, count: config.count, msgBytes, forwardImmediately: config.forwardImmediately, memberTimeoutMs: config.memberTimeoutMs, hops });
      } catch (error) {
        if ((error as { code?: string }).code === ErrorCodes.RING_MESSAGE_SIZE) throw error;
        unreachable.push(member.control);
        report.problems.push(`${member.control} (${member.name}) did not answer: ${(error as Error).message}`);
      }
    }
    if (unreachable.length === 0) {
      try {
        const result = await ask<{ times: Array<number | null>; totalMs: number }>(this.#resolved[0]!.control, 'ring.start', { tour: id });
        const delivered = result.times.filter((t): t is number => t !== null);
        report.delivered = delivered.length;
        report.lost = config.count - delivered.length;
        report.totalMs = result.totalMs;
        report.tour = latencyStats(delivered);
        report.perHop = report.tour && scaleStats(report.tour, hops);
      } catch (error) {
        report.problems.push(`origin ${this.#resolved[0]!.control} (${this.#resolved[0]!.name}) did not finish the tour: ${(error as Error).message}`);
      }
    }
    // Ask everyone what they saw: a member that does not answer is named, and so is the hop
    // where messages went missing.
    let previous = config.count;
    for (const member of this.#resolved) {
      if (unreachable.includes(member.control)) {
        report.members.push({ control: member.control, error: 'did not answer' });
        continue;
      }
      try {
        const stats = await ask<{ received: number; forwarded: number }>(member.control, 'ring.stats', { tour: id });
        report.members.push({ control: member.control, ...stats });
        if (member !== this.#resolved[0] && stats.received < previous) report.problems.push(`${previous - stats.received} lost on the way to ${member.control} (${member.name})`);
        if (member !== this.#resolved[0]) previous = stats.forwarded;
      } catch (error) {
        report.members.push({ control: member.control, error: (error as Error).message });
        report.problems.push(`${member.control} (${member.name}) did not answer after the tour: ${(error as Error).message}`);
        previous = 0;
      }
    }
    if (previous > report.delivered && report.lost > 0 && !report.problems.some((p) => p.includes('did not answer'))) {
      report.problems.push(`${previous - report.delivered} lost on the way back to the origin ${this.#resolved[0]!.control}`);
    }
    return report;
  }

  async #echo(params: Record<string, unknown>): Promise<Array<{ control: string; name?: string; endpoint?: string; rttMs: Array<number | null>; error?: string }>> {
    await this.#reconfigure(params);
    const config = this.#require();
    const count = params.echoCount === undefined ? 3 : Number(params.echoCount);
    const results = [];
    for (const member of this.#resolved) {
      const rttMs = await this.#member.echo(member.endpoint, count, config.memberTimeoutMs);
      results.push({ control: member.control, name: member.name, endpoint: member.endpoint, rttMs, error: rttMs.every((r) => r === null) ? 'no echo reply' : undefined });
    }
    return results;
  }

  async #ping(params: Record<string, unknown>): Promise<Array<{ control: string; host: string; exitCode: number; output: string }>> {
    await this.#reconfigure(params);
    this.#require();
    const results = [];
    for (const member of this.#resolved) {
      const host = member.endpoint.slice(0, member.endpoint.lastIndexOf(':'));
      const outcome = await new Promise<{ exitCode: number; output: string }>((resolve) => {
        execFile('ping', ['-c', String(params.pingCount ?? 5), '-i', '0.2', '-W', '1', host], { timeout: 30_000 }, (error, stdout, stderr) => {
          const code = error && typeof (error as NodeJS.ErrnoException).code === 'string' ? 127 : ((error as { code?: number } | null)?.code ?? 0);
          const missing = (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';
          resolve({ exitCode: missing ? 127 : code, output: missing ? 'ping is not installed on the coordinator (Debian: apt-get install iputils-ping)' : `${stdout}${stderr}` });
        });
      });
      results.push({ control: member.control, host, ...outcome });
    }
    return results;
  }
}
