// Namespace tests of the Announcer: a gratuitous ARP / unsolicited NA from one host moves the
// peer's existing neighbour entry for the virtual address to the announcing MAC (the failover
// case), and the frame on the wire is byte for byte the one frames.ts builds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lab, type Host } from '../lab/netns.js';
import { waitFor } from '../lab/proc.js';
import { requireRoot } from '../util/env.js';
import { PacketAnnouncer } from '../../src/net/announce.js';
import { garpFrame, parseMac, unsolicitedNaFrame } from '../../src/net/frames.js';
import { NetError } from '../../src/net/errors.js';

const OLD_MAC = '02:00:00:00:00:99';

type T = { after(fn: () => Promise<void> | void): void; name?: string };

async function macOf(h: Host, ifname: string): Promise<string> {
  const r = await h.exec(['ip', '-j', 'link', 'show', 'dev', ifname]);
  return (JSON.parse(r.stdout) as { address: string }[])[0]!.address;
}

async function neigh(h: Host, addr: string): Promise<{ lladdr?: string; state?: string[]; router?: null } | undefined> {
  const r = await h.exec(['ip', '-j', 'neigh', 'show', addr, 'dev', 'eth0']);
  return (JSON.parse(r.stdout || '[]') as { lladdr?: string; state?: string[]; router?: null }[])[0];
}

async function lan(t: T) {
  const lab = Lab.forTest(t, 'announce');
  await lab.build({
    hosts: [{ name: 'a' }, { name: 'b' }],
    lans: [
      {
        name: 'lan',
        members: [
          { host: 'a', ifname: 'eth0', addrs: ['10.71.0.1/24', '10.71.0.100/24', '2001:db8:71::1/64', '2001:db8:71::100/64'] },
          { host: 'b', ifname: 'eth0', addrs: ['10.71.0.2/24', '2001:db8:71::2/64'] },
        ],
      },
    ],
  });
  const a = lab.host('a');
  const b = lab.host('b');
  const ann = new PacketAnnouncer({ netns: a.ns });
  t.after(() => ann.close());
  return { a, b, ann, aMac: await macOf(a, 'eth0') };
}

test('gratuitous ARP: the peer entry for the VIP moves to our MAC; the wire frame is the RFC 5227 announcement we built', { timeout: 60_000 }, async (t) => {
  if (!requireRoot(t, ['ip', 'tcpdump'])) return;
  const { b, ann, aMac } = await lan(t);
  await b.ip(`neigh replace 10.71.0.100 lladdr ${OLD_MAC} dev eth0 nud stale`);
  assert.equal((await neigh(b, '10.71.0.100'))?.lladdr, OLD_MAC);
  const cap = await b.capture('eth0', 'arp');
  assert.equal(ann.macOf('eth0'), aMac);
  ann.garp('eth0', '10.71.0.100');
  const moved = await waitFor(async () => (await neigh(b, '10.71.0.100'))?.lladdr === aMac, 3000, 20);
  assert.ok(moved, `b's entry for 10.71.0.100 is ${JSON.stringify(await neigh(b, '10.71.0.100'))}, wanted ${aMac}`);
  await new Promise((r) => setTimeout(r, 100));
  const frames = (await cap.stop()).packets.map((p) => p.data);
  const want = Buffer.from(garpFrame(parseMac(aMac), '10.71.0.100'));
  assert.ok(frames.some((f) => f.equals(want)), `captured ${frames.map((f) => f.toString('hex')).join(', ')}`);
  assert.equal(ann.counters.garp, 1);

  // With an explicit MAC (a VMAC, say) that MAC is announced.
  ann.garp('eth0', '10.71.0.100', '02:aa:bb:cc:dd:ee');
  assert.ok(await waitFor(async () => (await neigh(b, '10.71.0.100'))?.lladdr === '02:aa:bb:cc:dd:ee', 3000, 20));
});

test('unsolicited NA: Override moves the peer entry to our MAC (the kernel accepted checksum and Hop Limit); Router flag as asked; wire bytes as built', { timeout: 60_000 }, async (t) => {
  if (!requireRoot(t, ['ip', 'tcpdump'])) return;
  const { b, ann, aMac } = await lan(t);
  await b.ip(`neigh replace 2001:db8:71::100 lladdr ${OLD_MAC} dev eth0 nud stale`);
  const cap = await b.capture('eth0', 'icmp6 and ip6[40] == 136');
  ann.unsolicitedNa('eth0', '2001:db8:71::100');
  const moved = await waitFor(async () => (await neigh(b, '2001:db8:71::100'))?.lladdr === aMac, 3000, 20);
  assert.ok(moved, `b's entry is ${JSON.stringify(await neigh(b, '2001:db8:71::100'))}, wanted ${aMac}`);
  assert.equal((await neigh(b, '2001:db8:71::100'))?.router, undefined, 'no Router flag');
  await new Promise((r) => setTimeout(r, 100));
  const frames = (await cap.stop()).packets.map((p) => p.data);
  const want = Buffer.from(unsolicitedNaFrame(parseMac(aMac), '2001:db8:71::100'));
  assert.ok(frames.some((f) => f.equals(want)), `captured ${frames.map((f) => f.toString('hex')).join(', ')}`);

  await b.ip(`neigh replace 2001:db8:71::100 lladdr ${OLD_MAC} dev eth0 nud stale`);
  ann.unsolicitedNa('eth0', '2001:db8:71::100', true);
  assert.ok(
    await waitFor(async () => {
      const n = await neigh(b, '2001:db8:71::100');
      return n?.lladdr === aMac && n.router === null;
    }, 3000, 20),
    `with router=true: ${JSON.stringify(await neigh(b, '2001:db8:71::100'))}`,
  );
});

test('announcer errors are typed: unknown interface, bad address, bad MAC, downed link', { timeout: 60_000 }, async (t) => {
  if (!requireRoot(t, ['ip'])) return;
  const { a, ann } = await lan(t);
  assert.throws(() => ann.garp('nope0', '10.71.0.100'), (e: unknown) => e instanceof NetError && e.code === 'LVSD_NET_NO_INTERFACE');
  assert.throws(() => ann.garp('eth0', '2001:db8::1'), (e: unknown) => e instanceof Error && /IPv4/.test(e.message));
  assert.throws(() => ann.garp('eth0', '10.71.0.100', '01:00:5e:00:00:01'), (e: unknown) => e instanceof NetError && e.code === 'LVSD_NET_BAD_ARGUMENT');
  assert.throws(() => ann.unsolicitedNa('eth0', 'ff02::1'), (e: unknown) => e instanceof NetError && e.code === 'LVSD_NET_BAD_ARGUMENT');
  await a.ip('link set eth0 down');
  assert.throws(() => ann.garp('eth0', '10.71.0.100'), (e: NodeJS.ErrnoException) => e.code === 'ENETDOWN' && e.syscall === 'sendmsg');
});
