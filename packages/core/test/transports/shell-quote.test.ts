import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { buildRemoteScript, shellQuote } from '../../src/transports/shell-quote.js';

describe('shellQuote', () => {
  it('round-trips awkward text through a real shell', () => {
    const nasty = `it's "quoted" $HOME \`id\` \\ ; rm -rf / \n new line`;
    expect(execFileSync('sh', ['-c', `printf %s ${shellQuote(nasty)}`], { encoding: 'utf8' })).toBe(nasty);
  });
});

describe('buildRemoteScript', () => {
  it('exports env and changes directory before the command', () => {
    const script = buildRemoteScript('echo "$A $B"; pwd', { env: { A: "x'y", B: 'z' }, cwd: '/tmp' });
    expect(execFileSync('sh', ['-c', script], { encoding: 'utf8' })).toBe("x'y z\n/tmp\n");
  });

  it('does not run the command when the directory is missing', () => {
    const script = buildRemoteScript('echo ran', { cwd: '/no/such/dir' });
    expect(() => execFileSync('sh', ['-c', script], { encoding: 'utf8', stdio: 'pipe' })).toThrow();
  });

  it('refuses variable names that would inject code', () => {
    expect(() => buildRemoteScript('true', { env: { 'A;rm -rf /': 'x' } })).toThrow(TypeError);
  });
});
