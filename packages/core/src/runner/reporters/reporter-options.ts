/** The steps a phase will run, by label, so the interactive view can list them ahead of time. */
export interface PlannedPhase {
  name: string;
  /** Step labels in order (the step's `name`, or its type). */
  steps: string[];
}

/** Options shared by the reporters {@link createReporter} builds. */
export interface ReporterOptions {
  /** Use ANSI colours. Default false (the CLI turns it on for a colour terminal without `NO_COLOR`). */
  color?: boolean;
  /** Print the per-node summary table after `run:end` (plain and interactive). Default true. */
  summary?: boolean;
  /** Interactive: how many of a running step's last output lines to show. Default 5. */
  tailLines?: number;
  /** Interactive: the playbook's phases and their steps, to show steps before they start. */
  plan?: PlannedPhase[];
}

/** {@link ReporterOptions} with every default applied. */
export interface NormalizedReporterOptions {
  color: boolean;
  summary: boolean;
  tailLines: number;
  plan: PlannedPhase[] | undefined;
}

/**
 * Applies the defaults of {@link ReporterOptions}.
 *
 * @param raw what the caller passed
 * @returns every option resolved
 * @throws {TypeError} when `tailLines` is not a positive integer
 */
export function normalizeReporterOptions(raw: ReporterOptions = {}): NormalizedReporterOptions {
  const tailLines = raw.tailLines ?? 5;
  if (!Number.isInteger(tailLines) || tailLines < 1) {
    throw new TypeError(`reporter option "tailLines" must be a positive integer, got ${String(tailLines)} (${typeof tailLines})`);
  }
  return { color: raw.color ?? false, summary: raw.summary ?? true, tailLines, plan: raw.plan };
}
