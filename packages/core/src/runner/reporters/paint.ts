import { createColors } from 'colorette';
import type { Status } from '../events.js';

/** Colouring used by the text reporters; every function is the identity without colour. */
export interface Paint {
  status(status: Status | 'interrupted', text: string): string;
  dim(text: string): string;
  bold(text: string): string;
  warn(text: string): string;
}

/**
 * Makes the colouring functions of the text reporters.
 *
 * @param color whether to emit ANSI colours
 * @returns the painter
 */
export function createPaint(color: boolean): Paint {
  const c = createColors({ useColor: color });
  return {
    status(status, text) {
      switch (status) {
        case 'ok':
          return c.green(text);
        case 'failed':
          return c.red(text);
        case 'ignored':
        case 'interrupted':
          return c.yellow(text);
        default:
          return c.gray(text);
      }
    },
    dim: c.dim,
    bold: c.bold,
    warn: c.yellow,
  };
}
