// Namespace tests of the VRRP raw sockets' timing aids: every packet says how long before its callback
// it arrived (rxAgeMs, from the kernel's SO_TIMESTAMPNS stamp), also when the event loop was busy at the
// time; and a dry send runs the whole send path except the system call (nothing reaches the wire).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lab, type Host } from '../lab/netns.js';
import { ipv4Packets } from '../lab/pcap.js';
import { requireRoot } from '../util/env.js';
import { LinuxVrrpSocketFactory, MAX_RX_AGE_MS, type LinuxVrrpSocket, type TimedReceivedPacket } from '../../src/net/vrrp-socket.js';
import { encodeAdvert } from '../../src/vrrp/codec.js';

const TOOLS = ['ip', 'tcpdump'];

type T = { after(fn: () => Promise<void> | void): void; name?: string; skip(m?: string): void };

function open(t: T, h: Host, family: 4 | 6): LinuxVrrpSocket {
  const s = new LinuxVrrpSocketFactory({ netns: h.ns }).open('eth0', family);
  t.after(() => s.close());
  return s;
}

function next(s: LinuxVrrpSocket, ms = 3000): Promise<TimedReceivedPacket> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${s.ifname}: no packet after ${ms} ms`)), ms);
    s.onPacket((p) => {
      clearTimeout(timer);
      resolve(p);
    });
  });
}

async function pair(t: T) {
  const lab = Lab.forTest(t, 'vrrpsock-timing');
  await lab.build({
    hosts: [{ name: 'a' }, { name: 'b' }, { name: 'obs' }],
    lans: [
      {
        name: 'lan',
        members: [
          { host: 'a', ifname: 'eth0', addrs: ['10.67.0.1/24'] },
          { host: 'b', ifname: 'eth0', addrs: ['10.67.0.2/24'] },
          { host: 'obs', ifname: 'eth0', addrs: ['10.67.0.250/24'] },
        ],
      },
    ],
  });
  return { a: lab.host('a'), b: lab.host('b'), obs: lab.host('obs') };
}

const advert = Buffer.from(encodeAdvert({ version: 3, vrid: 52, priority: 100, adverIntCs: 10, addresses: ['10.67.0.100'] }, { family: 'ipv4', src: '10.67.0.1', dst: '224.0.0.18' }));

test('rxAgeMs: the time since the kernel stamped the packet, including a busy event loop', { timeout: 60_000 }, async (t) => {
  if (!requireRoot(t, TOOLS)) return;
  const { a, b } = await pair(t);
  const sa = open(t, a, 4);
  const sb = open(t, b, 4);
  sb.join('224.0.0.18');
  let p = next(sb);
  sa.send('224.0.0.18', advert, '10.67.0.1');
  const quiet = await p;
  if (quiet.rxAgeMs === undefined) {
    const why = 'the native shim reports no ageNs (native/lvsd_net.c; run make build)';
    process.stderr.write(`# skipped: ${why}\n`);
    t.skip(why);
    return;
  }
  assert.ok(quiet.rxAgeMs >= 0 && quiet.rxAgeMs < 10, `idle loop: rxAgeMs ${quiet.rxAgeMs}`);
  // The packet arrives while the event loop is blocked for 20 ms: its callback comes late, its age says so.
  p = next(sb);
  sa.send('224.0.0.18', advert, '10.67.0.1');
  const until = performance.now() + 20;
  while (performance.now() < until) {
    // Blocking the loop, as a long callback would.
  }
  const late = await p;
  process.stderr.write(`# rxAgeMs: idle ${quiet.rxAgeMs.toFixed(3)} ms, after a 20 ms block ${late.rxAgeMs!.toFixed(3)} ms\n`);
  assert.ok(late.rxAgeMs! >= 19 && late.rxAgeMs! <= MAX_RX_AGE_MS, `rxAgeMs ${late.rxAgeMs} after a 20 ms block`);
});

test('a dry send runs the path but sends nothing; a real send afterwards goes out once', { timeout: 60_000 }, async (t) => {
  if (!requireRoot(t, TOOLS)) return;
  const { a, b, obs } = await pair(t);
  const sa = open(t, a, 4);
  const sb = open(t, b, 4);
  sb.join('224.0.0.18');
  const cap = await obs.capture('eth0', 'ip proto 112');
  const got: TimedReceivedPacket[] = [];
  sb.onPacket((p) => got.push(p));
  for (let i = 0; i < 5; i++) sa.send('224.0.0.18', advert, '10.67.0.1', true);
  assert.equal(sa.counters.sent, 0);
  // What a real send would reject, a dry one rejects too.
  assert.throws(() => sa.send('224.0.0.300', advert, '10.67.0.1', true), { code: 'LVSD_NET_BAD_ARGUMENT' });
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(got.length, 0, 'no packet from a dry send');
  sa.send('224.0.0.18', advert, '10.67.0.1');
  assert.equal(sa.counters.sent, 1);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(got.length, 1);
  assert.deepEqual(got[0]!.payload, advert);
  const wire = ipv4Packets(await cap.stop()).filter((x) => x.protocol === 112);
  assert.equal(wire.length, 1, 'exactly the one real advert on the wire');
  sa.close();
  assert.throws(() => sa.send('224.0.0.18', advert, '10.67.0.1', true), { code: 'LVSD_NET_CLOSED' });
});
