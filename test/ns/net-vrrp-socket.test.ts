// Namespace tests of the VRRP raw sockets: two hosts and an observer on one bridge; what one
// sends the other receives with the TTL / Hop Limit, source, destination and interface the
// runtime needs for RFC 5798 §7.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lab } from '../lab/netns.js';
import { ipv4Packets } from '../lab/pcap.js';
import { requireRoot } from '../util/env.js';
import { LinuxVrrpSocketFactory, type LinuxVrrpSocket } from '../../src/net/vrrp-socket.js';
import type { ReceivedPacket } from '../../src/net/ports.js';
import { NetError } from '../../src/net/errors.js';
import { encodeAdvert, decodeAdvert } from '../../src/vrrp/codec.js';
import { VrrpDecodeError } from '../../src/vrrp/errors.js';
import type { Host } from '../lab/netns.js';
import { waitFor } from '../lab/proc.js';

const TOOLS = ['ip', 'tcpdump'];

/** Resolves with the next `n` packets on `s`, or rejects after `ms`. */
function nextPackets(s: LinuxVrrpSocket, n = 1, ms = 3000): Promise<ReceivedPacket[]> {
  return new Promise((resolve, reject) => {
    const got: ReceivedPacket[] = [];
    const timer = setTimeout(() => reject(new Error(`${s.ifname}/${s.family}: ${got.length}/${n} packets after ${ms} ms`)), ms);
    s.onPacket((p) => {
      got.push(p);
      if (got.length === n) {
        clearTimeout(timer);
        resolve(got);
      }
    });
  });
}

async function ifindexOf(h: Host, ifname: string): Promise<number> {
  const r = await h.exec(['ip', '-j', 'link', 'show', 'dev', ifname]);
  return (JSON.parse(r.stdout) as { ifindex: number }[])[0]!.ifindex;
}

/** IPv6 on a link is usable once addrconf has added the ff00::/8 route (shortly after carrier). */
async function ipv6Ready(h: Host, ifname: string): Promise<void> {
  const ok = await waitFor(async () => (await h.exec(['ip', '-6', 'route', 'show', 'table', 'local', 'dev', ifname])).stdout.includes('ff00::/8'), 5000, 20);
  assert.ok(ok, `${h.name}: no IPv6 multicast route on ${ifname} after 5 s`);
}

type T = { after(fn: () => Promise<void> | void): void; name?: string };

/** Opens a socket in `h` that is closed when the test ends, pass or fail. */
function open(t: T, h: Host, family: 4 | 6): LinuxVrrpSocket {
  const s = new LinuxVrrpSocketFactory({ netns: h.ns }).open('eth0', family);
  t.after(() => s.close());
  return s;
}

async function pair(t: T) {
  const lab = Lab.forTest(t, 'vrrpsock');
  await lab.build({
    hosts: [{ name: 'a' }, { name: 'b' }, { name: 'obs' }],
    lans: [
      {
        name: 'lan',
        members: [
          { host: 'a', ifname: 'eth0', addrs: ['10.66.0.1/24', '10.66.0.11/24', 'fe80::a/64', '2001:db8:66::a/64'] },
          { host: 'b', ifname: 'eth0', addrs: ['10.66.0.2/24', 'fe80::b/64', '2001:db8:66::b/64'] },
          { host: 'obs', ifname: 'eth0', addrs: ['10.66.0.250/24'] },
        ],
      },
    ],
  });
  await Promise.all([ipv6Ready(lab.host('a'), 'eth0'), ipv6Ready(lab.host('b'), 'eth0')]);
  return { lab, a: lab.host('a'), b: lab.host('b'), obs: lab.host('obs') };
}

test('IPv4: an advert to 224.0.0.18 arrives with TTL 255, source, destination and ingress interface; no loopback to the sender', { timeout: 60_000 }, async (t) => {
  if (!requireRoot(t, TOOLS)) return;
  const { a, b, obs } = await pair(t);
  const sa = open(t, a, 4);
  const sb = open(t, b, 4);
  {
    sa.join('224.0.0.18');
    sb.join('224.0.0.18');
    assert.equal(sb.ifindex, await ifindexOf(b, 'eth0'));
    const cap = await obs.capture('eth0', 'ip proto 112');
    const selfSeen: ReceivedPacket[] = [];
    sa.onPacket((p) => selfSeen.push(p));
    const advert = Buffer.from(
      encodeAdvert({ version: 3, vrid: 51, priority: 150, adverIntCs: 100, addresses: ['10.66.0.100'] }, { family: 'ipv4', src: '10.66.0.1', dst: '224.0.0.18' }),
    );
    const wait = nextPackets(sb);
    sa.send('224.0.0.18', advert);
    const [p] = await wait;
    assert.equal(p!.ttl, 255);
    assert.equal(p!.src, '10.66.0.1');
    assert.equal(p!.dst, '224.0.0.18');
    assert.equal(p!.ifindex, sb.ifindex);
    assert.equal(p!.ifname, 'eth0');
    assert.equal(p!.family, 4);
    assert.deepEqual(p!.payload, advert);
    const d = decodeAdvert(p!.payload, { family: 'ipv4', src: p!.src, dst: p!.dst });
    assert.deepEqual([d.vrid, d.priority, d.addresses], [51, 150, ['10.66.0.100']]);
    // The wire: what the observer captured has TTL 255 and the same VRRP bytes.
    await new Promise((r) => setTimeout(r, 200));
    const wire = ipv4Packets(await cap.stop()).filter((x) => x.protocol === 112);
    assert.equal(wire.length, 1);
    assert.equal(wire[0]!.ttl, 255);
    assert.equal(wire[0]!.dst, '224.0.0.18');
    assert.deepEqual(Buffer.from(wire[0]!.payload), advert);
    assert.deepEqual(selfSeen, [], 'IP_MULTICAST_LOOP is off: the sender does not hear itself');
  }
});

test('IPv4: unicast from a chosen source, and a TTL override (64) that the receiver sees as such', { timeout: 60_000 }, async (t) => {
  if (!requireRoot(t, TOOLS)) return;
  const { a, b } = await pair(t);
  const sa = open(t, a, 4);
  const sb = open(t, b, 4);
  {
    const payload = Buffer.from(
      encodeAdvert({ version: 3, vrid: 7, priority: 100, adverIntCs: 100, addresses: ['10.66.0.100'] }, { family: 'ipv4', src: '10.66.0.11', dst: '10.66.0.2' }),
    );
    let wait = nextPackets(sb);
    sa.send('10.66.0.2', payload, '10.66.0.11');
    let [p] = await wait;
    assert.deepEqual([p!.src, p!.dst, p!.ttl], ['10.66.0.11', '10.66.0.2', 255]);
    assert.doesNotThrow(() => decodeAdvert(p!.payload, { family: 'ipv4', src: p!.src, dst: p!.dst }));
    wait = nextPackets(sb);
    sa.sendWith('10.66.0.2', payload, { src: '10.66.0.1', ttl: 64 });
    [p] = await wait;
    assert.deepEqual([p!.src, p!.ttl], ['10.66.0.1', 64]);
    // A source that is not ours is refused by the kernel, as a SysError naming the syscall.
    assert.throws(() => sa.send('10.66.0.2', payload, '10.66.0.99'), (e: NodeJS.ErrnoException) => e.syscall === 'sendmsg' && ['EINVAL', 'EADDRNOTAVAIL', 'ENETUNREACH'].includes(e.code!));
  }
});

test('IPv6: ff02::12 from a link-local source arrives with Hop Limit 255 (IPV6_HOPLIMIT), destination and interface (IPV6_PKTINFO); Hop Limit 64 is reported as 64', { timeout: 60_000 }, async (t) => {
  if (!requireRoot(t, TOOLS)) return;
  const { a, b } = await pair(t);
  const sa = open(t, a, 6);
  const sb = open(t, b, 6);
  {
    sb.join('ff02::12');
    assert.deepEqual(sb.joined(), ['ff02::12']);
    const advert = Buffer.from(
      encodeAdvert({ version: 3, vrid: 51, priority: 200, adverIntCs: 100, addresses: ['2001:db8:66::100'] }, { family: 'ipv6', src: 'fe80::a', dst: 'ff02::12' }),
    );
    let wait = nextPackets(sb);
    sa.send('ff02::12', advert, 'fe80::a');
    let [p] = await wait;
    assert.deepEqual([p!.src, p!.dst, p!.ttl, p!.ifindex, p!.family], ['fe80::a', 'ff02::12', 255, await ifindexOf(b, 'eth0'), 6]);
    assert.deepEqual(p!.payload, advert);
    assert.equal(decodeAdvert(p!.payload, { family: 'ipv6', src: p!.src, dst: p!.dst }).priority, 200);

    wait = nextPackets(sb);
    sa.sendWith('ff02::12', advert, { src: 'fe80::a', ttl: 64 });
    [p] = await wait;
    assert.equal(p!.ttl, 64, 'the runtime must see 64 to drop it (RFC 5798 §7.1)');

    // Global unicast, source chosen.
    const uni = Buffer.from(
      encodeAdvert({ version: 3, vrid: 9, priority: 10, adverIntCs: 100, addresses: ['2001:db8:66::100'] }, { family: 'ipv6', src: '2001:db8:66::a', dst: '2001:db8:66::b' }),
    );
    wait = nextPackets(sb);
    sa.send('2001:db8:66::b', uni, '2001:db8:66::a');
    [p] = await wait;
    assert.deepEqual([p!.src, p!.dst, p!.ttl], ['2001:db8:66::a', '2001:db8:66::b', 255]);
  }
});

test('IPv6: the kernel does not check VRRP checksums, so a corrupt one reaches the codec and is counted', { timeout: 60_000 }, async (t) => {
  if (!requireRoot(t, TOOLS)) return;
  const { a, b } = await pair(t);
  const sa = open(t, a, 6);
  const sb = open(t, b, 6);
  {
    sb.join('ff02::12');
    const bad = Buffer.from(
      encodeAdvert({ version: 3, vrid: 51, priority: 200, adverIntCs: 100, addresses: ['2001:db8:66::100'] }, { family: 'ipv6', src: 'fe80::a', dst: 'ff02::12' }),
    );
    bad[7] = bad[7]! ^ 0xff;
    const wait = nextPackets(sb);
    sa.send('ff02::12', bad, 'fe80::a');
    const [p] = await wait;
    assert.throws(
      () => decodeAdvert(p!.payload, { family: 'ipv6', src: p!.src, dst: p!.dst }),
      (e: unknown) => e instanceof VrrpDecodeError && e.code === 'bad_checksum' && e.counter === 'chk_err',
    );
  }
});

test('errors: no such interface is a typed error; sending on a downed link throws the errno from sendmsg; close is idempotent', { timeout: 60_000 }, async (t) => {
  if (!requireRoot(t, TOOLS)) return;
  const { a } = await pair(t);
  assert.throws(() => new LinuxVrrpSocketFactory({ netns: a.ns }).open('nope0', 4), (e: unknown) => e instanceof NetError && e.code === 'LVSD_NET_NO_INTERFACE');
  assert.throws(() => new LinuxVrrpSocketFactory({ netns: `${a.ns}-gone` }).open('eth0', 4), (e: unknown) => e instanceof NetError && e.code === 'LVSD_NET_NO_NAMESPACE');
  assert.throws(() => new LinuxVrrpSocketFactory({ netns: '../etc' }).open('eth0', 4), (e: unknown) => e instanceof NetError && e.code === 'LVSD_NET_BAD_ARGUMENT');
  const s = open(t, a, 4);
  await a.ip('link set eth0 down');
  // The route went with the link: the kernel says ENETUNREACH (ENETDOWN when a route is left).
  assert.throws(
    () => s.send('224.0.0.18', Buffer.alloc(16)),
    (e: NodeJS.ErrnoException) => ['ENETUNREACH', 'ENETDOWN'].includes(e.code!) && e.syscall === 'sendmsg' && typeof e.errno === 'number' && e.errno < 0,
  );
  s.close();
  s.close();
  assert.throws(() => s.send('224.0.0.18', Buffer.alloc(16)), (e: unknown) => e instanceof NetError && e.code === 'LVSD_NET_CLOSED');
});
