// Importing the points registers them; the host imports this module so every point exists
// before the first manifest is read. Listed explicitly, not globbed, so bundlers keep them.
export { stepsContributionPoint } from './steps.js';
export { commandsContributionPoint } from './commands.js';
export { getContributionPoint, contributionPointNames, registerContributionPoint } from './registry.js';
export type { ContributionPoint } from './registry.js';

import { stepsContributionPoint } from './steps.js';
import { commandsContributionPoint } from './commands.js';

/** Every built-in point, referenced so that a bundler honouring `sideEffects: false` keeps them. */
export const builtinContributionPoints = [stepsContributionPoint, commandsContributionPoint] as const;
