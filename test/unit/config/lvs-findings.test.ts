// Property and fixture tests: the findings-only pass of the LVS resolver (lvsFindings, used by
// check-config) reports exactly what resolveLvs reports while building the resolved copy: same
// codes, messages, order and model locations, on random models and on every fixture.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { Type } from '@sinclair/typebox';
import { emitKeepalived } from '../../../src/config/keepalived/emit.js';
import { nodeFileSystem } from '../../../src/config/keepalived/fs.js';
import { parseKeepalivedFile, parseKeepalivedText } from '../../../src/config/keepalived/parse.js';
import { emptyModel, type ConfigModel } from '../../../src/config/model/index.js';
import { VirtualServer, VirtualServerGroup } from '../../../src/config/model/lvs.js';
import { lvsFindings, resolveLvs, type LvsFinding } from '../../../src/config/resolve-lvs.js';
import { loadConfig } from '../../../src/config/load.js';
import { arbitraryOf } from '../../util/schema-arb.js';
import { repoRoot } from '../../util/env.js';
import { memFs } from './memfs.js';

const runs = Number(process.env.LVSD_PROPERTY_RUNS ?? 200);

const sections = fc.record({
  virtual_server_groups: arbitraryOf(Type.Array(VirtualServerGroup, { maxItems: 3 })),
  virtual_servers: arbitraryOf(Type.Array(VirtualServer, { maxItems: 3 })),
  // Define the track files FILE_CHECKs name (or not: then keepalived refuses those checkers).
  trackFilesDefined: fc.boolean(),
  smtp: fc.constantFrom(undefined, true, false),
});

function modelOf(s: typeof sections extends fc.Arbitrary<infer T> ? T : never): ConfigModel {
  const m = emptyModel();
  m.virtual_server_groups = s.virtual_server_groups as ConfigModel['virtual_server_groups'];
  m.virtual_servers = s.virtual_servers as ConfigModel['virtual_servers'];
  if (s.trackFilesDefined) {
    const names = new Set(m.virtual_servers.flatMap((vs) => vs.real_servers.flatMap((rs) => rs.checkers.flatMap((c) => (c.type === 'FILE_CHECK' && c.track_file ? [c.track_file] : [])))));
    m.vrrp_track_files = [...names].map((name) => ({ name, file: '/tmp/track' }));
  }
  if (s.smtp !== undefined) m.global_defs = { smtp_alert: s.smtp } as ConfigModel['global_defs'];
  return m;
}

/** Findings with their model object named by position, so two runs compare by content and place. */
function located(m: ConfigModel, fs: readonly LvsFinding[]): unknown[] {
  const where = new Map<object, string>();
  const walk = (v: unknown, path: string): void => {
    if (!v || typeof v !== 'object' || where.has(v)) return;
    where.set(v, path);
    for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`);
  };
  walk(m, 'm');
  return fs.map((f) => [f.severity, f.code, f.message, where.get(f.obj) ?? '?', f.field]);
}

test('lvsFindings equals resolveLvs(...).findings on random models, read back from keepalived.conf or not', () => {
  let nonEmpty = 0;
  fc.assert(
    fc.property(sections, (s) => {
      const direct = modelOf(s);
      const want = located(direct, resolveLvs(direct).findings);
      assert.deepEqual(located(direct, lvsFindings(direct)), want);
      if (want.length) nonEmpty++;
      const parsed = parseKeepalivedText(emitKeepalived(direct), '/f.conf', memFs({}), { configId: 'x' }).model;
      assert.deepEqual(located(parsed, lvsFindings(parsed)), located(parsed, resolveLvs(parsed).findings));
    }),
    { numRuns: runs },
  );
  // The property is not vacuous: most random models have something keepalived would fix.
  assert.ok(nonEmpty > runs / 4, `only ${nonEmpty} of ${runs} models had findings`);
});

/** Every keepalived.conf fixture and seed (their .txt notes left out). */
function fixtureFiles(): string[] {
  const root = repoRoot();
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const f of readdirSync(dir)) {
      const p = join(dir, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (!f.endsWith('.txt')) files.push(p);
    }
  };
  walk(join(root, 'test', 'fixtures', 'keepalived-seeds'));
  walk(join(root, 'test', 'fixtures', 'config'));
  return files;
}

test('lvsFindings equals resolveLvs(...).findings on every fixture and seed', () => {
  const files = fixtureFiles();
  let total = 0;
  for (const f of files) {
    const m = parseKeepalivedFile(f, nodeFileSystem, { configId: 'lvsd-test' }).model;
    const want = located(m, resolveLvs(m).findings);
    total += want.length;
    assert.deepEqual(located(m, lvsFindings(m)), want, f);
  }
  assert.ok(files.length >= 30 && total >= 10, `${files.length} files, ${total} findings`);
});

test('a parse that keeps the resolved LVS half (lvsd run) says the same and hands over what resolveLvs builds', () => {
  const files = fixtureFiles();
  let withServers = 0;
  for (const f of files) {
    const plain = parseKeepalivedFile(f, nodeFileSystem, { configId: 'lvsd-test' });
    const kept = parseKeepalivedFile(f, nodeFileSystem, { configId: 'lvsd-test', keepResolved: true });
    assert.equal(plain.lvs, undefined, f);
    assert.deepEqual(kept.diagnostics, plain.diagnostics, f);
    assert.ok(kept.lvs, f);
    assert.deepEqual(kept.lvs, resolveLvs(kept.model), f);
    if (kept.lvs.virtual_servers.length) withServers++;
  }
  assert.ok(withServers >= 10, `${withServers} files with virtual servers`);
});

test('loadConfig keeps the resolved LVS half of a YAML file when asked (keepalived.conf: the test above)', () => {
  const root = repoRoot();
  for (const f of ['configs/lvs-dr-pair/director1.yaml', 'configs/dual-master/director-a.yaml']) {
    const kept = loadConfig(join(root, f), { configId: 'x', keepResolved: true });
    assert.equal(kept.format, 'yaml');
    assert.ok(kept.lvs && kept.lvs.virtual_servers.length > 0, f);
    assert.deepEqual(kept.lvs, resolveLvs(kept.model), f);
    assert.equal(loadConfig(join(root, f), { configId: 'x' }).lvs, undefined);
  }
});
