/**
 * `@lockstep/agent`: the node agent (multicast membership, reliable multicast push, ring
 * member and coordinator) and the control client the CLI and plugins use.
 */
export { Agent } from './agent.js';
export { main } from './main.js';
export type { AgentOptions, NormalizedAgentOptions } from './options.js';
export { normalizeAgentOptions, DEFAULT_CHUNK_BYTES } from './options.js';
export { requestAgent, AgentRequestError } from './control/control-client.js';
export type { AgentRequestOptions } from './control/control-client.js';
export { ControlServer } from './control/control-server.js';
export type { ControlHandler } from './control/control-server.js';
export { MemberList } from './membership/member-list.js';
export type { Member, Announcement } from './membership/member-list.js';
export { Sealer, loadKeyFile, SEAL_OVERHEAD } from './wire/seal.js';
export { encodeMessage, decodeMessage, MessageTypes } from './wire/messages.js';
export type { MessageType, WireMessage } from './wire/messages.js';
export { parseControlAddress, formatControlAddress, defaultControlAddress, parseGroup, isLoopback, DEFAULT_GROUP } from './wire/address.js';
export type { ControlAddress, GroupAddress } from './wire/address.js';
export { missingWindows, chunksOf, NACK_WINDOW_BITS } from './push/missing-bitmap.js';
export { formatPushReport } from './push/push-report.js';
export type { PushReport, MemberOutcome } from './push/push-report.js';
export { normalizePushOptions, parseRate } from './push/push-options.js';
export type { PushOptions, NormalizedPushOptions } from './push/push-options.js';
export { PushIncompleteError } from './push/push-service.js';
export { formatRingReport } from './ring/ring-report.js';
export type { RingRunReport, TourReport } from './ring/ring-report.js';
export { latencyStats, scaleStats, formatMs } from './ring/latency-stats.js';
export type { LatencyStats } from './ring/latency-stats.js';
export { normalizeRingConfig } from './ring/ring-coordinator.js';
export type { RingConfig } from './ring/ring-coordinator.js';
export { bundlePath, localAgentScript } from './bundle-path.js';
export { resolveAgentControl } from './control/resolve-control.js';
export { requestAgentOnNode } from './control/request-on-node.js';
