import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { loadConfig } from '../../../src/config/load.js';
import { capabilityNotes, featuresUsed, FEATURES, type Feature, type FeatureKey } from '../../../src/config/capabilities.js';
import { repoRoot } from '../../util/env.js';

const seed = (n: string) => join(repoRoot(), 'test', 'fixtures', 'keepalived-seeds', n);

test('featuresUsed finds what a configuration uses', () => {
  const cfg = loadConfig(seed('sync-group-full.conf'), { configId: 'x' });
  const keys = [...featuresUsed(cfg.model).keys()].sort();
  assert.deepEqual(keys, ['notify', 'smtp', 'sync_group', 'track_interface', 'track_script', 'virtual_routes', 'vrrp']);
  const lvs = loadConfig(seed('lvs-dr-backup-sorry.conf'), { configId: 'x' });
  assert.ok(featuresUsed(lvs.model).has('ipvs'));
  assert.ok(featuresUsed(lvs.model).has('checkers'));
});

test('capabilityNotes notes each unsupported feature once, at its first use, as info', () => {
  const cfg = loadConfig(seed('lvs-dr-backup-sorry.conf'), { configId: 'x' });
  const none = Object.fromEntries(Object.entries(FEATURES).map(([k, f]) => [k, { ...f, runs: false }])) as Record<FeatureKey, Feature>;
  const notes = capabilityNotes(cfg.model, cfg.locs, none);
  assert.ok(notes.every((n) => n.severity === 'info' && n.code === 'not-run-yet'));
  const vrrp = notes.find((n) => n.message.includes('vrrp_instance'));
  assert.equal(vrrp?.loc?.line, 16);
  const ipvs = notes.find((n) => n.message.includes('(programming IPVS)'));
  assert.equal(ipvs?.loc?.line, 31);
  // This build: the features FEATURES marks as not running, and only those.
  const now = capabilityNotes(cfg.model, cfg.locs).map((n) => n.message);
  const expected = (['smtp', 'vrrp_with_ipvs'] as const).filter((k) => !FEATURES[k].runs).map((k) => `read but not run by this build of lvsd: ${FEATURES[k].what}`);
  assert.deepEqual(now, expected);
  assert.ok(FEATURES.vrrp_with_ipvs.runs, 'VRRP and IPVS run together in `lvsd run`');
  // A build that runs everything notes nothing.
  const all = Object.fromEntries(Object.entries(FEATURES).map(([k, f]) => [k, { ...f, runs: true }])) as Record<FeatureKey, Feature>;
  assert.deepEqual(capabilityNotes(cfg.model, cfg.locs, all), []);
});

test('authentication AH runs: an AH configuration gets no "not run" note (it did before AH was implemented)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-ah-'));
  const file = join(dir, 'ah.conf');
  writeFileSync(file, 'vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 5\n  priority 100\n  authentication {\n    auth_type AH\n    auth_pass secret\n  }\n  virtual_ipaddress {\n    10.9.9.9/24\n  }\n}\n');
  const cfg = loadConfig(file, { configId: 'x' });
  assert.ok(featuresUsed(cfg.model).has('auth_ah'));
  assert.equal(FEATURES.auth_ah.runs, true);
  assert.deepEqual(capabilityNotes(cfg.model, cfg.locs), []);
  rmSync(dir, { recursive: true });
});

test('use_vmac / use_ipvlan run: check-config notes nothing for them', () => {
  const cfg = loadConfig(seed('sync-group-full.conf'), { configId: 'x' });
  const v = cfg.model.vrrp_instances[0] as Record<string, unknown>;
  v.use_vmac = {};
  assert.ok(featuresUsed(cfg.model).has('vmac'));
  assert.equal(FEATURES.vmac.runs, true);
  assert.deepEqual(capabilityNotes(cfg.model, cfg.locs).filter((n) => n.message.includes('use_vmac')), []);
  const none = Object.fromEntries(Object.entries(FEATURES).map(([k, f]) => [k, { ...f, runs: false }])) as Record<FeatureKey, Feature>;
  assert.ok(capabilityNotes(cfg.model, cfg.locs, none).some((n) => n.message.includes('use_vmac')));
});
