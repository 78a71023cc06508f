// Namespace tests of the lab itself: hosts, links, sysctls, processes, captures and teardown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readlinkSync } from 'node:fs';
import { Lab, listNamespaces } from '../lab/netns.js';
import { ipv4Packets } from '../lab/pcap.js';
import { pidsInGroup, waitFor } from '../lab/proc.js';
import { requireRoot } from '../util/env.js';

test('two hosts on a veth pair reach each other; sysctls land in the right namespace', async (t) => {
  if (!requireRoot(t, ['ip', 'busybox'])) return;
  const lab = Lab.forTest(t, 'basics');
  await lab.build({
    hosts: [{ name: 'a', sysctls: { 'net.ipv4.ip_forward': 1 } }, { name: 'b' }],
    links: [[{ host: 'a', ifname: 'eth0', addrs: ['10.9.0.1/24'] }, { host: 'b', ifname: 'eth0', addrs: ['10.9.0.2/24'] }]],
  });
  const a = lab.host('a');
  const b = lab.host('b');
  assert.deepEqual(
    (await a.addrs('eth0')).filter((x) => x.family === 'inet').map((x) => `${x.local}/${x.prefixlen}`),
    ['10.9.0.1/24'],
  );
  assert.equal(await a.readSysctl('net.ipv4.ip_forward'), '1');
  assert.equal(await b.readSysctl('net.ipv4.ip_forward'), '0');
  const ping = await a.exec(['busybox', 'ping', '-c', '1', '-W', '2', '10.9.0.2'], { allowFail: true });
  assert.equal(ping.code, 0, ping.stdout + ping.stderr);
  assert.equal(await b.hasAddr('10.9.0.1'), false);
});

test('spawn runs inside the host, in its own process group; killGroup ends the whole group', async (t) => {
  if (!requireRoot(t, ['ip'])) return;
  const lab = Lab.forTest(t, 'spawn');
  await lab.build({ hosts: [{ name: 'h' }] });
  const h = lab.host('h');
  const p = h.spawn(['sh', '-c', 'sleep 60 & echo child $!; exec sleep 61']);
  const line = await p.waitForLine(/^child \d+$/, 5000);
  const child = Number(line.split(' ')[1]);
  assert.equal(p.pgid, p.pid);
  assert.ok(await waitFor(() => pidsInGroup(p.pgid).length === 2, 3000), `group ${pidsInGroup(p.pgid).join(',')}`);
  // The process lives in the lab namespace, not in ours.
  const inside = (await h.exec(['readlink', '/proc/self/ns/net'])).stdout.trim();
  assert.equal(readlinkSync(`/proc/${p.pid}/ns/net`), inside);
  assert.notEqual(readlinkSync('/proc/self/ns/net'), inside);
  p.killGroup('SIGKILL');
  const st = await p.exited;
  assert.equal(st.signal, 'SIGKILL');
  assert.ok(await waitFor(() => pidsInGroup(p.pgid).length === 0, 3000), `child ${child} survived`);
});

test('a capture sees the ICMP echo with its TTL, source and destination', async (t) => {
  if (!requireRoot(t, ['ip', 'busybox', 'tcpdump'])) return;
  const lab = Lab.forTest(t, 'capture');
  await lab.build({
    hosts: [{ name: 'a' }, { name: 'b' }, { name: 'obs' }],
    lans: [{ name: 'lan', members: [
      { host: 'a', ifname: 'eth0', addrs: ['10.9.1.1/24'] },
      { host: 'b', ifname: 'eth0', addrs: ['10.9.1.2/24'] },
      { host: 'obs', ifname: 'eth0', addrs: ['10.9.1.3/24'] },
    ] }],
  });
  const cap = await lab.host('b').capture('eth0', 'icmp');
  await lab.host('a').exec(['busybox', 'ping', '-c', '2', '-i', '0.2', '-t', '33', '10.9.1.2']);
  const file = await cap.stop();
  const echo = ipv4Packets(file).filter((p) => p.src === '10.9.1.1' && p.dst === '10.9.1.2');
  assert.equal(echo.length, 2);
  assert.equal(echo[0]!.ttl, 33);
  assert.equal(echo[0]!.protocol, 1);
  assert.equal(echo[0]!.payload[0], 8); // ICMP echo request
});

test('close() removes namespaces and kills processes even when the test body throws', async (t) => {
  if (!requireRoot(t, ['ip'])) return;
  const lab = Lab.create('teardown');
  let pgid = -1;
  await assert.rejects(
    (async () => {
      try {
        await lab.build({ hosts: [{ name: 'x' }, { name: 'y' }], lans: [{ name: 'l', members: [{ host: 'x', ifname: 'e0' }, { host: 'y', ifname: 'e0' }] }] });
        const p = lab.host('x').spawn(['sh', '-c', 'sleep 100 & sleep 100']);
        pgid = p.pgid;
        assert.ok(await waitFor(() => pidsInGroup(pgid).length >= 2, 3000));
        throw new Error('test body failed');
      } finally {
        await lab.close();
      }
    })(),
    /test body failed/,
  );
  assert.ok(pgid > 0);
  assert.deepEqual(pidsInGroup(pgid), []);
  assert.deepEqual((await listNamespaces()).filter((n) => n.startsWith(lab.prefix)), []);
  await assert.rejects(async () => lab.host('x').exec(['true']), /closed/);
});
