import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { STDERR_TAIL_BYTES } from '../../errors/step-error.js';
import type { Reporter, RunEvent, Status } from '../events.js';

interface TestCase {
  node: string;
  label: string;
  status: Status | 'running';
  durationMs: number;
  summary?: string;
  error?: { code: string; message: string };
  stdout: string[];
  stderr: string[];
}

interface Suite {
  name: string;
  start: number;
  end?: number;
  cases: Map<string, TestCase>;
}

/** How many output lines a test case keeps of each stream; the rest stays in the live output. */
const TAIL_LINES = 50;

/**
 * Writes a JUnit XML report when the run finishes, for CI test views: one `<testsuite>` per
 * phase, one `<testcase>` per node and step (`classname` the node, `name` the step). A failed
 * step has a `<failure>` with the error code and message and the tail of its stderr; a skipped
 * or cancelled step is `<skipped/>`; an ignored failure passes with the error in
 * `<system-err>`. Combine it with a terminal reporter through {@link combineReporters}.
 *
 * @param file the XML file to write (parent directories are created)
 * @returns a reporter whose `finish()` writes the file
 * @example combineReporters(await createReporter('plain', stdout), createJunitReporter('reports/junit.xml'))
 */
export function createJunitReporter(file: string): Reporter {
  const suites = new Map<string, Suite>();
  let runName = 'lockstep';
  let written = false;
  const caseOf = (phase: string, node: string, index: number, label: string, time: number): TestCase => {
    let suite = suites.get(phase);
    if (!suite) {
      suite = { name: phase, start: time, cases: new Map() };
      suites.set(phase, suite);
    }
    const key = `${node}\0${index}`;
    let test = suite.cases.get(key);
    if (!test) {
      test = { node, label, status: 'running', durationMs: 0, stdout: [], stderr: [] };
      suite.cases.set(key, test);
    }
    return test;
  };
  return {
    handle(event: RunEvent) {
      switch (event.type) {
        case 'run:start':
          runName = event.name;
          break;
        case 'phase:start':
          if (!suites.has(event.phase)) suites.set(event.phase, { name: event.phase, start: event.time, cases: new Map() });
          break;
        case 'phase:end': {
          const suite = suites.get(event.phase);
          if (suite) suite.end = event.time;
          break;
        }
        case 'step:start': {
          const test = caseOf(event.step.phase, event.step.node, event.step.index, event.step.label, event.time);
          // A retry starts over: the report shows the attempt that counted.
          test.stdout = [];
          test.stderr = [];
          break;
        }
        case 'step:output': {
          const lines = caseOf(event.step.phase, event.step.node, event.step.index, event.step.label, event.time)[event.stream];
          lines.push(event.line);
          if (lines.length > TAIL_LINES) lines.shift();
          break;
        }
        case 'step:end': {
          const test = caseOf(event.step.phase, event.step.node, event.step.index, event.step.label, event.time);
          test.status = event.status;
          test.durationMs = event.durationMs;
          test.summary = event.summary;
          test.error = event.error;
          break;
        }
        default:
          break;
      }
    },
    async finish() {
      if (written) return;
      written = true;
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, renderJunit(runName, [...suites.values()]));
    },
  };
}

function renderJunit(runName: string, suites: Suite[]): string {
  const all = suites.flatMap((s) => [...s.cases.values()]);
  const count = (cases: TestCase[], pred: (c: TestCase) => boolean) => cases.filter(pred).length;
  const isFailure = (c: TestCase) => c.status === 'failed';
  const isSkipped = (c: TestCase) => c.status === 'skipped' || c.status === 'cancelled' || c.status === 'running';
  const seconds = (ms: number) => (ms / 1000).toFixed(3);
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const totalMs = suites.reduce((sum, s) => sum + ((s.end ?? s.start) - s.start), 0);
  out.push(
    `<testsuites name="${attr(runName)}" tests="${all.length}" failures="${count(all, isFailure)}" errors="0" skipped="${count(all, isSkipped)}" time="${seconds(totalMs)}">`,
  );
  for (const suite of suites) {
    const cases = [...suite.cases.values()];
    out.push(
      `  <testsuite name="${attr(suite.name)}" tests="${cases.length}" failures="${count(cases, isFailure)}" errors="0" skipped="${count(cases, isSkipped)}" time="${seconds((suite.end ?? suite.start) - suite.start)}" timestamp="${new Date(suite.start).toISOString()}">`,
    );
    for (const c of cases) {
      const open = `    <testcase classname="${attr(c.node)}" name="${attr(c.label)}" time="${seconds(c.durationMs)}"`;
      const body: string[] = [];
      if (isFailure(c)) {
        const message = c.error ? `${c.error.code} ${c.error.message}` : 'failed';
        body.push(`      <failure message="${attr(firstLine(message))}" type="${attr(c.error?.code ?? 'failed')}">${text(tail([message, ...c.stderr].join('\n')))}</failure>`);
      } else if (isSkipped(c)) {
        body.push(`      <skipped message="${attr(c.status === 'running' ? 'did not finish' : c.status)}"/>`);
      }
      if (c.stdout.length > 0) body.push(`      <system-out>${text(c.stdout.join('\n'))}</system-out>`);
      const err = c.status === 'ignored' && c.error ? [`ignored: ${c.error.code} ${c.error.message}`, ...c.stderr] : c.stderr;
      if (err.length > 0 && !isFailure(c)) body.push(`      <system-err>${text(err.join('\n'))}</system-err>`);
      out.push(body.length === 0 ? `${open}/>` : `${open}>\n${body.join('\n')}\n    </testcase>`);
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>', '');
  return out.join('\n');
}

function tail(value: string): string {
  return value.length <= STDERR_TAIL_BYTES ? value : `…${value.slice(-STDERR_TAIL_BYTES)}`;
}

function firstLine(value: string): string {
  const end = value.indexOf('\n');
  return end === -1 ? value : value.slice(0, end);
}

// XML 1.0 forbids most control characters even when escaped; terminal output has plenty.
// eslint-disable-next-line no-control-regex
const forbidden = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

function text(value: string): string {
  return value.replace(forbidden, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attr(value: string): string {
  return text(value).replace(/"/g, '&quot;').replace(/\n/g, '&#10;');
}
