import * as t from 'typanion';
import type { CommandContribution } from '../api.js';
import { registerContributionPoint } from './registry.js';

const WORD = /^[a-z][a-z0-9-]*$/;

const isCommandContribution = t.isObject({
  path: t.cascade(t.isArray(t.cascade(t.isString(), t.matchesRegExp(WORD))), t.hasMinLength(1)),
  description: t.isString(),
});

/**
 * `contributes.commands`: CLI commands a plugin adds (`lockstep <path…>`). Each implies the
 * `onCommand:<path joined by spaces>` activation event.
 */
export const commandsContributionPoint = registerContributionPoint<CommandContribution>({
  name: 'commands',
  entry: isCommandContribution as t.StrictValidator<unknown, CommandContribution>,
  activationEvents: (entry) => [`onCommand:${entry.path.join(' ')}`],
});
