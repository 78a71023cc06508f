// OS edge: writes the SIGUSR1 / SIGUSR2 / JSON dumps (/tmp/lvsd.data, /tmp/lvsd.stats, /tmp/lvsd.json)
// atomically, mode 0600, as keepalived writes /tmp/keepalived.{data,stats,json}.
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { DaemonStatus } from '../daemon/status.js';
import { dumpText, type FormatOptions } from './format.js';
import type { DumpKind } from './protocol.js';

/** The file each dump goes to, in the dump directory. */
export const DUMP_FILES: Readonly<Record<DumpKind, string>> = { data: 'lvsd.data', stats: 'lvsd.stats', json: 'lvsd.json' };

export const DEFAULT_DUMP_DIR = '/tmp';

/**
 * Writes the dumps named by `what` into `dir` (default /tmp) and returns the paths written. Each
 * file is written to a fresh temporary name (O_EXCL, mode 0600) and renamed over the target, so a
 * reader never sees half a dump, and a symlink planted at the target in a shared /tmp is replaced,
 * never followed.
 */
export async function writeDumps(
  status: DaemonStatus,
  what: DumpKind | readonly DumpKind[],
  dir: string = DEFAULT_DUMP_DIR,
  o: FormatOptions = {},
): Promise<string[]> {
  const kinds = typeof what === 'string' ? [what] : [...what];
  const written: string[] = [];
  for (const kind of kinds) {
    const target = join(dir, DUMP_FILES[kind]);
    await writeAtomic(target, dumpText(status, kind, o));
    written.push(target);
  }
  return written;
}

async function writeAtomic(target: string, text: string): Promise<void> {
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx', 0o600);
  try {
    try {
      // The mode given to open() is reduced by the umask; set it exactly.
      await fh.chmod(0o600);
      await fh.writeFile(text, 'utf8');
    } finally {
      await fh.close();
    }
    await rename(tmp, target);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
}

