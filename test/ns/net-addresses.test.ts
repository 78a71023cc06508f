// Namespace tests of the rtnetlink AddressManager: what it adds `ip -j addr` shows with the
// asked label, broadcast, scope, peer and flags; "already there" / "not there" are false; the
// kernel's refusals are typed; many requests at once stay bounded; a receive-buffer overflow
// becomes typed errors instead of a crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lab, type Host } from '../lab/netns.js';
import { requireRoot } from '../util/env.js';
import { RtnlAddressManager } from '../../src/net/addresses.js';
import { KernelError, NetError } from '../../src/net/errors.js';

interface IpAddr {
  family: string;
  local: string;
  address?: string;
  prefixlen: number;
  broadcast?: string;
  scope: string;
  label?: string;
  nodad?: boolean;
  noprefixroute?: boolean;
  home?: boolean;
  tentative?: boolean;
  deprecated?: boolean;
  preferred_life_time?: number;
  valid_life_time?: number;
}

async function ipAddrs(h: Host, ifname: string): Promise<IpAddr[]> {
  const r = await h.exec(['ip', '-j', '-d', 'addr', 'show', 'dev', ifname]);
  return ((JSON.parse(r.stdout) as { addr_info: IpAddr[] }[])[0]?.addr_info ?? []);
}

type T = { after(fn: () => Promise<void> | void): void; name?: string };

async function oneHost(t: T): Promise<Host> {
  const lab = Lab.forTest(t, 'addrs');
  await lab.build({
    hosts: [{ name: 'a' }, { name: 'b' }],
    links: [[{ host: 'a', ifname: 'eth0', addrs: ['10.67.0.1/24'] }, { host: 'b', ifname: 'eth0', addrs: ['10.67.0.2/24'] }]],
  });
  return lab.host('a');
}

function manager(t: T, h: Host, opts: ConstructorParameters<typeof RtnlAddressManager>[0] = {}): RtnlAddressManager {
  const m = new RtnlAddressManager({ netns: h.ns, ...opts });
  t.after(() => m.close());
  return m;
}

test('IPv4: add with label, broadcast and scope; add again is false; list; remove; remove again is false', { timeout: 60_000 }, async (t) => {
  if (!requireRoot(t, ['ip'])) return;
  const a = await oneHost(t);
  const m = manager(t, a);
  const vip = { ifname: 'eth0', address: '10.67.0.100', prefix: 24, broadcast: '10.67.0.255', label: 'eth0:vip', scope: 'global' as const };
  assert.equal(await m.add(vip), true);
  let got = (await ipAddrs(a, 'eth0')).find((x) => x.local === '10.67.0.100');
  assert.ok(got, 'the address is on eth0');
  assert.deepEqual([got.prefixlen, got.broadcast, got.label, got.scope], [24, '10.67.0.255', 'eth0:vip', 'global']);
  assert.equal(await m.add(vip), false, 'EEXIST is "already there"');
  assert.deepEqual(
    (await m.list('eth0')).filter((x) => !x.address.includes(':')).map((x) => `${x.address}/${x.prefix} ${x.label ?? ''}`).sort(),
    ['10.67.0.1/24 eth0', '10.67.0.100/24 eth0:vip'],
  );
  assert.equal(await m.remove(vip), true);
  assert.equal((await ipAddrs(a, 'eth0')).some((x) => x.local === '10.67.0.100'), false);
  assert.equal(await m.remove(vip), false, 'EADDRNOTAVAIL is "not there"');

  // Scope host, a /32 with a peer (point-to-point style), noprefixroute.
  assert.equal(await m.add({ ifname: 'eth0', address: '10.67.1.1', prefix: 32, peer: '10.67.1.2', scope: 'link' }), true);
  assert.equal(await m.add({ ifname: 'eth0', address: '10.67.2.1', prefix: 24, noprefixroute: true }), true);
  const all = await ipAddrs(a, 'eth0');
  got = all.find((x) => x.local === '10.67.1.1');
  assert.deepEqual([got?.address, got?.scope], ['10.67.1.2', 'link']);
  assert.equal(all.find((x) => x.local === '10.67.2.1')?.noprefixroute, true);
  const routes = (await a.exec(['ip', '-4', 'route', 'show', 'dev', 'eth0'])).stdout;
  assert.doesNotMatch(routes, /10\.67\.2\.0\/24/, 'noprefixroute: no subnet route');
  assert.equal(await m.remove({ ifname: 'eth0', address: '10.67.1.1', prefix: 32, peer: '10.67.1.2' }), true);
});

test('IPv6: nodad (not tentative), preferred_lft 0 (deprecated), noprefixroute, home; list and remove', { timeout: 60_000 }, async (t) => {
  if (!requireRoot(t, ['ip'])) return;
  const a = await oneHost(t);
  const m = manager(t, a);
  assert.equal(await m.add({ ifname: 'eth0', address: '2001:DB8:67::100', prefix: 64, nodad: true }), true);
  assert.equal(await m.add({ ifname: 'eth0', address: '2001:db8:67::101', prefix: 64, nodad: true, preferredLft: 0, noprefixroute: true, home: true }), true);
  assert.equal(await m.add({ ifname: 'eth0', address: '2001:db8:67::102', prefix: 64 }), true);
  const all = await ipAddrs(a, 'eth0');
  const x100 = all.find((x) => x.local === '2001:db8:67::100');
  const x101 = all.find((x) => x.local === '2001:db8:67::101');
  const x102 = all.find((x) => x.local === '2001:db8:67::102');
  assert.equal(x100?.nodad, true);
  assert.notEqual(x100?.tentative, true, 'nodad: usable at once');
  assert.equal(x102?.tentative, true, 'without nodad the kernel runs DAD first');
  assert.deepEqual([x101?.nodad, x101?.deprecated, x101?.preferred_life_time, x101?.noprefixroute, x101?.home], [true, true, 0, true, true]);
  assert.deepEqual(
    (await m.list('eth0')).filter((x) => x.address.startsWith('2001:db8:67::')).map((x) => `${x.address}/${x.prefix}`).sort(),
    ['2001:db8:67::100/64', '2001:db8:67::101/64', '2001:db8:67::102/64'],
  );
  assert.equal(await m.add({ ifname: 'eth0', address: '2001:db8:67::100', prefix: 64, nodad: true }), false);
  assert.equal(await m.remove({ ifname: 'eth0', address: '2001:db8:67::100', prefix: 64 }), true);
  assert.equal(await m.remove({ ifname: 'eth0', address: '2001:db8:67::100', prefix: 64 }), false);
  assert.equal((await ipAddrs(a, 'eth0')).some((x) => x.local === '2001:db8:67::100'), false);
});

test('refusals are typed: unknown interface, bad arguments, and the kernel errno with its extended-ACK text', { timeout: 60_000 }, async (t) => {
  if (!requireRoot(t, ['ip'])) return;
  const a = await oneHost(t);
  const m = manager(t, a);
  await assert.rejects(m.add({ ifname: 'nope0', address: '10.1.1.1', prefix: 32 }), (e: unknown) => e instanceof NetError && e.code === 'LVSD_NET_NO_INTERFACE');
  await assert.rejects(m.add({ ifname: 'eth0', address: '10.1.1.1', prefix: 33 }), (e: unknown) => e instanceof NetError && e.code === 'LVSD_NET_BAD_ARGUMENT');
  await assert.rejects(m.add({ ifname: 'eth0', address: '10.1.1', prefix: 24 }), (e: unknown) => e instanceof NetError && e.code === 'LVSD_NET_BAD_ARGUMENT');
  // A multicast address cannot be an interface address.
  await assert.rejects(m.add({ ifname: 'eth0', address: 'ff02::1234', prefix: 64, nodad: true }), (e: unknown) => {
    assert.ok(e instanceof KernelError, String(e));
    assert.equal(e.code, 'LVSD_NET_KERNEL');
    assert.equal(e.errno, 'EADDRNOTAVAIL');
    assert.match(e.message, /add ff02::1234\/64 on eth0: EADDRNOTAVAIL/);
    assert.match(e.detail ?? '', /multicast/, 'the extended ACK says why');
    return true;
  });
});

test('500 adds at once stay within the in-flight bound and all land; 500 removes likewise', { timeout: 60_000 }, async (t) => {
  if (!requireRoot(t, ['ip'])) return;
  const a = await oneHost(t);
  const m = manager(t, a, { maxInFlight: 16 });
  const specs = Array.from({ length: 500 }, (_, i) => ({ ifname: 'eth0', address: `10.68.${i >> 8}.${(i & 0xff) + 0}`, prefix: 32 }));
  let peak = 0;
  const t0 = performance.now();
  const adds = specs.map((s) => m.add(s));
  peak = Math.max(peak, m.socket.outstanding);
  const results = await Promise.all(adds);
  const addMs = performance.now() - t0;
  assert.equal(results.filter((r) => r).length, 500);
  assert.equal(peak, 500, 'all 500 were accepted (16 sent, the rest queued)');
  assert.equal(m.socket.counters.peakInFlight, 16, 'never more than 16 in flight');
  const v4 = (await ipAddrs(a, 'eth0')).filter((x) => x.local.startsWith('10.68.'));
  assert.equal(v4.length, 500);
  const t1 = performance.now();
  assert.deepEqual(new Set(await Promise.all(specs.map((s) => m.remove(s)))), new Set([true]));
  const delMs = performance.now() - t1;
  assert.equal((await ipAddrs(a, 'eth0')).filter((x) => x.local.startsWith('10.68.')).length, 0);
  assert.equal(m.socket.counters.timeouts, 0);
  process.stderr.write(`# 500 adds in ${addMs.toFixed(0)} ms, 500 removes in ${delMs.toFixed(0)} ms (maxInFlight 16)\n`);
});

test('a receive-buffer overflow (ENOBUFS) fails the lost requests with LVSD_NET_RESYNC; the process lives and the socket keeps working', { timeout: 60_000 }, async (t) => {
  if (!requireRoot(t, ['ip'])) return;
  const a = await oneHost(t);
  // A tiny buffer and no in-flight bound: 2000 refused deletes echo 2000 errors into ~2 KiB.
  const m = manager(t, a, { recvBuffer: 1024, maxInFlight: 100_000, timeoutMs: 5000 });
  const lost: Error[] = [];
  m.socket.onLost((e) => lost.push(e));
  const t0 = performance.now();
  const settled = await Promise.allSettled(Array.from({ length: 2000 }, (_, i) => m.remove({ ifname: 'eth0', address: `10.69.${i >> 8}.${i & 0xff}`, prefix: 32 })));
  const ms = performance.now() - t0;
  const resync = settled.filter((s) => s.status === 'rejected' && (s.reason as NetError).code === 'LVSD_NET_RESYNC').length;
  const answered = settled.filter((s) => s.status === 'fulfilled' && s.value === false).length;
  const other = settled.filter((s) => !(s.status === 'fulfilled' && s.value === false) && !(s.status === 'rejected' && (s.reason as NetError).code === 'LVSD_NET_RESYNC'));
  assert.deepEqual(other, [], 'every request is either answered ("not there") or failed as lost');
  assert.ok(resync > 0, `the buffer overflowed (${answered} answered, ${resync} lost)`);
  assert.ok(lost.length > 0 && lost.every((e) => (e as NodeJS.ErrnoException).code === 'ENOBUFS'), `lost: ${lost.map((e) => e.message).join('; ')}`);
  assert.ok(ms < 5000, `settled before the deadline (${ms.toFixed(0)} ms)`);
  assert.equal(m.socket.counters.timeouts, 0);
  // The same socket still works.
  assert.equal(await m.add({ ifname: 'eth0', address: '10.69.9.9', prefix: 32 }), true);
  process.stderr.write(`# overflow: ${answered} answered, ${resync} lost (ENOBUFS x${lost.length}) in ${ms.toFixed(0)} ms\n`);
});
