import { posix } from 'node:path';
import { TarUploadCodes, TarUploadError } from './errors.js';

/**
 * Checks an archive entry before it is sent: its name must be relative and stay inside the
 * target (no `..` component), and a symbolic link must be relative and point inside the upload.
 * The node checks again after extraction (see the receiver script), so a hand-made archive is
 * refused there too.
 *
 * @param name the entry's path in the archive
 * @param linkTarget the target of a symbolic link entry
 * @throws {TarUploadError} `ENTRY_UNSAFE` naming the entry and the reason
 */
export function assertSafeEntry(name: string, linkTarget?: string): void {
  const refuse = (why: string): never => {
    throw new TarUploadError(TarUploadCodes.ENTRY_UNSAFE, `refusing to upload ${JSON.stringify(name)}: ${why}`);
  };
  if (name === '' || name.includes('\0')) refuse('empty name or NUL byte');
  if (posix.isAbsolute(name)) refuse('absolute path');
  if (name.split('/').includes('..')) refuse("path contains '..'");
  if (linkTarget === undefined) return;
  if (posix.isAbsolute(linkTarget)) refuse(`symbolic link to an absolute path (${linkTarget}) points out of the upload`);
  const resolved = posix.normalize(posix.join(posix.dirname(name), linkTarget));
  if (resolved === '..' || resolved.startsWith('../')) refuse(`symbolic link to ${linkTarget} points out of the upload`);
}
