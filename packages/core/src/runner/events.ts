/** Where a step runs: the phase, the node and the step's index and label. */
export interface StepRef {
  phase: string;
  node: string;
  /** 0-based index of the step in its phase. */
  index: number;
  /** The step's `name`, or `<type>` when it has none. */
  label: string;
  type: string;
}

/** A status of a node or step at its end. */
export type Status = 'ok' | 'failed' | 'skipped' | 'ignored' | 'cancelled';

/**
 * Everything a run reports, in order. The interactive, plain, JSON-lines and JUnit outputs are
 * all built from these events, so they never disagree.
 */
export type RunEvent =
  | { type: 'run:start'; time: number; runId: string; playbook: string; name: string; nodes: string[]; phases: string[]; dryRun: boolean }
  | { type: 'phase:start'; time: number; phase: string; index: number; nodes: string[] }
  | { type: 'node:start'; time: number; phase: string; node: string }
  | { type: 'step:start'; time: number; step: StepRef; attempt: number }
  | { type: 'step:output'; time: number; step: StepRef; stream: 'stdout' | 'stderr'; line: string }
  | { type: 'step:log'; time: number; step: StepRef; level: 'debug' | 'info' | 'warn' | 'error'; message: string }
  | { type: 'step:progress'; time: number; step: StepRef; message: string; fraction?: number }
  | { type: 'step:plan'; time: number; step: StepRef; description: string }
  | { type: 'step:end'; time: number; step: StepRef; status: Status; durationMs: number; summary?: string; error?: { code: string; message: string } }
  | { type: 'node:end'; time: number; phase: string; node: string; status: Status; error?: { code: string; message: string } }
  | { type: 'phase:end'; time: number; phase: string; status: Status; failedNodes: string[] }
  | { type: 'warning'; time: number; message: string; node?: string }
  | { type: 'run:end'; time: number; status: 'ok' | 'failed' | 'interrupted'; durationMs: number; summary: RunSummary };

/** Per-node tallies at the end of a run. */
export interface RunSummary {
  nodes: Array<{ node: string; ok: number; failed: number; skipped: number; ignored: number; status: Status; error?: string }>;
}

/** Receives a run's events and renders them somewhere. */
export interface Reporter {
  handle(event: RunEvent): void;
  /** Flushes output (e.g. writes the JUnit file). Called once after `run:end`. */
  finish(): Promise<void>;
}
