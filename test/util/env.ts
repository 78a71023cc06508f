// Test support: where the repository is, and plain skips for tests that need root or tools.
import { existsSync, readFileSync, accessSync, constants } from 'node:fs';
import { dirname, join, delimiter } from 'node:path';

/** Walks up from `from` (default process.cwd()) to the package.json named "lvsd". */
export function repoRoot(from: string = process.cwd()): string {
  let dir = from;
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'lvsd') return dir;
      } catch {
        /* not ours: keep walking */
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`repoRoot: no package.json named lvsd above ${from}`);
    dir = up;
  }
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Absolute path of an executable on PATH (plus the sbin folders), or undefined. */
export function which(cmd: string): string | undefined {
  const dirs = (process.env.PATH ?? '').split(delimiter).concat(['/usr/sbin', '/sbin', '/usr/bin', '/bin']);
  for (const d of dirs) {
    if (!d) continue;
    const p = join(d, cmd);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

interface Skippable {
  skip(message?: string): void;
}

/** Why this process cannot run namespace tests, or undefined when it can. */
export function rootMissing(commands: readonly string[] = []): string | undefined {
  if (!isRoot()) return 'needs root (network namespaces); run the suite as root, as CI does';
  const missing = commands.filter((c) => which(c) === undefined);
  if (missing.length > 0) {
    return `needs ${missing.join(', ')} on PATH (scripts/install-deps.sh installs them)`;
  }
  return undefined;
}

/**
 * Skips `t` with a printed reason unless this process is root and has `commands`.
 * Returns true when the test may go on.
 */
export function requireRoot(t: Skippable, commands: readonly string[] = []): boolean {
  const why = rootMissing(commands);
  if (why === undefined) return true;
  process.stderr.write(`# skipped: ${why}\n`);
  t.skip(why);
  return false;
}

/** Whether a process is running (a zombie waiting for its reaper counts as gone). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
