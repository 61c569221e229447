import type { StrictValidator } from 'typanion';

/**
 * A key of `package.json#lockstep.contributes`, after VS Code's extension points: the schema of
 * one entry, and the activation events an entry implies. Each point is registered exactly once,
 * in its own file beside this one.
 */
export interface ContributionPoint<T> {
  /** The key under `contributes`, e.g. `steps`. */
  readonly name: string;
  /** Validates one entry of the point's array. Its errors name the field that is wrong. */
  readonly entry: StrictValidator<unknown, T>;
  /** Activation events implied by an entry, e.g. `onStep:barrier`. */
  activationEvents(entry: T): string[];
}

const points = new Map<string, ContributionPoint<unknown>>();

/**
 * Registers a contribution point. Called once per point, at the top of its module.
 *
 * @param point the point's name, entry schema and activation events
 * @returns the same point, for the module to export
 * @throws {Error} when a point of that name is already registered (a programming error)
 */
export function registerContributionPoint<T>(point: ContributionPoint<T>): ContributionPoint<T> {
  if (points.has(point.name)) throw new Error(`contribution point "${point.name}" is registered twice`);
  points.set(point.name, point as ContributionPoint<unknown>);
  return point;
}

/**
 * Looks up a registered contribution point.
 *
 * @param name the key under `contributes`
 * @returns the point, or undefined when no point has that name
 */
export function getContributionPoint(name: string): ContributionPoint<unknown> | undefined {
  return points.get(name);
}

/**
 * Names of every registered contribution point, for "unknown point" messages.
 *
 * @returns the names in registration order
 */
export function contributionPointNames(): string[] {
  return [...points.keys()];
}
