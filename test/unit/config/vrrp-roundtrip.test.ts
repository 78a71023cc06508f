import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { GlobalDefs } from '../../../src/config/model/global.js';
import { StaticConfig, SyncGroup, TrackFile, VrrpInstance, VrrpScript } from '../../../src/config/model/vrrp.js';
import { emptyModel, type ConfigModel } from '../../../src/config/model/index.js';
import { emitKeepalived } from '../../../src/config/keepalived/emit.js';
import { parseKeepalivedText } from '../../../src/config/keepalived/parse.js';
import { normalize } from '../../../src/config/schema-walk.js';
import { registerFormats } from '../../../src/config/formats.js';
import { parseYamlConfig, toYaml } from '../../../src/config/yaml.js';
import type { Diagnostic } from '../../../src/config/diagnostics.js';
import { arbitraryOf } from '../../util/schema-arb.js';
import { memFs } from './memfs.js';
import { satisfyDependencies } from './vrrp-arb.js';

type Any = Record<string, unknown>;

// The VRRP and global_defs part of the model only: other sections have their own tests.
const Part = Type.Object(
  {
    global_defs: Type.Optional(GlobalDefs),
    static: Type.Optional(StaticConfig),
    vrrp_scripts: Type.Array(VrrpScript),
    vrrp_track_files: Type.Array(TrackFile),
    vrrp_sync_groups: Type.Array(SyncGroup),
    vrrp_instances: Type.Array(VrrpInstance),
  },
  { additionalProperties: false },
);

const READING = /^(unknown-keyword|unknown-option|extra-arguments|missing-argument|invalid-|out-of-range|duplicate-keyword|duplicate-option|unexpected-|missing-block|missing-brace|extra-brace|unterminated-quote|family-mismatch|weight-clamped|value-truncated)/;
const reading = (d: readonly Diagnostic[]) => d.filter((x) => READING.test(x.code)).map((x) => `${x.loc?.line}:${x.loc?.col} ${x.code}: ${x.message}`);

const parts = arbitraryOf(Part).map((v) => satisfyDependencies(Part, v) as Partial<ConfigModel>);
const runs = Number(process.env.LVSD_PROPERTY_RUNS ?? 300);
const pick = (m: ConfigModel) => normalize(Part, { global_defs: m.global_defs, static: m.static, vrrp_scripts: m.vrrp_scripts, vrrp_track_files: m.vrrp_track_files, vrrp_sync_groups: m.vrrp_sync_groups, vrrp_instances: m.vrrp_instances });

test('random global_defs / VRRP models: model -> keepalived.conf -> model loses nothing', () => {
  fc.assert(
    fc.property(parts, (p) => {
      const m = { ...emptyModel(), ...p } as ConfigModel;
      const text = emitKeepalived(m);
      const back = parseKeepalivedText(text, '/rt.conf', memFs({}));
      assert.deepEqual(reading(back.diagnostics), [], text);
      assert.deepEqual(JSON.parse(JSON.stringify(pick(back.model))), JSON.parse(JSON.stringify(pick(m))), text);
    }),
    { numRuns: runs },
  );
});

test('random global_defs / VRRP models: model -> YAML -> model loses nothing', () => {
  fc.assert(
    fc.property(parts, (p) => {
      const m = { ...emptyModel(), ...p } as ConfigModel;
      const text = toYaml(m);
      const back = parseYamlConfig(text, 'rt.yaml');
      assert.deepEqual(back.diagnostics.filter((d) => /^(yaml|invalid-value|unknown-keyword)/.test(d.code)), [], text);
      assert.deepEqual(JSON.parse(JSON.stringify(pick(back.model))), JSON.parse(JSON.stringify(pick(m))), text);
    }),
    { numRuns: Math.min(runs, 200) },
  );
});

test('every generated model is valid against the published schema (the generator and the schema agree)', () => {
  registerFormats();
  for (const p of fc.sample(parts, { numRuns: 100, seed: 7 })) {
    const errs = [...Value.Errors(Part, p)].map((e) => `${e.path}: ${e.message}`);
    assert.deepEqual(errs, []);
  }
});

test('the generator covers the VRRP sections (the property is not vacuous)', () => {
  const sample = fc.sample(parts, { numRuns: 300, seed: 42 });
  const inst = sample.flatMap((p) => p.vrrp_instances ?? []);
  assert.ok(inst.length > 100, `only ${inst.length} instances generated`);
  for (const k of ['virtual_ipaddress', 'virtual_routes', 'virtual_rules', 'track_script', 'unicast_peer', 'authentication', 'notify_master']) {
    assert.ok(inst.some((v) => (v as Any)[k] !== undefined), `no instance with ${k}`);
  }
  assert.ok(sample.some((p) => p.global_defs?.lvs_sync_daemon !== undefined), 'no lvs_sync_daemon');
  assert.ok(sample.some((p) => p.static?.static_routes?.length), 'no static_routes');
});
