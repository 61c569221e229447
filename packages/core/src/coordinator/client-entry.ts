/**
 * The light entry `@lockstep/core/coordinator-client`: just what `lockstep sem`, `barrier` and
 * `lock` need to talk to a coordinator. It loads no YAML, SSH or process libraries, so a
 * cold `lockstep sem NAME 0` costs little more than starting node (docs/architecture.md).
 * Everything here is also exported from `@lockstep/core`.
 */
export { connectCoordinator, TcpCoordinatorClient, parseAddress } from './tcp-client.js';
export type { ConnectCoordinatorOptions } from './tcp-client.js';
export type { DiscoveryEndpoint } from './discovery.js';
export { CoordinatorError } from './coordinator-error.js';
export { capacityOf } from './names.js';
export { ErrorCodes } from '../errors/codes.js';
export { isLockstepError } from '../errors/lockstep-error.js';
export { parseDuration, formatDuration } from '../util/parse-duration.js';
export type { CoordinatorClient, LockHold, WaitOptions, ChannelMessage } from './client.js';
export { resolveCoordinator } from './resolve-coordinator.js';
export type { ResolveCoordinatorOptions } from './resolve-coordinator.js';
