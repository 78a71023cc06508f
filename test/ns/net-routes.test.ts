// Namespace tests of the rtnetlink RouteManager (src/net/routes.ts): what it adds, the kernel reads back
// (`ip -j -d route show`, `ip -j rule show`) with the asked table, type, gateway, device, metric, source,
// flags, metrics and nexthops; "already there" (EEXIST) and "not there" (ESRCH / ENOENT) are false; a
// delete removes only the entry that was added (an operator's route to the same prefix stays).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lab, type Host } from '../lab/netns.js';
import { requireRoot } from '../util/env.js';
import { RtnlRouteManager } from '../../src/net/routes.js';
import { KernelError } from '../../src/net/errors.js';
import type { RouteSpec, RuleSpec } from '../../src/net/ports.js';

type T = { after(fn: () => Promise<void> | void): void; name?: string };

interface IpRoute {
  type: string;
  dst: string;
  gateway?: string;
  dev?: string;
  protocol: string;
  scope: string;
  metric?: number;
  prefsrc?: string;
  from?: string;
  pref?: string;
  flags: string[];
  flow?: { from?: string; to: string };
  metrics?: Record<string, number>[];
  nexthops?: { gateway: string; dev: string; weight: number; flags: string[] }[];
}

async function routes(h: Host, table: number | string, family: 4 | 6 = 4): Promise<IpRoute[]> {
  const r = await h.exec(['ip', `-${family}`, '-j', '-d', 'route', 'show', 'table', String(table)]);
  return JSON.parse(r.stdout || '[]') as IpRoute[];
}

async function rules(h: Host, family: 4 | 6 = 4): Promise<Record<string, unknown>[]> {
  const r = await h.exec(['ip', `-${family}`, '-j', 'rule', 'show']);
  return (JSON.parse(r.stdout) as Record<string, unknown>[]).filter((x) => !['local', 'main', 'default'].includes(x.table as string) || (x.priority as number) !== 0 && (x.priority as number) < 32766);
}

async function oneHost(t: T): Promise<Host> {
  const lab = Lab.forTest(t, 'routes');
  await lab.build({
    hosts: ['a', 'b'].map((name) => ({ name, sysctls: { 'net.ipv6.conf.all.accept_dad': 0, 'net.ipv6.conf.default.accept_dad': 0 } })),
    links: [[{ host: 'a', ifname: 'eth0', addrs: ['10.68.0.1/24', 'fd00:68::1/64'] }, { host: 'b', ifname: 'eth0', addrs: ['10.68.0.2/24', 'fd00:68::2/64'] }]],
  });
  const a = lab.host('a');
  await a.ip(['address add 10.68.1.1/24 dev lo']);
  return a;
}

function manager(t: T, h: Host): RtnlRouteManager {
  const m = new RtnlRouteManager({ netns: h.ns });
  t.after(() => m.close());
  return m;
}

const r4 = (x: Partial<RouteSpec> & Pick<RouteSpec, 'dst' | 'dstLen'>): RouteSpec => ({ family: 4, type: 'unicast', table: 100, protocol: 18, scope: 0, ...x });

test('IPv4 route: add shows in its table with gateway, dev, metric, protocol; add again is false; remove; remove again is false', { timeout: 60_000 }, async (t) => {
  if (!requireRoot(t, ['ip'])) return;
  const a = await oneHost(t);
  const m = manager(t, a);
  const r = r4({ dst: '10.90.0.0', dstLen: 24, gateway: '10.68.0.2', dev: 'eth0', metric: 5, prefsrc: '10.68.1.1' });
  assert.equal(await m.addRoute(r), true);
  const [got] = await routes(a, 100);
  assert.deepEqual(
    [got?.type, got?.dst, got?.gateway, got?.dev, got?.metric, got?.protocol, got?.scope, got?.prefsrc],
    ['unicast', '10.90.0.0/24', '10.68.0.2', 'eth0', 5, 'keepalived', 'global', '10.68.1.1'],
  );
  assert.equal(await m.addRoute(r), false, 'EEXIST: an identical route is "already there"');
  assert.equal((await routes(a, 100)).length, 1);
  assert.equal(await m.removeRoute(r), true);
  assert.deepEqual(await routes(a, 100), []);
  assert.equal(await m.removeRoute(r), false, 'ESRCH is "not there"');
  // The kernel's refusal is typed: a gateway that is not on a connected network.
  await assert.rejects(m.addRoute(r4({ dst: '10.91.0.0', dstLen: 24, gateway: '192.0.2.1' })), (e: unknown) => e instanceof KernelError && e.errno === 'ENETUNREACH' && /add route 10\.91\.0\.0\/24 via 192\.0\.2\.1/.test(e.message));
});

test('route types, table > 255, default, onlink, realms, metrics with lock, multipath', { timeout: 60_000 }, async (t) => {
  if (!requireRoot(t, ['ip'])) return;
  const a = await oneHost(t);
  const m = manager(t, a);
  const list: RouteSpec[] = [
    r4({ dst: '10.92.0.0', dstLen: 16, type: 'blackhole', table: 1000 }),
    r4({ dst: '10.93.0.0', dstLen: 16, type: 'unreachable', table: 1000, metric: 7 }),
    r4({ dst: '10.94.0.0', dstLen: 16, type: 'prohibit', table: 1000 }),
    r4({ dst: '0.0.0.0', dstLen: 0, gateway: '10.68.0.2', dev: 'eth0', table: 1000 }),
    r4({ dst: '10.95.0.0', dstLen: 24, gateway: '10.77.0.9', dev: 'eth0', onlink: true, realms: (3 << 16) | 4, table: 1000, metrics: { mtu: 1400, advmss: 1360, window: 65535, initcwnd: 10, quickack: 1 }, lock: ['mtu'] }),
    r4({ dst: '10.96.0.0', dstLen: 24, table: 1000, nexthops: [{ gateway: '10.68.0.2', dev: 'eth0', weight: 3 }, { gateway: '10.68.0.3', dev: 'eth0' }] }),
    r4({ dst: '10.97.0.0', dstLen: 24, dev: 'eth0', scope: 253, table: 1000 }),
  ];
  for (const r of list) assert.equal(await m.addRoute(r), true, JSON.stringify(r));
  const got = await routes(a, 1000);
  const by = (d: string) => got.find((x) => x.dst === d);
  assert.deepEqual([by('10.92.0.0/16')?.type, by('10.93.0.0/16')?.type, by('10.93.0.0/16')?.metric, by('10.94.0.0/16')?.type], ['blackhole', 'unreachable', 7, 'prohibit']);
  assert.deepEqual([by('default')?.gateway, by('default')?.protocol], ['10.68.0.2', 'keepalived']);
  const on = by('10.95.0.0/24');
  assert.deepEqual([on?.gateway, on?.flags, on?.flow], ['10.77.0.9', ['onlink'], { from: '3', to: '4' }]);
  assert.deepEqual(on?.metrics, [{ mtu: 1400, window: 65535, advmss: 1360, initcwnd: 10, quickack: 1 }]);
  const text = (await a.exec(['ip', 'route', 'show', 'table', '1000', '10.95.0.0/24'])).stdout;
  assert.match(text, /mtu lock 1400/);
  assert.deepEqual(
    by('10.96.0.0/24')?.nexthops?.map((h) => [h.gateway, h.dev, h.weight]),
    [
      ['10.68.0.2', 'eth0', 3],
      ['10.68.0.3', 'eth0', 1],
    ],
  );
  assert.deepEqual([by('10.97.0.0/24')?.scope, by('10.97.0.0/24')?.dev], ['link', 'eth0']);
  for (const r of list) assert.equal(await m.removeRoute(r), true, `remove ${JSON.stringify(r)}`);
  assert.deepEqual(await routes(a, 1000), []);
});

test('IPv6 route with from, src, pref and expires; identical route is EEXIST; removed', { timeout: 60_000 }, async (t) => {
  if (!requireRoot(t, ['ip'])) return;
  const a = await oneHost(t);
  const m = manager(t, a);
  const r: RouteSpec = { family: 6, type: 'unicast', table: 100, protocol: 18, scope: 0, dst: '2001:db8:9::', dstLen: 48, src: '2001:db8::', srcLen: 32, prefsrc: 'fd00:68::1', gateway: 'fd00:68::2', dev: 'eth0', metric: 1024, pref: 1 };
  assert.equal(await m.addRoute(r), true);
  const [got] = await routes(a, 100, 6);
  assert.deepEqual([got?.dst, got?.from, got?.gateway, got?.prefsrc, got?.pref, got?.metric, got?.protocol], ['2001:db8:9::/48', '2001:db8::/32', 'fd00:68::2', 'fd00:68::1', 'high', 1024, 'keepalived']);
  assert.equal(await m.addRoute(r), false);
  assert.equal(await m.removeRoute(r), true);
  assert.deepEqual(await routes(a, 100, 6), []);
  assert.equal(await m.removeRoute(r), false);
  const exp: RouteSpec = { family: 6, type: 'unicast', table: 100, protocol: 18, scope: 0, dst: '2001:db8:a::', dstLen: 64, dev: 'eth0', expires: 600 };
  assert.equal(await m.addRoute(exp), true);
  // The kernel shows the time left, rounded: 600 when read within the first second, then 599, 598 ...
  assert.match((await a.exec(['ip', '-6', 'route', 'show', 'table', '100'])).stdout, /2001:db8:a::\/64 dev eth0 proto keepalived metric 1024 expires (?:600|5\d\d)sec/);
  assert.equal(await m.removeRoute(exp), true);
});

test("delete removes only lvsd's route: an operator's route to the same prefix (another protocol) stays", { timeout: 60_000 }, async (t) => {
  if (!requireRoot(t, ['ip'])) return;
  const a = await oneHost(t);
  const m = manager(t, a);
  await a.ip(['route add 10.98.0.0/24 via 10.68.0.3 dev eth0 table 100']);
  const ours = r4({ dst: '10.98.0.0', dstLen: 24, gateway: '10.68.0.2', dev: 'eth0' });
  // keepalived's add is `ip route prepend`: not a conflict with a route of another gateway.
  assert.equal(await m.addRoute(ours), true);
  assert.deepEqual((await routes(a, 100)).map((x) => [x.gateway, x.protocol]).sort(), [['10.68.0.2', 'keepalived'], ['10.68.0.3', 'boot']]);
  assert.equal(await m.removeRoute(ours), true);
  assert.deepEqual((await routes(a, 100)).map((x) => [x.gateway, x.protocol]), [['10.68.0.3', 'boot']]);
  assert.equal(await m.removeRoute(ours), false);
});

test('rules: IPv4 and IPv6 selectors and actions read back; EEXIST is false; remove; remove again is false', { timeout: 60_000 }, async (t) => {
  if (!requireRoot(t, ['ip'])) return;
  const a = await oneHost(t);
  const m = manager(t, a);
  const list: RuleSpec[] = [
    { family: 4, action: 'table', table: 100, from: '10.68.0.0', fromLen: 24, to: '10.90.0.0', toLen: 16, priority: 100, fwmark: 7, fwmask: 0xff, iif: 'eth0', oif: 'lo', protocol: 18 },
    { family: 4, action: 'table', table: 1000, not: true, from: '10.69.0.0', fromLen: 24, priority: 101, protocol: 18 },
    { family: 4, action: 'prohibit', priority: 103, tunnelId: 42, uidrange: { start: 1000, end: 2000 } },
    { family: 4, action: 'blackhole', priority: 104, tos: 0x10 },
    { family: 4, action: 'table', table: 100, priority: 105, realms: 5, suppressPrefixlen: 0 },
    { family: 6, action: 'goto', goto: 200, from: '2001:db8::', fromLen: 32, priority: 102, protocol: 18, ipproto: 6, sport: { start: 1000, end: 2000 }, dport: { start: 80, end: 80 } },
    { family: 6, action: 'unreachable', to: '2001:db8:5::', toLen: 48, priority: 106 },
  ];
  for (const r of list) assert.equal(await m.addRule(r), true, JSON.stringify(r));
  const v4 = await rules(a, 4);
  const v6 = await rules(a, 6);
  const p = (list4: Record<string, unknown>[], n: number) => list4.find((x) => x.priority === n);
  assert.deepEqual(p(v4, 100), { priority: 100, src: '10.68.0.0', srclen: 24, dst: '10.90.0.0', dstlen: 16, fwmark: '0x7', fwmask: '0xff', iif: 'eth0', oif: 'lo', table: '100', protocol: 'keepalived' });
  assert.deepEqual(p(v4, 101), { priority: 101, not: null, src: '10.69.0.0', srclen: 24, table: '1000', protocol: 'keepalived' });
  assert.deepEqual(p(v4, 103), { priority: 103, src: 'all', uid_start: 1000, uid_end: 2000, tun_id: 42, action: 'prohibit' });
  assert.deepEqual([p(v4, 104)?.action, p(v4, 104)?.tos], ['blackhole', '0x10']);
  assert.deepEqual([p(v4, 105)?.table, p(v4, 105)?.flow_to, p(v4, 105)?.suppress_prefixlen], ['100', '5', 0]);
  assert.deepEqual([p(v6, 102)?.src, p(v6, 102)?.goto, p(v6, 102)?.ipproto, p(v6, 102)?.sport_start, p(v6, 102)?.sport_end, p(v6, 102)?.dport], ['2001:db8::', 200, 'tcp', 1000, 2000, 80]);
  assert.deepEqual([p(v6, 106)?.dst, p(v6, 106)?.dstlen, p(v6, 106)?.action], ['2001:db8:5::', 48, 'unreachable']);
  assert.equal(await m.addRule(list[0]!), false, 'NLM_F_EXCL: an identical rule is "already there"');
  for (const r of list) assert.equal(await m.removeRule(r), true, `remove ${JSON.stringify(r)}`);
  assert.deepEqual([...(await rules(a, 4)), ...(await rules(a, 6))], []);
  for (const r of list) assert.equal(await m.removeRule(r), false);
});

test("rule delete names the protocol: an operator's rule with the same selectors and preference stays", { timeout: 60_000 }, async (t) => {
  if (!requireRoot(t, ['ip'])) return;
  const a = await oneHost(t);
  const m = manager(t, a);
  await a.ip(['rule add from 10.68.0.0/24 pref 200 table 100 protocol static']);
  const ours: RuleSpec = { family: 4, action: 'table', table: 100, from: '10.68.0.0', fromLen: 24, priority: 200, protocol: 18 };
  assert.equal(await m.addRule(ours), true, 'another protocol: not the same rule');
  assert.deepEqual((await rules(a)).map((x) => x.protocol).sort(), ['keepalived', 'static']);
  assert.equal(await m.removeRule(ours), true);
  assert.deepEqual((await rules(a)).map((x) => x.protocol), ['static']);
  assert.equal(await m.removeRule(ours), false);
});
