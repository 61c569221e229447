import { Command, Option } from 'clipanion';
import type { LockstepContext } from '../../context.js';
import * as t from 'typanion';

/*
 * The options `ring configure`, `run`, `echo` and `ping` share (stillepost's `configure`
 * flags), declared once so names, validators and help agree.
 */

/** `--members`: control addresses of the ring members, in ring order. */
export const membersOption = () => Option.String('--members', { description: 'control addresses of the ring members, comma-separated, in ring order (the first is the origin)' });
/** `--msg-bytes`: message size; a comma list is a sweep. */
export const msgBytesOption = () => Option.String('--msg-bytes', { description: 'message size in bytes on the wire; a comma list is a sweep (default 256)', validator: t.cascade(t.isString(), [t.matchesRegExp(/^\d+(,\d+)*$/)]) });
/** `--count`: messages per tour. */
export const countOption = () => Option.String('--count', { description: 'messages per tour (default 1)', validator: t.cascade(t.isNumber(), [t.isInteger(), t.isAtLeast(1)]) });
/** `--forward-immediately`. */
export const forwardOption = () => Option.Boolean('--forward-immediately', { description: 'members forward each message at once instead of waiting for all of them' });
/** `--member-timeout`. */
export const memberTimeoutOption = () => Option.String('--member-timeout', { description: 'how long to wait for a message before counting it lost (default 2s)' });
/** `--timeout`. */
export const timeoutOption = () => Option.String('--timeout', { description: 'bound on each control request to a member (default 10s)' });
/** `-c`: the coordinating agent. */
export const coordinatorOption = () => Option.String('--control,-c', { description: 'control socket of the coordinating agent (else $LOCKSTEP_AGENT, else the default socket)' });

/** The shared ring options as a command holds them. */
export interface RingFlags {
  members?: string;
  msgBytes?: string;
  count?: number;
  forwardImmediately?: boolean;
  memberTimeout?: string;
  timeout?: string;
}

/** Turns the shared ring options into `ring.*` request params (only what was given). */
export function ringParams(o: RingFlags): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  if (o.members !== undefined) params.members = o.members.split(',').map((m) => m.trim()).filter(Boolean);
  if (o.msgBytes !== undefined) params.msgBytes = o.msgBytes.split(',').map(Number);
  if (o.count !== undefined) params.count = o.count;
  if (o.forwardImmediately !== undefined) params.forwardImmediately = o.forwardImmediately;
  if (o.memberTimeout !== undefined) params.memberTimeout = o.memberTimeout;
  if (o.timeout !== undefined) params.timeout = o.timeout;
  return params;
}

/**
 * The flags `lockstep ring configure` and `lockstep ring run` share (run configures first with
 * them), declared once. clipanion lists a base class's options before the command's own.
 */
export abstract class RingFlagsCommand extends Command<LockstepContext> {
  control = coordinatorOption();
  members = membersOption();
  msgBytes = msgBytesOption();
  count = countOption();
  forwardImmediately = forwardOption();
  memberTimeout = memberTimeoutOption();
  timeout = timeoutOption();

  /** The flags as the agent's `ring.configure` / `ring.run` parameters. */
  protected params(): Record<string, unknown> {
    return ringParams(this);
  }
}
