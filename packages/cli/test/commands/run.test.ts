import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../run-cli.js';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
let work: string;

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'lockstep-cli-run-'));
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

/** The fixtures' local nodes work in `.lockstep/nodes/<name>` next to the playbook: copy them to a temp dir. */
async function fixture(name: string): Promise<string> {
  const { copyFile } = await import('node:fs/promises');
  await copyFile(join(fixtures, name), join(work, name));
  return name;
}

describe('lockstep run', () => {
  it('prints plain lines when stdout is not a terminal, with output prefixed by node, and the summary', async () => {
    const { exitCode, stdout, stderr } = await runCli(['run', await fixture('local.yml')], { cwd: work });
    expect(stderr).toBe('');
    expect(exitCode).toBe(0);
    const lines = stdout.split('\n');
    expect(lines).toContain('a | hello from a');
    expect(lines).toContain('b | hello from b');
    expect(lines).toContain('a | two');
    expect(lines.some((l) => /^\[hello\] a: count ok \(/.test(l))).toBe(true);
    // `bye` runs on group `first` only.
    expect(lines).toContain('a | bye');
    expect(lines).not.toContain('b | bye');
    expect(lines).toContain('node  ok  failed  skipped  status');
    expect(lines.at(-2)).toMatch(/^run ok in /);
  });

  it('with --json prints one JSON event per line, from run:start to run:end', async () => {
    const { exitCode, stdout } = await runCli(['run', await fixture('local.yml'), '--json'], { cwd: work });
    expect(exitCode).toBe(0);
    const events = stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as { type: string; [k: string]: unknown });
    expect(events[0]).toMatchObject({ type: 'run:start', name: 'local smoke', nodes: ['a', 'b'], phases: ['hello', 'bye'] });
    expect(events.at(-1)).toMatchObject({ type: 'run:end', status: 'ok' });
    const output = events.filter((e) => e.type === 'step:output').map((e) => `${(e.step as { node: string }).node}:${e.line}`);
    expect(output).toEqual(expect.arrayContaining(['a:hello from a', 'b:hello from b', 'a:bye']));
    expect(events.filter((e) => e.type === 'step:end')).toHaveLength(5);
  });

  it('exits with 1 when a node fails, and --junit writes a failure for it', async () => {
    const { exitCode, stdout } = await runCli(['run', await fixture('failing.yml'), '--junit', 'reports/junit.xml'], { cwd: work });
    expect(exitCode).toBe(1);
    expect(stdout).toContain('b | b is broken');
    const xml = await readFile(join(work, 'reports/junit.xml'), 'utf8');
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (n) => n === 'testcase' || n === 'testsuite' }).parse(xml);
    const suite = doc.testsuites.testsuite[0];
    expect(suite.name).toBe('check');
    const cases = suite.testcase as Array<Record<string, any>>;
    expect(cases.map((c) => `${c.classname}/${c.name}`).sort()).toEqual(['a/only a passes', 'b/only a passes']);
    const failed = cases.find((c) => c.classname === 'b')!;
    expect(failed.failure.message).toMatch(/^LS4001 /);
    expect(failed.failure['#text']).toContain('b is broken');
    expect(cases.find((c) => c.classname === 'a')!.failure).toBeUndefined();
  });

  it('--limit runs on the named nodes only; --dry-run changes nothing', async () => {
    const limited = await runCli(['run', await fixture('local.yml'), '--limit', 'b', '--json'], { cwd: work });
    expect(limited.exitCode).toBe(0);
    expect(JSON.parse(limited.stdout.split('\n')[0]!)).toMatchObject({ type: 'run:start', nodes: ['b'] });
    const dry = await runCli(['run', 'local.yml', '--dry-run'], { cwd: work });
    expect(dry.exitCode).toBe(0);
    expect(dry.stdout).not.toContain('a | hello from a');
  });

  it('--vars overrides playbook vars', async () => {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(
      join(work, 'vars.yml'),
      'vars: { greeting: hi }\nnodes: { a: { connection: local } }\nphases: [{ name: p, steps: [{ run: "echo ${{ vars.greeting }}" }] }]\n',
    );
    const { exitCode, stdout } = await runCli(['run', 'vars.yml', '--vars', 'greeting=hello=world'], { cwd: work });
    expect(exitCode).toBe(0);
    expect(stdout).toContain('a | hello=world');
  });

  it('stops when the signal aborts, exiting with 130', async () => {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(work, 'slow.yml'), 'nodes: { a: { connection: local } }\nphases: [{ name: p, steps: [{ run: "echo started; sleep 30" }] }]\n');
    const controller = new AbortController();
    const running = runCli(['run', 'slow.yml', '--json'], { cwd: work, signal: controller.signal });
    // Abort once the step has started, as a user pressing Ctrl-C would.
    await new Promise<void>((resolve) => {
      const poll = setInterval(async () => {
        const { readdir } = await import('node:fs/promises');
        if ((await readdir(join(work, '.lockstep/nodes')).catch(() => [])).length > 0) {
          clearInterval(poll);
          resolve();
        }
      }, 50);
    });
    await new Promise((r) => setTimeout(r, 300));
    controller.abort(new Error('interrupted'));
    const { exitCode, stdout } = await running;
    expect(exitCode).toBe(130);
    expect(JSON.parse(stdout.trimEnd().split('\n').at(-1)!)).toMatchObject({ type: 'run:end', status: 'interrupted' });
  });
});
