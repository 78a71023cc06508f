// OS edge: where the lvsd package is installed, found from this module's own location, so paths to
// native addons and package files are right both in the per-file build and in the bundled CLI.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** The folder holding lvsd's package.json. */
export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'lvsd') return (cached = dir);
      } catch {
        /* not ours: keep walking */
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`lvsd: cannot find the lvsd package above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}
