/**
 * Every error code lockstep uses, with a one-line meaning. A code is never reused or renumbered;
 * each has a section in docs/errors.md (a test checks that). Plugins use their own prefix.
 *
 * Ranges: 1xxx playbook and command line, 2xxx plugins, 3xxx transports, 4xxx runner and steps,
 * 5xxx coordinator.
 */
export const ErrorCodes = {
  /** A playbook has errors (YAML syntax, schema, templates); each is listed with file:line:col. */
  PLAYBOOK_INVALID: 'LS1001',
  /** A playbook or inventory file could not be read. */
  PLAYBOOK_UNREADABLE: 'LS1002',
  /** A duration could not be parsed (expected `500ms`, `3s`, `2m`, `1h` or a bare number). */
  DURATION_INVALID: 'LS1003',
  /** A `${{ }}` template names something that has no value when rendered on a node. */
  TEMPLATE_UNRESOLVED: 'LS1004',
  /** A node pattern (`--limit`, `lockstep exec` targets) names no node or group. */
  NODE_UNKNOWN: 'LS1005',
  /** A plugin's manifest is invalid; the plugin is skipped. */
  PLUGIN_MANIFEST_INVALID: 'LS2001',
  /** A plugin needs a different version of lockstep (engine range). */
  PLUGIN_ENGINE_MISMATCH: 'LS2002',
  /** A plugin threw while activating or deactivating. */
  PLUGIN_ACTIVATION_FAILED: 'LS2003',
  /** No plugin contributes the step type or command. */
  PLUGIN_CONTRIBUTION_MISSING: 'LS2004',
  /** A plugin could not be found at a path a playbook lists. */
  PLUGIN_NOT_FOUND: 'LS2005',
  /** Could not connect to a node (refused, timed out, DNS). */
  CONNECT_FAILED: 'LS3001',
  /** SSH authentication failed. */
  AUTH_FAILED: 'LS3002',
  /** The node's host key is unknown or does not match known_hosts. */
  HOST_KEY_REJECTED: 'LS3003',
  /** The connection to a node dropped during the run. */
  CONNECTION_LOST: 'LS3004',
  /** The node's sshd refused a reverse port forward (AllowTcpForwarding). */
  FORWARD_REFUSED: 'LS3005',
  /** A step failed (non-zero exit, error in its handler). */
  STEP_FAILED: 'LS4001',
  /** A step or phase ran out of time. */
  STEP_TIMED_OUT: 'LS4002',
  /** The run was interrupted (Ctrl-C, SIGTERM). */
  RUN_INTERRUPTED: 'LS4003',
  /** Too many nodes failed (max-fail-percentage exceeded). */
  MAX_FAIL_EXCEEDED: 'LS4004',
  /** A `when` expression could not be evaluated. */
  WHEN_INVALID: 'LS4005',
  /** The coordinator could not be reached (address unreachable, connect timeout). */
  COORDINATOR_UNREACHABLE: 'LS5001',
  /** The coordinator refused the token. */
  COORDINATOR_AUTH_FAILED: 'LS5002',
  /** A coordinator wait (semaphore, barrier, lock) timed out. */
  COORDINATOR_TIMED_OUT: 'LS5003',
  /** A barrier arrival disagrees with the barrier's count, or a participant left. */
  BARRIER_BROKEN: 'LS5004',
  /** A lock is held by someone else and the caller would not wait. */
  RESOURCE_BUSY: 'LS5005',
  /** The coordinator answered with a protocol error. */
  COORDINATOR_PROTOCOL: 'LS5006',
  /** The connection to the coordinator was lost (session ended). */
  COORDINATOR_LOST: 'LS5007',
  /** A lock request's capacity (`name[N]`) disagrees with the capacity the resource's current holders use. */
  LOCK_CAPACITY_MISMATCH: 'LS5008',
  /** A coordinator client went over a limit (names per session, line length, pending requests). */
  COORDINATOR_LIMIT: 'LS5009',
  /** The coordinator backend named in the configuration is not available (unknown, or etcd not reachable). */
  COORDINATOR_BACKEND_UNAVAILABLE: 'LS5010',
  // ---- 6xxx: node agent, multicast push, ring latency ----
  /** The agent's control socket could not be reached (not running, wrong address). */
  AGENT_UNREACHABLE: 'LS6001',
  /** The agent refuses to listen beyond loopback without a shared key (`--key`). */
  AGENT_KEY_REQUIRED: 'LS6002',
  /** The key file could not be read or holds no usable key. */
  AGENT_KEY_INVALID: 'LS6003',
  /** The agent's options are invalid (group, interface, base directory, control address). */
  AGENT_OPTIONS_INVALID: 'LS6004',
  /** A push did not reach every target member; the report names each one and why. */
  PUSH_INCOMPLETE: 'LS6005',
  /** A path given to push is missing or lies outside the agent's base directory. */
  PUSH_PATH_INVALID: 'LS6006',
  /** A ring tour lost messages or a member did not answer; the report names them. */
  RING_INCOMPLETE: 'LS6007',
  /** A ring message size cannot be sent in one UDP datagram (or is below the header size). */
  RING_MESSAGE_SIZE: 'LS6008',
  /** A ring tour missed a latency expectation (`expect: {p99: 5ms}`). */
  RING_EXPECTATION_MISSED: 'LS6009',
  /** The ring has not been configured on this agent (run `lockstep ring configure`). */
  RING_NOT_CONFIGURED: 'LS6010',
  /** The agent answered a control request with an error. */
  AGENT_REQUEST_FAILED: 'LS6011',
} as const;

/** One of the codes in {@link ErrorCodes}. */
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];
