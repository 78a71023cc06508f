import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Kind, Type, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { GlobalDefs } from '../../../src/config/model/global.js';
import { StaticConfig, SyncGroup, TrackFile, VrrpInstance, VrrpScript } from '../../../src/config/model/vrrp.js';
import { emptyModel, type ConfigModel } from '../../../src/config/model/index.js';
import { emitKeepalived } from '../../../src/config/keepalived/emit.js';
import { parseKeepalivedText } from '../../../src/config/keepalived/parse.js';
import { normalize, unionMember } from '../../../src/config/schema-walk.js';
import { registerFormats } from '../../../src/config/formats.js';
import type { Diagnostic } from '../../../src/config/diagnostics.js';
import { arbitraryOf } from '../../util/schema-arb.js';
import { memFs } from './memfs.js';

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

type Any = Record<string, unknown>;

/** JSON Schema `dependentRequired` (e.g. reverse needs weight, group needs user): drop what a generator made without its dependency. */
export function satisfyDependencies(schema: TSchema, value: unknown): unknown {
  if (schema.anyOf) {
    const m = unionMember(schema, value);
    return m ? satisfyDependencies(m, value) : value;
  }
  if (schema[Kind] === 'Array' && Array.isArray(value)) {
    const items = (schema as unknown as { items: TSchema }).items;
    const fixed = value.map((v) => satisfyDependencies(items, v));
    // `minProperties` on items: a rule line cannot be empty.
    return fixed.filter((v) => {
      const m = items.anyOf ? unionMember(items, v) : items;
      const min = (m as { minProperties?: number } | undefined)?.minProperties;
      return min === undefined || !v || typeof v !== 'object' || Object.keys(v).length >= min;
    });
  }
  if (schema[Kind] === 'Object' && value && typeof value === 'object') {
    const props = (schema as unknown as { properties: Record<string, TSchema> }).properties;
    const out: Any = {};
    for (const [k, v] of Object.entries(value as Any)) out[k] = props[k] ? satisfyDependencies(props[k], v) : v;
    // common.ts Command has no dependentRequired yet (requested): `SCRIPT [user [group]]` cannot carry a group alone.
    const commandLike = props.command && props.user && props.group ? { group: ['user'] } : {};
    const deps = (schema as unknown as { dependentRequired?: Record<string, string[]> }).dependentRequired ?? commandLike;
    for (const [k, need] of Object.entries(deps)) if (out[k] !== undefined && need.some((n: string) => out[n] === undefined)) delete out[k];
    // `minProperties`: an optional object with too few fields is dropped (keepalived.conf cannot write `static: {}`).
    for (const [k, v] of Object.entries(out)) {
      const min = (props[k] as { minProperties?: number } | undefined)?.minProperties;
      if (min !== undefined && v && typeof v === 'object' && Object.keys(v).length < min) delete out[k];
    }
    return out;
  }
  return value;
}

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
