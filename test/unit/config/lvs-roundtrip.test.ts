// Property tests: any schema-valid LVS section (virtual_server_group, virtual_server with real
// servers and checkers, SSL) written as keepalived.conf reads back as the same model, with no
// reading problem; and the resolver never throws on what the parser produces.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Type } from '@sinclair/typebox';
import { emitKeepalived } from '../../../src/config/keepalived/emit.js';
import { parseKeepalivedText } from '../../../src/config/keepalived/parse.js';
import { emptyModel, type ConfigModel } from '../../../src/config/model/index.js';
import { VirtualServer, VirtualServerGroup } from '../../../src/config/model/lvs.js';
import { SslConfig } from '../../../src/config/model/check.js';
import { resolveLvs } from '../../../src/config/resolve-lvs.js';
import { arbitraryOf } from '../../util/schema-arb.js';
import { memFs } from './memfs.js';

const runs = Number(process.env.LVSD_PROPERTY_RUNS ?? 200);
// Codes that mean the text was not read back as written (semantic findings are expected on random models).
const READING = /^(unknown-keyword|extra-arguments|missing-argument|invalid-|out-of-range|duplicate-keyword|unexpected-|missing-block|missing-brace|extra-brace|unterminated-quote|undefined-definition)/;

type Lvs = Pick<ConfigModel, 'virtual_server_groups' | 'virtual_servers'> & { ssl?: SslConfig };
const sections = fc.record(
  {
    virtual_server_groups: arbitraryOf(Type.Array(VirtualServerGroup, { maxItems: 2 })),
    virtual_servers: arbitraryOf(Type.Array(VirtualServer, { maxItems: 2 })),
    ssl: arbitraryOf(SslConfig),
  },
  { requiredKeys: ['virtual_server_groups', 'virtual_servers'] },
) as fc.Arbitrary<Lvs>;

/**
 * model/common.ts Command allows a group without a user; keepalived.conf can only write
 * `cmd [user [group]]`, so such a group cannot be represented. Drop it before comparing.
 */
function representable<T>(v: T): T {
  return JSON.parse(JSON.stringify(v), (_k, x: unknown) => {
    if (x && typeof x === 'object' && 'command' in x && !('user' in x) && 'group' in x) {
      const { group: _g, ...rest } = x as Record<string, unknown>;
      return rest;
    }
    return x;
  }) as T;
}

function lvsOf(m: ConfigModel): Lvs {
  const ssl = (m as ConfigModel & { ssl?: SslConfig }).ssl;
  const out: Lvs = { virtual_server_groups: m.virtual_server_groups, virtual_servers: m.virtual_servers };
  if (ssl) out.ssl = ssl;
  return JSON.parse(JSON.stringify(out)) as Lvs;
}

test('LVS sections -> keepalived.conf -> model loses nothing', () => {
  fc.assert(
    fc.property(sections, (s) => {
      const want = representable(s);
      const model = { ...emptyModel(), ...want } as ConfigModel;
      const text = emitKeepalived(model);
      const back = parseKeepalivedText(text, '/rt.conf', memFs({}), { configId: 'x' });
      const reading = back.diagnostics.filter((d) => READING.test(d.code)).map((d) => `${d.loc?.line}:${d.loc?.col} ${d.code}: ${d.message}`);
      assert.deepEqual(reading, [], text);
      assert.deepEqual(lvsOf(back.model), JSON.parse(JSON.stringify(want)), text);
      // The resolver copes with whatever a valid model holds.
      const r = resolveLvs(back.model);
      assert.ok(r.virtual_servers.length <= back.model.virtual_servers.length);
    }),
    { numRuns: runs },
  );
});

test('the generator is not vacuous: it produces every virtual_server form, checkers of every type and tunnels', () => {
  const sample = fc.sample(sections, { numRuns: 300, seed: 7 });
  const vss = sample.flatMap((s) => s.virtual_servers);
  const forms = new Set(vss.map((v) => ('fwmark' in v ? 'fwmark' : 'group' in v ? 'group' : 'address')));
  assert.deepEqual([...forms].sort(), ['address', 'fwmark', 'group']);
  const types = new Set(vss.flatMap((v) => v.real_servers.flatMap((r) => r.checkers.map((c) => c.type))));
  assert.equal(types.size, 10, [...types].join(','));
  const tunnels = new Set(vss.flatMap((v) => (v.lvs_method?.method === 'TUN' ? [v.lvs_method.type ?? 'ipip'] : [])));
  assert.deepEqual([...tunnels].sort(), ['gre', 'gue', 'ipip']);
  assert.ok(sample.some((s) => s.virtual_server_groups.some((g) => g.addresses.some((a) => a.last !== undefined))));
});
