// Namespace tests of the rtnetlink LinkMonitor: the first dump, up/down within 100 ms, carrier
// loss from the peer, links that come, go and are renamed, and a receive-buffer overflow that
// ends in a resync with the right table, not a crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lab, type Host } from '../lab/netns.js';
import { waitFor } from '../lab/proc.js';
import { requireRoot } from '../util/env.js';
import { RtnlLinkMonitor } from '../../src/net/links.js';
import type { LinkState } from '../../src/net/ports.js';

type T = { after(fn: () => Promise<void> | void): void; name?: string };

async function setup(t: T, opts: { recvBuffer?: number } = {}) {
  const lab = Lab.forTest(t, 'links');
  await lab.build({
    hosts: [{ name: 'a' }, { name: 'b' }],
    links: [[{ host: 'a', ifname: 'eth0', addrs: ['10.72.0.1/24'] }, { host: 'b', ifname: 'eth0', addrs: ['10.72.0.2/24'] }]],
  });
  const a = lab.host('a');
  const mon = await RtnlLinkMonitor.open({ netns: a.ns, ...opts });
  t.after(() => mon.close());
  const changes: (LinkState & { at: number })[] = [];
  mon.onChange((s) => changes.push({ ...s, at: performance.now() }));
  return { lab, a, b: lab.host('b'), mon, changes };
}

async function ipLink(h: Host, ifname: string): Promise<{ ifindex: number; address: string; flags: string[] }> {
  const r = await h.exec(['ip', '-j', 'link', 'show', 'dev', ifname]);
  return (JSON.parse(r.stdout) as { ifindex: number; address: string; flags: string[] }[])[0]!;
}

/** Runs `ip -n NS -b` lines and returns when the first change for `ifname` with `up` arrives: ms from start. */
async function timeChange(h: Host, lines: string[], changes: (LinkState & { at: number })[], ifname: string, up: boolean): Promise<number> {
  const from = changes.length;
  const t0 = performance.now();
  await h.ip(lines);
  const ok = await waitFor(() => changes.slice(from).some((c) => c.ifname === ifname && c.up === up), 2000, 2);
  assert.ok(ok, `no ${ifname} up=${up} change after ${lines.join('; ')}: ${JSON.stringify(changes.slice(from))}`);
  return changes.slice(from).find((c) => c.ifname === ifname && c.up === up)!.at - t0;
}

test('first dump: eth0 and lo with index, MAC and up state as ip link shows them', { timeout: 60_000 }, async (t) => {
  if (!requireRoot(t, ['ip'])) return;
  const { a, mon, changes } = await setup(t);
  const eth = await ipLink(a, 'eth0');
  assert.deepEqual(mon.get('eth0'), { ifname: 'eth0', ifindex: eth.ifindex, up: true, mac: eth.address });
  assert.equal(mon.get('lo')?.up, true);
  assert.equal(mon.get('lo')?.ifindex, 1);
  assert.equal(mon.get('nope0'), undefined);
  assert.deepEqual(mon.list().map((s) => s.ifname).sort(), ['eth0', 'lo']);
  assert.deepEqual(changes, [], 'no change events for the initial table after open()');
});

test('ip link set dev eth0 down / up is seen within 100 ms; carrier loss at the peer makes it down too', { timeout: 60_000 }, async (t) => {
  if (!requireRoot(t, ['ip'])) return;
  const { a, b, mon, changes } = await setup(t);
  const downMs = await timeChange(a, ['link set dev eth0 down'], changes, 'eth0', false);
  assert.equal(mon.get('eth0')?.up, false);
  const upMs = await timeChange(a, ['link set dev eth0 up'], changes, 'eth0', true);
  assert.equal(mon.get('eth0')?.up, true);
  assert.ok(downMs < 100 && upMs < 100, `down seen after ${downMs.toFixed(1)} ms, up after ${upMs.toFixed(1)} ms (from starting ip)`);
  // The peer goes down: our eth0 stays administratively up but loses carrier (no IFF_RUNNING).
  const carrierMs = await timeChange(b, ['link set dev eth0 down'], changes, 'eth0', false);
  assert.ok((await ipLink(a, 'eth0')).flags.includes('UP'));
  assert.equal(mon.get('eth0')?.up, false);
  await timeChange(b, ['link set dev eth0 up'], changes, 'eth0', true);
  process.stderr.write(`# link events: down ${downMs.toFixed(1)} ms, up ${upMs.toFixed(1)} ms, peer carrier loss ${carrierMs.toFixed(1)} ms (from spawning ip)\n`);
});

test('links that are added, renamed and deleted', { timeout: 60_000 }, async (t) => {
  if (!requireRoot(t, ['ip'])) return;
  const { a, mon, changes } = await setup(t);
  await a.ip(['link add v9a type veth peer name v9b', 'link set v9a up', 'link set v9b up']);
  assert.ok(await waitFor(() => mon.get('v9a')?.up === true && mon.get('v9b')?.up === true, 2000, 5), JSON.stringify(mon.list()));
  const idx = mon.get('v9a')!.ifindex;
  assert.equal(idx, (await ipLink(a, 'v9a')).ifindex);
  await a.ip(['link set v9a down', 'link set v9a name v9x', 'link set v9x up']);
  assert.ok(await waitFor(() => mon.get('v9x')?.up === true, 2000, 5));
  assert.equal(mon.get('v9x')!.ifindex, idx);
  assert.equal(mon.get('v9a'), undefined);
  assert.ok(changes.some((c) => c.ifname === 'v9a' && c.up === false), 'the old name was reported gone');
  await a.ip(['link del v9x']);
  assert.ok(await waitFor(() => mon.get('v9x') === undefined && mon.get('v9b') === undefined, 2000, 5));
  assert.ok(changes.some((c) => c.ifname === 'v9b' && c.up === false));
  assert.deepEqual(mon.list().map((s) => s.ifname).sort(), ['eth0', 'lo']);
});

test('an event flood while the event loop is blocked overflows the buffer (ENOBUFS): the monitor reads the table again and ends right', { timeout: 120_000 }, async (t) => {
  if (!requireRoot(t, ['ip'])) return;
  const { lab, a, mon } = await setup(t, { recvBuffer: 64 * 1024 });
  const n = 300;
  const add = join(lab.dir, 'add.ip');
  const del = join(lab.dir, 'del.ip');
  writeFileSync(add, Array.from({ length: n }, (_, i) => `link add f${i}a type veth peer name f${i}b`).join('\n') + '\n');
  writeFileSync(del, Array.from({ length: n }, (_, i) => `link del f${i}a`).join('\n') + '\n');
  const t0 = performance.now();
  execFileSync('ip', ['-n', a.ns, '-b', add]); // blocks this event loop while the kernel sends 600+ events
  const blockedMs = performance.now() - t0;
  assert.ok(await waitFor(() => mon.list().length === 2 + 2 * n, 10_000, 10), `table has ${mon.list().length} links, want ${2 + 2 * n}`);
  assert.ok(mon.counters.resyncs >= 1, `expected an overflow and a resync: ${JSON.stringify(mon.counters)}`);
  assert.equal(mon.get(`f${n - 1}b`)?.ifindex, (await ipLink(a, `f${n - 1}b`)).ifindex);
  const resyncs = mon.counters.resyncs;
  execFileSync('ip', ['-n', a.ns, '-b', del]);
  assert.ok(await waitFor(() => mon.list().length === 2, 10_000, 10), `table has ${mon.list().length} links after deleting, want 2`);
  assert.ok(mon.counters.resyncs > resyncs, 'the second flood overflowed too');
  process.stderr.write(`# flood: ${2 * n} links added in ${blockedMs.toFixed(0)} ms with the loop blocked; counters ${JSON.stringify(mon.counters)}\n`);
});
