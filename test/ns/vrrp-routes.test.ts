// Namespace tests on the host kernel: virtual_routes and virtual_rules with an lvsd VRRP pair (`lvsd run
// --vrrp-only`). The master has them (`ip -j route show`, `ip -j rule show`), the backup not; they move
// with a failover and back with preemption; after SIGTERM nothing of lvsd's is left; an identical route
// or rule that was there before lvsd added it survives the release; a crashed master's leftovers are
// removed when it comes back as backup.
import { test } from 'node:test';
import { writeFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { Lab, type Host } from '../lab/netns.js';
import { vrrpPair, type VrrpLan } from '../lab/topologies.js';
import { keepalivedConf } from '../lab/keepalived.js';
import { waitFor } from '../lab/proc.js';
import { eventTime, Lvsd, lvsdReady } from './vrrp-support.js';

const TOOLS = ['ip'];

function conf(topo: VrrpLan, d: number, priority: number): string {
  const gw = topo.addrOf(topo.observer);
  return keepalivedConf({
    routerId: topo.directors[d]!.name,
    instances: [
      {
        name: 'VI_1',
        iface: 'eth0',
        vrid: 61,
        priority,
        advertInt: 1,
        vips: [`${topo.vip}/24 dev eth0`],
        extra: [
          'virtual_routes {',
          `  src ${topo.vip} to 10.88.0.0/24 via ${gw} dev eth0 table 100`,
          '  blackhole 10.89.0.0/16 table 100 metric 7',
          '  10.90.0.0/24 dev eth0 scope link',
          '  blackhole 2001:db8:77::/48 table 100',
          '}',
          'virtual_rules {',
          `  from ${topo.vip} table 100 priority 100`,
          '  to 10.88.0.0/24 fwmark 0x7/0xff table 100 priority 101',
          '  from 2001:db8::/32 table 100 priority 102',
          '}',
        ],
      },
    ],
  });
}

/** Every route (both families, all tables) and rule with protocol keepalived on `h`, as short text. */
async function lvsdEntries(h: Host): Promise<string[]> {
  const out: string[] = [];
  for (const f of ['-4', '-6']) {
    const r = await h.exec(['ip', f, '-j', 'route', 'show', 'table', 'all', 'proto', 'keepalived']);
    for (const x of JSON.parse(r.stdout || '[]') as Record<string, string | number>[]) {
      const w = [x.type !== 'unicast' ? x.type : '', x.dst, x.gateway ? `via ${x.gateway}` : '', x.dev ? `dev ${x.dev}` : '', x.prefsrc ? `src ${x.prefsrc}` : '', `table ${x.table ?? 'main'}`, x.metric !== undefined ? `metric ${x.metric}` : ''];
      out.push(w.filter(Boolean).join(' '));
    }
    const u = await h.exec(['ip', f, '-j', 'rule', 'show']);
    for (const x of JSON.parse(u.stdout) as Record<string, string | number>[]) {
      if (x.protocol !== 'keepalived') continue;
      const sel = [x.src !== 'all' ? `from ${x.src}${x.srclen !== undefined ? `/${x.srclen}` : ''}` : 'from all', x.dst ? `to ${x.dst}${x.dstlen !== undefined ? `/${x.dstlen}` : ''}` : '', x.fwmark ? `fwmark ${x.fwmark}/${x.fwmask}` : ''];
      out.push([`rule ${x.priority}:`, ...sel, `lookup ${x.table}`].filter(Boolean).join(' '));
    }
  }
  return out.sort();
}

function expected(topo: VrrpLan): string[] {
  const gw = topo.addrOf(topo.observer);
  return [
    `10.88.0.0/24 via ${gw} dev eth0 src ${topo.vip} table 100`,
    '10.90.0.0/24 dev eth0 table main',
    'blackhole 10.89.0.0/16 table 100 metric 7',
    // The kernel shows an IPv6 blackhole route on lo.
    'blackhole 2001:db8:77::/48 dev lo table 100 metric 1024',
    `rule 100: from ${topo.vip} lookup 100`,
    'rule 101: from all to 10.88.0.0/24 fwmark 0x7/0xff lookup 100',
    'rule 102: from 2001:db8::/32 lookup 100',
  ].sort();
}

/** Waits until `h` has exactly `want` (lvsd's entries), returning when it saw them (ms since epoch). */
async function waitEntries(h: Host, want: string[], timeoutMs = 5000): Promise<number> {
  let last: string[] = [];
  const ok = await waitFor(async () => {
    last = await lvsdEntries(h);
    return JSON.stringify(last) === JSON.stringify(want);
  }, timeoutMs, 10);
  assert.ok(ok, `${h.name}: expected\n  ${want.join('\n  ')}\ngot\n  ${last.join('\n  ')}`);
  return Date.now();
}

test('lvsd pair: virtual_routes / virtual_rules on the master only; they move on failover and back; SIGTERM leaves nothing', { timeout: 120_000 }, async (t) => {
  if (!lvsdReady(t, TOOLS)) return;
  const lab = Lab.forTest(t, 'lvsd-routes');
  const topo = await vrrpPair(lab, 40);
  const [d1, d2] = topo.directors as [Host, Host];
  const want = expected(topo);
  const n1 = Lvsd.start(d1, conf(topo, 0, 150));
  const n2 = Lvsd.start(d2, conf(topo, 1, 100));
  const m1 = await n1.waitForState('VI_1', 'MASTER', 15_000);
  await n2.waitForState('VI_1', 'BACKUP', 5000);
  const seenAt = await waitEntries(d1, want);
  await waitEntries(d2, []);
  t.diagnostic(`d1 MASTER -> its routes and rules seen ${seenAt - eventTime(m1)} ms later (10 ms polling)`);
  // The routes really route: a lookup from the VIP goes through table 100.
  const get = await d1.exec(['ip', '-j', 'route', 'get', '10.88.0.5', 'from', topo.vip]);
  assert.equal((JSON.parse(get.stdout) as { gateway?: string }[])[0]?.gateway, topo.addrOf(topo.observer));
  assert.doesNotMatch(n1.proc.output(), /"vrrp\.error"/);

  // Failover: SIGTERM the master; the backup takes them, the old master leaves nothing.
  const before = n2.transitions().length;
  const st1 = await n1.stop();
  assert.equal(st1.code, 0, n1.proc.output());
  await waitEntries(d1, [], 100);
  const m2 = await n2.waitForState('VI_1', 'MASTER', 5000, before);
  const movedAt = await waitEntries(d2, want);
  t.diagnostic(`d2 MASTER -> routes and rules seen ${movedAt - eventTime(m2)} ms later`);

  // d1 comes back with the higher priority and preempts: they move back; d2 releases exactly them.
  const n1b = Lvsd.start(d1, conf(topo, 0, 150));
  await n1b.waitForState('VI_1', 'MASTER', 15_000);
  await waitEntries(d1, want);
  await waitEntries(d2, []);
  assert.equal(n2.state, 'BACKUP');

  const [a, b] = await Promise.all([n1b.stop(), n2.stop()]);
  assert.deepEqual([a.code, b.code], [0, 0]);
  assert.deepEqual(await lvsdEntries(d1), []);
  assert.deepEqual(await lvsdEntries(d2), []);
  assert.equal((await d1.exec(['ip', 'route', 'show', 'table', '100'])).stdout.trim(), '', 'table 100 is empty again');
});

test("lvsd: an identical route and rule that were there before lvsd became master survive its release; an operator's route to the same prefix too", { timeout: 120_000 }, async (t) => {
  if (!lvsdReady(t, TOOLS)) return;
  const lab = Lab.forTest(t, 'lvsd-routes-pre');
  const topo = await vrrpPair(lab, 41);
  const [d1, d2] = topo.directors as [Host, Host];
  const want = expected(topo);
  const n1 = Lvsd.start(d1, conf(topo, 0, 150));
  const n2 = Lvsd.start(d2, conf(topo, 1, 100));
  await n1.waitForState('VI_1', 'MASTER', 15_000);
  await n2.waitForState('VI_1', 'BACKUP', 5000);
  await waitEntries(d1, want);
  await waitEntries(d2, []);
  // On the backup (after lvsd's start-up clean-up), an operator adds one route and one rule identical to
  // lvsd's (protocol keepalived included), and a route to one of lvsd's prefixes with another gateway.
  const gw = topo.addrOf(topo.observer);
  await d2.ip(['route add blackhole 10.89.0.0/16 table 100 metric 7 proto keepalived', `rule add from ${topo.vip} table 100 priority 100 protocol keepalived`, `route add 10.88.0.0/24 via ${topo.addrOf(d1)} dev eth0 table 100`]);
  const before = n2.transitions().length;
  await n1.stop();
  await n2.waitForState('VI_1', 'MASTER', 5000, before);
  await waitEntries(d2, want);
  const both = (await d2.exec(['ip', '-j', 'route', 'show', 'table', '100', '10.88.0.0/24'])).stdout;
  assert.deepEqual((JSON.parse(both) as { gateway: string; protocol?: string }[]).map((x) => `${x.gateway} ${x.protocol ?? 'boot'}`) /* ip -j leaves out proto boot */.sort(), [`${gw} keepalived`, `${topo.addrOf(d1)} boot`].sort());
  const st = await n2.stop();
  assert.equal(st.code, 0, n2.proc.output());
  assert.deepEqual(await lvsdEntries(d2), ['blackhole 10.89.0.0/16 table 100 metric 7', `rule 100: from ${topo.vip} lookup 100`], 'only what was there before lvsd added it');
  assert.match((await d2.exec(['ip', 'route', 'show', 'table', '100', '10.88.0.0/24'])).stdout, new RegExp(`^10\\.88\\.0\\.0/24 via ${topo.addrOf(d1).replace(/\./g, '\\.')} dev eth0 \n?$`));
});

test("lvsd: a crashed master's routes and rules are removed when it restarts as backup", { timeout: 120_000 }, async (t) => {
  if (!lvsdReady(t, TOOLS)) return;
  const lab = Lab.forTest(t, 'lvsd-routes-crash');
  const topo = await vrrpPair(lab, 42);
  const [d1, d2] = topo.directors as [Host, Host];
  const want = expected(topo);
  const n2 = Lvsd.start(d2, conf(topo, 1, 100));
  await n2.waitForState('VI_1', 'MASTER', 15_000);
  await waitEntries(d2, want);
  await n2.crash(); // SIGKILL of the process group: nothing is released
  assert.deepEqual(await lvsdEntries(d2), want);
  const n1 = Lvsd.start(d1, conf(topo, 0, 150));
  await n1.waitForState('VI_1', 'MASTER', 15_000);
  await waitEntries(d1, want);
  const n2b = Lvsd.start(d2, conf(topo, 1, 100));
  await n2b.waitForState('VI_1', 'BACKUP', 15_000);
  await waitEntries(d2, []);
  await Promise.all([n1.stop(), n2b.stop()]);
  assert.deepEqual(await lvsdEntries(d1), []);
});

test('lvsd reload (SIGHUP): an unchanged instance keeps its routes and rules throughout and removes them at stop; a dropped route goes', { timeout: 120_000 }, async (t) => {
  if (!lvsdReady(t, TOOLS)) return;
  const lab = Lab.forTest(t, 'lvsd-routes-reload');
  const topo = await vrrpPair(lab, 43);
  const d1 = topo.directors[0]!;
  const want = expected(topo);
  const n1 = Lvsd.start(d1, conf(topo, 0, 150));
  await n1.waitForState('VI_1', 'MASTER', 15_000);
  await waitEntries(d1, want);
  const reloads = () => n1.events().filter((e) => e.event === 'daemon.reload');
  // Sample lvsd's entries while the same file is reloaded: they never go away.
  const seen = new Set<string>();
  let sampling = true;
  const sampler = (async () => {
    while (sampling) seen.add(JSON.stringify(await lvsdEntries(d1)));
  })();
  n1.proc.kill('SIGHUP');
  assert.ok(await waitFor(() => reloads().length === 1, 10_000, 10), n1.proc.output());
  await new Promise((r) => setTimeout(r, 300));
  sampling = false;
  await sampler;
  assert.equal(reloads()[0]!.ok, true, JSON.stringify(reloads()[0]));
  assert.equal(reloads()[0]!.instancesKept, 1);
  assert.deepEqual([...seen], [JSON.stringify(want)]);
  // A new file without the blackhole route: the instance restarts and comes back without it.
  writeFileSync(n1.confFile, conf(topo, 0, 150).replace('  blackhole 10.89.0.0/16 table 100 metric 7\n', ''));
  n1.proc.kill('SIGHUP');
  assert.ok(await waitFor(() => reloads().length === 2, 10_000, 10), n1.proc.output());
  assert.equal(reloads()[1]!.ok, true, JSON.stringify(reloads()[1]));
  await waitEntries(d1, want.filter((w) => !w.startsWith('blackhole 10.89.')), 10_000);
  const st = await n1.stop();
  assert.equal(st.code, 0, n1.proc.output());
  assert.deepEqual(await lvsdEntries(d1), []);
});
