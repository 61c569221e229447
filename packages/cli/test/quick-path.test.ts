import { describe, expect, it } from 'vitest';
import { quickCommand } from '../src/quick-path.js';

// Which words take the quick path. What the quick path then does is checked end to end, through
// the real bin against a real coordinator, in commands/sem.test.ts and commands/barrier.test.ts.
describe('the quick path', () => {
  it('takes the plain three-word forms of sem and barrier', () => {
    expect(quickCommand(['sem', 'SEM001', '-1'])).toBeTypeOf('function');
    expect(quickCommand(['sem', 'SEM001', '4'])).toBeTypeOf('function');
    expect(quickCommand(['sem', 'SEM001', '0'])).toBeTypeOf('function');
    expect(quickCommand(['barrier', 'BR001', '2'])).toBeTypeOf('function');
  });

  it('leaves options, help, bad numbers and other commands to the full command line', () => {
    for (const argv of [
      ['sem', 'x', '-1', '--timeout', '1s'],
      ['sem', '--help'],
      ['sem', '-h', '1'],
      ['sem', 'x', 'abc'],
      ['sem', 'x', '1.5'],
      ['sem', 'x', '99999999999999999999'],
      ['barrier', 'b', '0'],
      ['barrier', 'b', '-2'],
      ['lock', 'x', '1'],
      ['sem', 'x'],
      [],
    ]) {
      expect(quickCommand(argv), argv.join(' ')).toBeUndefined();
    }
  });
});
