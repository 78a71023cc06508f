// check-config warns when a VRRP master without Accept_Mode would drop the traffic a virtual_server
// on its VIP is there to forward (RFC 5798 §6.4.3 drop rules run before IPVS).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkText } from './check-run.js';

const check = checkText;

const conf = (o: { strict?: boolean; version?: 2 | 3; accept?: boolean; noAccept?: boolean; priority?: number; vip?: string; vs?: string }) =>
  [
    'global_defs {',
    o.strict ? '  vrrp_strict' : '',
    '}',
    'vrrp_instance VI_1 {',
    '  interface eth0',
    '  virtual_router_id 51',
    `  priority ${o.priority ?? 100}`,
    `  version ${o.version ?? 2}`,
    `  advert_int 1`,
    o.accept ? '  accept' : '',
    o.noAccept ? '  no_accept' : '',
    '  virtual_ipaddress {',
    `    ${o.vip ?? '192.0.2.10/24'}`,
    '  }',
    '}',
    o.vs ?? 'virtual_server 192.0.2.10 80 {\n  lvs_sched rr\n  lvs_method DR\n  protocol TCP\n  real_server 192.0.2.21 80 {\n  }\n}',
    '',
  ].join('\n');

const warnings = (out: string) => out.split('\n').filter((l) => l.includes('accept-drops-ipvs') || l.includes('receives nothing'));

test('vrrp_strict on VRRPv2: the master drops traffic to a VIP a virtual_server serves; warned at the instance', async () => {
  const r = await check(conf({ strict: true }));
  const w = warnings(r.out);
  assert.equal(w.length, 1, r.out);
  assert.match(w[0]!, /^K:4:\d+: warning: vrrp_instance VI_1: vrrp_strict with VRRPv2 \(accept cannot be set\): as master it drops traffic to 192\.0\.2\.10 .*virtual_server \[192\.0\.2\.10\]:tcp:80 .*use VRRP version 3 with `accept`/);
  assert.equal(r.code, 1, r.out);
});

test('no_accept without strict mode is warned too; `accept` (v3, strict) or priority 255 (owner) is not', async () => {
  const na = await check(conf({ noAccept: true, version: 3 }));
  assert.equal(warnings(na.out).length, 1, na.out);
  assert.match(warnings(na.out)[0]!, /`no_accept`: .*add `accept` to the instance/);
  for (const o of [{ strict: true, version: 3 as const, accept: true }, { strict: true, priority: 255 }, {}]) {
    const r = await check(conf(o));
    assert.deepEqual(warnings(r.out), [], `${JSON.stringify(o)}\n${r.out}`);
  }
});

test('a VIP inside a virtual_server_group range is found; a VIP no service uses and fwmark services are not', async () => {
  const group = 'virtual_server_group G {\n  192.0.2.5-20 443\n}\nvirtual_server group G {\n  lvs_sched rr\n  lvs_method DR\n  protocol TCP\n  real_server 192.0.2.21 443 {\n  }\n}';
  const g = await check(conf({ strict: true, vs: group }));
  assert.equal(warnings(g.out).length, 1, g.out);
  assert.match(warnings(g.out)[0]!, /virtual_server group G on that address/);
  const other = await check(conf({ strict: true, vip: '192.0.2.99/24' }));
  assert.deepEqual(warnings(other.out), [], other.out);
  const fwm = await check(conf({ strict: true, vs: 'virtual_server fwmark 7 {\n  lvs_sched rr\n  lvs_method DR\n  real_server 192.0.2.21 80 {\n  }\n}' }));
  assert.deepEqual(warnings(fwm.out), [], fwm.out);
});
