import type { LeaseId } from './backend.js';
import type { Cancellable } from './pending-wait.js';

/** What a recipe needs to know about the session a request comes from. */
export interface SessionInfo {
  /** Unique session id; part of every key the session owns. */
  readonly id: string;
  /** A name for people: the node name in a run, `host:port` of a TCP client. */
  readonly name: string;
  /** The lease every key of the session is attached to. */
  readonly lease: LeaseId;
  /** A request id unique within the session, for waiter keys. */
  nextRequestId(): string;
  /** Registers a wait so the session cancels it when it ends; returns false if it already ended. */
  track(wait: Cancellable): boolean;
}
