import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emitKeepalived } from '../../../src/config/keepalived/emit.js';
import { nodeFileSystem } from '../../../src/config/keepalived/fs.js';
import { parseKeepalivedFile } from '../../../src/config/keepalived/parse.js';
import { emptyModel, type ConfigModel } from '../../../src/config/model/index.js';
import { isRoot, repoRoot, which } from '../../util/env.js';

// The writer's output must be keepalived.conf that keepalived 2.2.7 itself reads without grammar
// complaints. `keepalived -t` only reads the configuration (config-test mode changes nothing).
const keepalived = which('keepalived');
const skip = !keepalived ? 'keepalived is not installed (apt-get install keepalived)' : !isRoot() ? 'keepalived -t needs root' : undefined;

function configTest(text: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-cfgv-'));
  try {
    const f = join(dir, 'k.conf');
    writeFileSync(f, text);
    const r = spawnSync(keepalived as string, ['-t', '-f', f, '--log-console', '-p', join(dir, 'k.pid'), '-r', join(dir, 'v.pid'), '-c', join(dir, 'c.pid')], { encoding: 'utf8', timeout: 20000 });
    return `${r.stdout}${r.stderr}`.split('\n').filter((l) => l.trim());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
/** keepalived's message without its "(file: Line N) " prefix. */
const bare = (l: string) => l.replace(/^\((?:[^:)]*: )?Line \d+\) /, '');

const vrrpOnly = (m: ConfigModel): ConfigModel => {
  const out = { ...emptyModel(), vrrp_scripts: m.vrrp_scripts, vrrp_track_files: m.vrrp_track_files, vrrp_sync_groups: m.vrrp_sync_groups, vrrp_instances: m.vrrp_instances } as ConfigModel;
  if (m.global_defs) out.global_defs = m.global_defs;
  if (m.static) out.static = m.static;
  return out;
};

test('keepalived 2.2.7 reads the rewritten all-keywords fixture with the same verdicts as the original', { skip }, () => {
  const dir = join(repoRoot(), 'test', 'fixtures', 'config', 'vrrp');
  const r = parseKeepalivedFile(join(dir, 'all-keywords.conf'), nodeFileSystem, { configId: 'x' });
  const text = emitKeepalived(vrrpOnly(r.model));
  const got = configTest(text).map(bare).sort();
  const want = readFileSync(join(dir, 'all-keywords.keepalived-2.2.7.txt'), 'utf8').split('\n').filter((l) => l.trim()).map(bare).sort();
  assert.deepEqual(got, want, text);
});

