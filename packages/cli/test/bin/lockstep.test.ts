import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

// The real bin, run in a throwaway package tree whose bundle/main.js and dist/main.js only say
// which of them ran, with file times set to each situation.
const bin = fileURLToPath(new URL('../../bin/lockstep.cjs', import.meta.url));
const BUNDLED_AT = new Date('2026-01-01T12:00:00Z');
const before = new Date(BUNDLED_AT.getTime() - 60_000);
const after = new Date(BUNDLED_AT.getTime() + 60_000);
let root: string;

async function file(path: string, text: string, time: Date): Promise<void> {
  const full = join(root, path);
  await mkdir(dirname(full), { recursive: true });
  await writeFile(full, text);
  await utimes(full, time, time);
}

async function touch(path: string, time: Date): Promise<void> {
  await utimes(join(root, path), time, time);
}

function whichRuns(args: string[] = []): string {
  return execFileSync(process.execPath, [join(root, 'packages/cli/bin/lockstep.cjs'), ...args], { encoding: 'utf8' }).trim();
}

/** A bundle/quick.cjs that takes `quick …` and declines everything else, as the real one does. */
const QUICK_STUB = `exports.runQuick = (argv) => argv[0] === 'quick' ? Promise.resolve(console.log('quick')) : undefined;`;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'lockstep-bin-'));
  await mkdir(join(root, 'packages/cli/bin'), { recursive: true });
  await copyFile(bin, join(root, 'packages/cli/bin/lockstep.cjs'));
  await file('packages/cli/bundle/main.js', "console.log('bundle');", BUNDLED_AT);
  await file('packages/cli/dist/main.js', "console.log('dist');", before);
  for (const pkg of ['cli', 'core', 'agent']) await file(`packages/${pkg}/tsconfig.tsbuildinfo`, '{}', before);
  await file('packages/agent/dist/bundled.js', '', before);
  await file('packages/agent/dist/not-bundled.js', '', before);
  const inputs = {
    startedAt: BUNDLED_AT.getTime() - 1000,
    packages: { '../agent/tsconfig.tsbuildinfo': ['../agent/dist/bundled.js'], 'tsconfig.tsbuildinfo': ['dist/main.js'] },
  };
  await file('packages/cli/bundle/inputs.json', JSON.stringify(inputs), BUNDLED_AT);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('the lockstep bin', () => {
  it('runs the bundle when it is newer than every tsc output it was built from', () => {
    expect(whichRuns()).toBe('bundle');
  });

  it('keeps running the bundle after a project is rebuilt alone without changing a bundled file', async () => {
    await touch('packages/agent/tsconfig.tsbuildinfo', after);
    await touch('packages/agent/dist/not-bundled.js', after);
    expect(whichRuns()).toBe('bundle');
  });

  it('runs dist/main.js once a file the bundle was built from changed', async () => {
    await touch('packages/agent/tsconfig.tsbuildinfo', after);
    await touch('packages/agent/dist/bundled.js', after);
    expect(whichRuns()).toBe('dist');
  });

  it('runs dist/main.js when a project was rebuilt and the bundle lists no inputs', async () => {
    await rm(join(root, 'packages/cli/bundle/inputs.json'));
    await touch('packages/core/tsconfig.tsbuildinfo', after);
    expect(whichRuns()).toBe('dist');
  });

  it('runs dist/main.js when the CLI itself was compiled after the bundle', async () => {
    await touch('packages/cli/dist/main.js', after);
    expect(whichRuns()).toBe('dist');
  });

  it('runs bundle/quick.cjs for the words it takes, and the ES module bundle for the others', async () => {
    await file('packages/cli/bundle/quick.cjs', QUICK_STUB, BUNDLED_AT);
    expect(whichRuns(['quick', 'x', '1'])).toBe('quick');
    expect(whichRuns(['other'])).toBe('bundle');
  });

  it('never runs bundle/quick.cjs from a bundle that is not current', async () => {
    await file('packages/cli/bundle/quick.cjs', QUICK_STUB, BUNDLED_AT);
    await touch('packages/cli/dist/main.js', after);
    expect(whichRuns(['quick', 'x', '1'])).toBe('dist');
  });

  it('runs dist/main.js when there is no bundle', async () => {
    await rm(join(root, 'packages/cli/bundle/main.js'));
    expect(whichRuns()).toBe('dist');
  });
});
