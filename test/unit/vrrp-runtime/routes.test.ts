// Unit tests of virtual_routes / virtual_rules in the VRRP runtime: the mapping from keepalived.conf to
// route and rule specs (defaults, names, what is not installed and says so), and the VIP controller's
// order (VIPs, routes, rules on MASTER; rules, routes, VIPs on release), "remove exactly what was added",
// failures as vrrp.error, stale entries at start, and a reload that carries them; over in-memory fakes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { vrrpBus, type VrrpEvents } from '../../../src/events/vrrp.js';
import type { AddressManager, AddressSpec, RouteManager, RouteSpec, RuleSpec } from '../../../src/net/ports.js';
import { VipController } from '../../../src/vrrp/runtime/vips.js';
import { VrrpNode } from '../../../src/vrrp/runtime/node.js';
import { configFrom, conf, instance } from './harness.js';
import { FakeAddresses, FakeAnnouncer, FakeClock, FakeLan, FakeLinks, FakeRunner, flush } from './fakes.js';

/** One log of every kernel operation, addresses and routes alike, in the order they were made. */
type Op = string;

class FakeRoutes implements RouteManager {
  readonly routes = new Set<string>();
  readonly rules = new Set<string>();
  /** Requests that fail (by op and label), as the kernel refusing them. */
  readonly failing = new Set<string>();
  constructor(private readonly log: Op[]) {}
  private key(x: RouteSpec | RuleSpec): string {
    return 'dst' in x ? `${x.dst}/${x.dstLen}` : `rule ${x.priority}`;
  }
  private async op(kind: string, set: Set<string>, x: RouteSpec | RuleSpec, add: boolean): Promise<boolean> {
    await Promise.resolve();
    const k = this.key(x);
    this.log.push(`${kind} ${k}`);
    if (this.failing.has(`${kind} ${k}`)) throw new Error(`EPERM (${kind} ${k})`);
    const had = set.has(k);
    if (add) set.add(k);
    else set.delete(k);
    return add ? !had : had;
  }
  addRoute(r: RouteSpec): Promise<boolean> {
    return this.op('+route', this.routes, r, true);
  }
  removeRoute(r: RouteSpec): Promise<boolean> {
    return this.op('-route', this.routes, r, false);
  }
  addRule(r: RuleSpec): Promise<boolean> {
    return this.op('+rule', this.rules, r, true);
  }
  removeRule(r: RuleSpec): Promise<boolean> {
    return this.op('-rule', this.rules, r, false);
  }
}

function loggedAddresses(am: FakeAddresses, log: Op[]): AddressManager {
  return {
    add: (a) => am.add(a).then((c) => (log.push(`+vip ${a.address}`), c)),
    remove: (a) => am.remove(a).then((c) => (log.push(`-vip ${a.address}`), c)),
    list: (n) => am.list(n),
  };
}

const LINES = [
  'state MASTER',
  'interface eth0',
  'virtual_router_id 51',
  'priority 150',
  'advert_int 1',
  'virtual_ipaddress {',
  '10.0.0.100/24',
  '}',
];
const ROUTES = ['virtual_routes {', 'src 10.0.0.100 to 10.9.0.0/24 via 10.0.0.254 dev eth0 table 100', 'blackhole 10.10.0.0/16', '}'];
const RULES = ['virtual_rules {', 'from 10.0.0.100 table 100 priority 100', 'to 10.10.0.0/16 priority 101 table main', '}'];

test('from-config: virtual_routes / virtual_rules become route and rule specs with keepalived defaults', () => {
  const text = conf(
    instance('VI_1', [
      ...LINES,
      'virtual_routes {',
      '10.9.0.0/24 via 10.0.0.254 dev eth0 table 100 metric 5',
      'blackhole 10.10.0.0/16 table main',
      'src 10.0.0.100 to 10.11.0.0/24 dev eth0 scope link',
      '2001:db8:9::/48 via fe80::fe dev eth0 preference 7',
      '10.12.0.0/24 via 10.0.0.251 or 10.0.0.252 dev eth0',
      'default via 10.0.0.254 table 200 protocol static no_track',
      'unreachable 10.16.0.0/24 table local onlink',
      '}',
      'virtual_rules {',
      'from 10.0.0.0/24 table 100',
      'to 10.9.0.0/16 fwmark 0x7/0xff priority 50 table 100',
      'not from 10.1.0.0/24 iif eth0 oif eth1 table 101',
      'from all preference 60 unreachable',
      'from 2001:db8::/32 lookup 100',
      'from 10.2.0.0/16 goto 70 priority 65 no_track',
      '}',
    ]),
  );
  const { config, issues, parseErrors } = configFrom(text);
  assert.deepEqual(parseErrors, []);
  assert.deepEqual(issues.map((i) => i.code), ['not-tracked'], 'only the tracking note; nothing is left out');
  assert.doesNotMatch(JSON.stringify(issues), /not installed by this build/);
  const d = { table: 254, protocol: 18, scope: 0, type: 'unicast' };
  assert.deepEqual(config.instances[0]!.routes, [
    { ...d, family: 4, dst: '10.9.0.0', dstLen: 24, table: 100, gateway: '10.0.0.254', dev: 'eth0', metric: 5 },
    { ...d, family: 4, type: 'blackhole', dst: '10.10.0.0', dstLen: 16 },
    { ...d, family: 4, dst: '10.11.0.0', dstLen: 24, scope: 253, prefsrc: '10.0.0.100', dev: 'eth0' },
    { ...d, family: 6, dst: '2001:db8:9::', dstLen: 48, gateway: 'fe80::fe', dev: 'eth0', metric: 7 },
    // `or`: two hops, the route's dev on each, no RTA_OIF (the kernel refuses one that differs from a hop's).
    { ...d, family: 4, dst: '10.12.0.0', dstLen: 24, nexthops: [{ gateway: '10.0.0.251', dev: 'eth0' }, { gateway: '10.0.0.252', dev: 'eth0' }] },
    { ...d, family: 4, dst: '0.0.0.0', dstLen: 0, table: 200, protocol: 4, gateway: '10.0.0.254' },
    { ...d, family: 4, type: 'unreachable', dst: '10.16.0.0', dstLen: 24, table: 255, onlink: true },
  ]);
  assert.deepEqual(config.instances[0]!.rules, [
    // keepalived numbers rules without a preference from 16384 down, per family.
    { family: 4, action: 'table', priority: 16384, table: 100, from: '10.0.0.0', fromLen: 24, protocol: 18 },
    { family: 4, action: 'table', priority: 50, table: 100, to: '10.9.0.0', toLen: 16, fwmark: 7, fwmask: 255, protocol: 18 },
    { family: 4, action: 'table', priority: 16383, table: 101, not: true, from: '10.1.0.0', fromLen: 24, iif: 'eth0', oif: 'eth1', protocol: 18 },
    { family: 4, action: 'unreachable', priority: 60, protocol: 18 },
    { family: 6, action: 'table', priority: 16384, table: 100, from: '2001:db8::', fromLen: 32, protocol: 18 },
    { family: 4, action: 'goto', priority: 65, goto: 70, from: '10.2.0.0', fromLen: 16 },
  ]);
});

test('from-config: what lvsd cannot install is a warning naming the entry and the reason; the rest is installed', () => {
  const text = conf(
    instance('VI_1', [
      ...LINES,
      'virtual_routes {',
      '10.13.0.0/24 dev eth0 table custom',
      '10.14.0.0/24 encap mpls 100 dev eth0',
      '10.15.0.0/24 dev eth0 rtt 10ms rto_min 5ms mtu lock 1400',
      '10.17.0.0/24 dev eth0 protocol zebra realms 1/2 no_track',
      '10.18.0.0/24 dev eth0 realms cosmos',
      '}',
      'virtual_rules {',
      'from 10.0.0.0/24 table custom',
      'from 10.0.0.0/24 ipproto tcp dport 80-80 priority 90 table 100',
      '}',
    ]),
  );
  const { config, issues } = configFrom(text);
  const msgs = issues.map((i) => `${i.code}: ${i.message}`);
  assert.ok(msgs.some((m) => /^not-installed: .*virtual_routes '10\.13\.0\.0\/24 .*' is not installed: table 'custom' is a name from \/etc\/iproute2/.test(m)), msgs.join('\n'));
  assert.ok(msgs.some((m) => /^not-installed: .*'10\.14\.0\.0\/24 .*' is not installed: encap/.test(m)), msgs.join('\n'));
  assert.ok(msgs.some((m) => /^ignored-option: .*'10\.15\.0\.0\/24 .*' is installed without rtt, rto_min/.test(m)), msgs.join('\n'));
  assert.ok(msgs.some((m) => /^not-installed: .*'10\.18\.0\.0\/24 .*' is not installed: realms 'cosmos'/.test(m)), msgs.join('\n'));
  assert.ok(msgs.some((m) => /^not-installed: .*virtual_rules 'from 10\.0\.0\.0\/24 .*table custom' is not installed/.test(m)), msgs.join('\n'));
  assert.equal(issues.filter((i) => i.severity === 'error').length, 0);
  const r = config.instances[0]!;
  assert.deepEqual(r.routes.map((x) => `${x.dst} ${x.protocol} ${x.realms ?? ''} ${JSON.stringify(x.metrics ?? {})} ${JSON.stringify(x.lock ?? [])}`), [
    '10.15.0.0 18  {"mtu":1400} ["mtu"]',
    `10.17.0.0 11 ${(1 << 16) | 2} {} []`,
  ]);
  assert.deepEqual(r.rules.map((x) => [x.priority, x.ipproto, x.dport]), [[90, 6, { start: 80, end: 80 }]]);
});

function controller(routes: RouteSpec[], rules: RuleSpec[], withManager = true) {
  const clock = new FakeClock();
  const log: Op[] = [];
  const addrs = new FakeAddresses(clock);
  const rm = new FakeRoutes(log);
  const bus = vrrpBus();
  const errors: VrrpEvents['vrrp.error'][] = [];
  bus.on('vrrp.error', (e) => errors.push(e));
  const vips: AddressSpec[] = [{ ifname: 'eth0', address: '10.0.0.100', prefix: 24 }];
  const c = new VipController('VI_1', vips, loggedAddresses(addrs, log), bus, { manager: withManager ? rm : undefined, routes, rules });
  return { c, log, rm, addrs, errors };
}

const R = (dst: string, extra: Partial<RouteSpec> = {}): RouteSpec => ({ family: 4, type: 'unicast', dst, dstLen: 24, table: 100, protocol: 18, scope: 0, ...extra });
const U = (priority: number): RuleSpec => ({ family: 4, action: 'table', table: 100, priority, protocol: 18 });

test('VipController: VIPs, then routes, then rules on add; rules, routes, then VIPs on remove', async () => {
  const { c, log, rm, errors } = controller([R('10.9.0.0'), R('10.10.0.0')], [U(100), U(101)]);
  await c.add();
  assert.deepEqual(log, ['+vip 10.0.0.100', '+route 10.9.0.0/24', '+route 10.10.0.0/24', '+rule rule 100', '+rule rule 101']);
  assert.deepEqual([...rm.routes, ...rm.rules], ['10.9.0.0/24', '10.10.0.0/24', 'rule 100', 'rule 101']);
  log.length = 0;
  await c.remove();
  assert.deepEqual(log, ['-rule rule 100', '-rule rule 101', '-route 10.9.0.0/24', '-route 10.10.0.0/24', '-vip 10.0.0.100']);
  assert.deepEqual([...rm.routes, ...rm.rules], []);
  log.length = 0;
  await c.remove();
  assert.deepEqual(log, [], 'nothing installed, nothing removed');
  assert.deepEqual(errors, []);
});

test('VipController: a route or rule that was already there is left in place on release', async () => {
  const { c, log, rm } = controller([R('10.9.0.0'), R('10.10.0.0')], [U(100), U(101)]);
  rm.routes.add('10.10.0.0/24'); // an operator's identical route
  rm.rules.add('rule 101');
  await c.add();
  await c.remove();
  assert.deepEqual(log.filter((l) => l.startsWith('-')), ['-rule rule 100', '-route 10.9.0.0/24', '-vip 10.0.0.100']);
  assert.deepEqual([...rm.routes, ...rm.rules], ['10.10.0.0/24', 'rule 101']);
  assert.deepEqual(c.installedRouting(), { routes: [], rules: [] });
});

test('VipController: failures are vrrp.error with the entry; the others go on; a failed removal is tried again', async () => {
  const { c, rm, errors } = controller([R('10.9.0.0'), R('10.10.0.0')], [U(100)]);
  rm.failing.add('+route 10.9.0.0/24');
  await c.add();
  assert.deepEqual(errors.map((e) => [e.code, e.message]), [['route_add_failed', 'route 10.9.0.0/24 table 100: EPERM (+route 10.9.0.0/24)']]);
  assert.deepEqual([...rm.routes, ...rm.rules], ['10.10.0.0/24', 'rule 100']);
  rm.failing.add('-rule rule 100');
  await c.remove();
  assert.deepEqual(errors.at(-1), { instance: 'VI_1', code: 'rule_remove_failed', message: 'rule 100 (IPv4): EPERM (-rule rule 100)' });
  assert.deepEqual([...rm.routes, ...rm.rules], ['rule 100'], 'the route went; the rule stays recorded');
  rm.failing.clear();
  await c.add();
  await c.remove();
  assert.deepEqual([...rm.routes, ...rm.rules], []);
});

test('VipController: removeStale deletes the rules, routes and VIPs a crashed run left', async () => {
  const { c, log, rm, addrs } = controller([R('10.9.0.0')], [U(100)]);
  rm.routes.add('10.9.0.0/24');
  rm.rules.add('rule 100');
  addrs.seed('eth0', '10.0.0.100', 24);
  await c.removeStale();
  assert.deepEqual(log, ['-rule rule 100', '-route 10.9.0.0/24', '-vip 10.0.0.100']);
  assert.deepEqual([...rm.routes, ...rm.rules], []);
});

test('VipController without a route manager: one error per takeover naming what is not installed; VIPs still go in', async () => {
  const { c, log, errors } = controller([R('10.9.0.0')], [U(100)], false);
  await c.add();
  assert.deepEqual(log, ['+vip 10.0.0.100']);
  assert.deepEqual(errors.map((e) => [e.code, e.message]), [['routes_unsupported', '1 virtual_routes and 1 virtual_rules not installed: no route manager']]);
});

/** A VRRP node on the fakes with a route manager (the harness's nodes have none). */
function node(clock: FakeClock, lan: FakeLan, log: Op[], rm: FakeRoutes, text: string, carry?: ConstructorParameters<typeof VrrpNode>[2]) {
  const { config } = configFrom(text);
  const addrs = new FakeAddresses(clock);
  addrs.seed('eth0', '10.0.0.1', 24);
  const bus = vrrpBus();
  const n = new VrrpNode(
    config,
    { sockets: lan.factory('a', ['10.0.0.1']), addresses: loggedAddresses(addrs, log), routes: rm, announcer: new FakeAnnouncer(clock), links: new FakeLinks(['eth0']), clock, runScript: new FakeRunner(clock).run },
    { ...carry, bus },
  );
  return n;
}

async function until(clock: FakeClock, ok: () => boolean, maxMs = 10_000): Promise<void> {
  for (let t = 0; t < maxMs && !ok(); t += 10) await clock.advance(10);
  assert.ok(ok(), 'condition not reached on the fake clock');
}

test('VrrpNode: MASTER installs the routes and rules after the VIPs; SIGTERM removes them before the VIPs', async () => {
  const clock = new FakeClock();
  const lan = new FakeLan(clock);
  const log: Op[] = [];
  const rm = new FakeRoutes(log);
  const n = node(clock, lan, log, rm, conf(instance('VI_1', [...LINES, ...ROUTES, ...RULES])));
  await n.start();
  await until(clock, () => rm.rules.size === 2);
  assert.deepEqual(log, ['-rule rule 100', '-rule rule 101', '-route 10.9.0.0/24', '-route 10.10.0.0/16', '+vip 10.0.0.100', '+route 10.9.0.0/24', '+route 10.10.0.0/16', '+rule rule 100', '+rule rule 101']);
  log.length = 0;
  const stopped = n.stop();
  await until(clock, () => log.length >= 5);
  await stopped;
  assert.deepEqual(log, ['-rule rule 100', '-rule rule 101', '-route 10.9.0.0/24', '-route 10.10.0.0/16', '-vip 10.0.0.100']);
  assert.deepEqual([...rm.routes, ...rm.rules], []);
});

test('VrrpNode reload: a kept instance hands its routes and rules to the new node, which removes them at stop', async () => {
  const clock = new FakeClock();
  const lan = new FakeLan(clock);
  const log: Op[] = [];
  const rm = new FakeRoutes(log);
  const text = conf(instance('VI_1', [...LINES, ...ROUTES, ...RULES]));
  const old = node(clock, lan, log, rm, text);
  await old.start();
  await until(clock, () => rm.rules.size === 2);
  const carried = await old.handOver(new Set(['VI_1']));
  assert.equal(carried.instances.get('VI_1')?.routing?.routes.length, 2);
  assert.equal(rm.routes.size + rm.rules.size, 4, 'handOver leaves them in place');
  log.length = 0;
  const next = node(clock, lan, log, rm, text, { carry: carried.instances, carryGroups: carried.groups });
  await next.start();
  await flush();
  assert.deepEqual(log, [], 'a carried instance installs nothing again');
  const stopped = next.stop();
  await until(clock, () => log.length >= 5);
  await stopped;
  assert.deepEqual(log, ['-rule rule 100', '-rule rule 101', '-route 10.9.0.0/24', '-route 10.10.0.0/16', '-vip 10.0.0.100']);
});
