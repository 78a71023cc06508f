// Test support: makes the probes addon (native/lvsd_probes.c) available to the tests: the
// built one when present, else compiled with cc into a temporary folder removed at exit.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probesAddonPath } from '../../../src/check/native.js';
import { repoRoot, which } from '../../util/env.js';

/** Path of a usable addon, or undefined (no build and no C compiler). Call before any probe. */
export function ensureProbesAddon(): string | undefined {
  if (existsSync(probesAddonPath())) return probesAddonPath();
  if (!which('cc')) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-probes-addon-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, 'probes.node');
  execFileSync('cc', ['-O2', '-shared', '-fPIC', '-I/usr/include/node', '-o', out, join(repoRoot(), 'native/lvsd_probes.c')]);
  process.env.LVSD_PROBES_ADDON = out;
  return out;
}
