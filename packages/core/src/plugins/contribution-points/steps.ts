import * as t from 'typanion';
import type { StepContribution } from '../api.js';
import { registerContributionPoint } from './registry.js';

/** Step types are what users type as keys in a playbook: lowercase words joined by dashes. */
const STEP_TYPE = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

const isStepContribution = t.isObject({
  type: t.cascade(t.isString(), t.matchesRegExp(STEP_TYPE)),
  description: t.isString(),
  // The JSON Schema itself is checked when it is converted to a validator (at activation and
  // when a playbook is validated); here it only has to be an object.
  schema: t.isOptional(t.isRecord(t.isUnknown())),
});

/**
 * `contributes.steps`: step types a plugin handles. Each implies the `onStep:<type>` activation
 * event, so the plugin's code is imported only when a playbook uses one of its steps.
 */
export const stepsContributionPoint = registerContributionPoint<StepContribution>({
  name: 'steps',
  entry: isStepContribution as unknown as t.StrictValidator<unknown, StepContribution>,
  activationEvents: (entry) => [`onStep:${entry.type}`],
});

