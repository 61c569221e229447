// What the agent uses from @lockstep/core, taken from core's own modules so the bundle does not
// pull in the rest of core (ssh2, execa, listr2 and their native add-ons).
export { LockstepError, isLockstepError } from '../../core/dist/errors/lockstep-error.js';
export { ErrorCodes } from '../../core/dist/errors/codes.js';
export { EventEmitter } from '../../core/dist/event.js';
export { parseDuration, formatDuration } from '../../core/dist/util/parse-duration.js';
