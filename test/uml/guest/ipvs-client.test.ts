// Guest tests (run inside UML by test/uml/ipvs-client.test.ts, in the guest's root namespace):
// lvsd's IPVS client and reconciler against a real kernel, with Debian's ipvsadm 1.31 as the
// reader and writer on the other side.
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { run } from '../../lab/proc.js';
import { IpvsClient, openIpvs } from '../../../src/ipvs/client.js';
import { diff, tableOf } from '../../../src/ipvs/diff.js';
import { IpvsKernelError, IpvsTimeoutError } from '../../../src/ipvs/errors.js';
import { formatSave } from '../../../src/ipvs/ipvsadm-format.js';
import { describeOp, type IpvsKernel, type IpvsOp } from '../../../src/ipvs/ops.js';
import { Reconciler } from '../../../src/ipvs/reconcile.js';
import { runIpvsadm } from '../../../src/cli/commands/ipvsadm.js';
import { ZERO_STATS, makeDest, makeService, type ServiceKey, type VirtualServer } from '../../../src/ipvs/types.js';
import * as C from '../../../src/ipvs/constants.js';

const NO_IPVS = existsSync('/proc/net/ip_vs') ? undefined : 'needs a kernel with IPVS: runs inside UML via test/uml/ipvs-client.test.js';

const execFileP = promisify(execFile);

/** ipvsadm's stdout, byte for byte (the lab's run() joins lines and drops the last newline). */
async function ipvsadm(...args: string[]): Promise<string> {
  return (await execFileP('ipvsadm', args, { encoding: 'utf8', maxBuffer: 64 << 20 })).stdout;
}

const tcp = (address: string, port = 80): ServiceKey => ({ kind: 'addr', family: 'ipv4', protocol: 'tcp', address, port });
const udp = (address: string, port: number): ServiceKey => ({ kind: 'addr', family: 'ipv4', protocol: 'udp', address, port });
const v4 = (a: string, port = 80, o: Parameters<typeof makeDest>[3] = {}) => makeDest('ipv4', a, port, o);

/** Every scheduler Linux 6.1 has, every forwarding method and tunnel type, fwmark, IPv6, persistence. */
function variedTable(): VirtualServer[] {
  return [
    { service: makeService(tcp('10.10.0.1'), { scheduler: 'rr' }), dests: [v4('10.10.1.1', 80, { forwarding: 'masq' }), v4('10.10.1.2', 8080, { forwarding: 'masq', weight: 2, upperThreshold: 100, lowerThreshold: 10 })] },
    { service: makeService(tcp('10.10.0.2'), { scheduler: 'wrr' }), dests: [v4('10.10.1.3', 80, { weight: 3 })] },
    { service: makeService(tcp('10.10.0.3'), { scheduler: 'lc' }), dests: [v4('10.10.1.4', 80, { forwarding: 'tunnel' })] },
    { service: makeService(tcp('10.10.0.4'), { scheduler: 'wlc' }), dests: [v4('10.10.1.5', 80, { forwarding: 'tunnel', tunnelType: 'gue', tunnelPort: 6080, tunnelFlags: C.IP_VS_TUNNEL_ENCAP_FLAG_CSUM })] },
    { service: makeService(tcp('10.10.0.5'), { scheduler: 'lblc' }), dests: [v4('10.10.1.6', 80, { forwarding: 'tunnel', tunnelType: 'gre', tunnelFlags: C.IP_VS_TUNNEL_ENCAP_FLAG_CSUM })] },
    { service: makeService(tcp('10.10.0.6'), { scheduler: 'lblcr', persistence: 300, netmask: '255.255.255.0' }), dests: [v4('10.10.1.7')] },
    { service: makeService(udp('10.10.0.7', 53), { scheduler: 'dh', onePacket: true }), dests: [v4('10.10.1.8', 53, { forwarding: 'masq' })] },
    { service: makeService(udp('10.10.0.8', 53), { scheduler: 'sh', schedFlags: ['sh-port', 'sh-fallback'] }), dests: [v4('10.10.1.9', 53)] },
    { service: makeService({ kind: 'addr', family: 'ipv4', protocol: 'sctp', address: '10.10.0.9', port: 3868 }, { scheduler: 'sed' }), dests: [v4('10.10.1.10', 3868)] },
    { service: makeService(tcp('10.10.0.10'), { scheduler: 'nq' }), dests: [v4('10.10.1.11')] },
    { service: makeService(tcp('10.10.0.11'), { scheduler: 'fo' }), dests: [v4('10.10.1.12', 80, { weight: 5 }), v4('10.10.1.13', 80, { weight: 9 })] },
    { service: makeService(tcp('10.10.0.12'), { scheduler: 'ovf' }), dests: [v4('10.10.1.14', 80, { upperThreshold: 50 })] },
    { service: makeService(tcp('10.10.0.13'), { scheduler: 'mh', schedFlags: ['mh-port', 'mh-fallback'] }), dests: [v4('10.10.1.15')] },
    { service: makeService(udp('10.10.0.14', 5060), { scheduler: 'rr', persistence: 60, pe: 'sip' }), dests: [v4('10.10.1.16', 5060, { forwarding: 'masq' })] },
    { service: makeService({ kind: 'fwmark', family: 'ipv4', fwmark: 7 }, { scheduler: 'wrr', persistence: 120 }), dests: [v4('10.10.1.17', 0)] },
    { service: makeService({ kind: 'fwmark', family: 'ipv6', fwmark: 8 }, { scheduler: 'rr', persistence: 30, netmask: 64 }), dests: [makeDest('ipv6', '2001:db8:2::1', 0)] },
    {
      service: makeService({ kind: 'addr', family: 'ipv6', protocol: 'tcp', address: '2001:db8::1', port: 443 }, { scheduler: 'wlc', persistence: 600, netmask: 96 }),
      dests: [
        makeDest('ipv6', '2001:db8:1::1', 443, { forwarding: 'masq' }),
        makeDest('ipv6', '2001:db8:1::2', 443, { forwarding: 'tunnel', tunnelType: 'gue', tunnelPort: 5555 }),
        v4('10.10.1.18', 443, { forwarding: 'tunnel' }), // IPv4 real server of an IPv6 service: tunnels only
      ],
    },
    { service: makeService(tcp('10.10.0.15'), { scheduler: 'rr' }), dests: [] }, // no destinations
  ];
}

/** An IpvsKernel that records what was applied, in front of the real client. */
function recording(k: IpvsClient): IpvsKernel & { applied: IpvsOp[][] } {
  const applied: IpvsOp[][] = [];
  return {
    applied,
    apply: (ops) => {
      applied.push([...ops]);
      return k.apply(ops);
    },
    info: () => k.info(),
    dumpServices: () => k.dumpServices(),
    dumpDests: (key) => k.dumpDests(key),
    dumpTable: () => k.dumpTable(),
    getService: (key) => k.getService(key),
    getTimeouts: () => k.getTimeouts(),
    setTimeouts: (x) => k.setTimeouts(x),
    daemons: () => k.daemons(),
    startDaemon: (d) => k.startDaemon(d),
    stopDaemon: (st) => k.stopDaemon(st),
    zero: (key) => k.zero(key),
    close: () => k.close(),
  };
}

const asDump = (t: VirtualServer[]) =>
  t.map((s) => ({ service: { ...s.service, stats: ZERO_STATS }, dests: s.dests.map((d) => ({ ...d, activeConns: 0, inactConns: 0, persistConns: 0, stats: ZERO_STATS })) }));

beforeEach(async () => {
  if (!NO_IPVS) await run(['ipvsadm', '-C']);
});

test('a varied table programmed by lvsd reads back with ipvsadm -S -n exactly as intended', async (t) => {
  if (NO_IPVS) return t.skip(NO_IPVS);
  const k = await openIpvs();
  try {
    const r = new Reconciler({ kernel: k, driftIntervalMs: 0 });
    const res = await r.setDesired(variedTable());
    assert.deepEqual(res.failed, []);
    assert.equal(res.ops.length, variedTable().reduce((n, s) => n + 1 + s.dests.length, 0));
    assert.equal(await ipvsadm('-S', '-n'), formatSave(asDump(variedTable())));
    // and lvsd's own dump is the same model
    assert.deepEqual(diff(tableOf(variedTable()), tableOf(await k.dumpTable()), new Set()), []);
  } finally {
    k.close();
  }
});

test('a table programmed with ipvsadm -R reads back in lvsd as the identical model', async (t) => {
  if (NO_IPVS) return t.skip(NO_IPVS);
  const rules = [
    '-A -t 10.20.0.1:80 -s wrr -p 90 -M 255.255.0.0',
    '-a -t 10.20.0.1:80 -r 10.20.1.1:8080 -m -w 4 -x 40 -y 4',
    '-a -t 10.20.0.1:80 -r 10.20.1.2:80 -g -w 0',
    '-A -u [2001:db8::5]:53 -s sh -b sh-port -o',
    '-a -u [2001:db8::5]:53 -r [2001:db8:1::9]:53 -i --tun-type gre --tun-nocsum -w 2',
    '-A -f 11 -6 -s mh -b mh-fallback',
    '-A -u 10.20.0.2:5060 -s nq -p 30 --pe sip',
    '-A --sctp-service 10.20.0.3:3868 -s sed',
  ];
  await run(['ipvsadm', '-R'], { input: `${rules.join('\n')}\n` });
  const k = await openIpvs();
  try {
    const got = await k.dumpTable();
    const want: VirtualServer[] = [
      { service: makeService(tcp('10.20.0.1'), { scheduler: 'wrr', persistence: 90, netmask: '255.255.0.0' }), dests: [v4('10.20.1.1', 8080, { forwarding: 'masq', weight: 4, upperThreshold: 40, lowerThreshold: 4 }), v4('10.20.1.2', 80, { weight: 0 })] },
      { service: makeService({ kind: 'addr', family: 'ipv6', protocol: 'udp', address: '2001:db8::5', port: 53 }, { scheduler: 'sh', schedFlags: ['sh-port'], onePacket: true }), dests: [makeDest('ipv6', '2001:db8:1::9', 53, { forwarding: 'tunnel', tunnelType: 'gre', weight: 2 })] },
      { service: makeService({ kind: 'fwmark', family: 'ipv6', fwmark: 11 }, { scheduler: 'mh', schedFlags: ['mh-fallback'] }), dests: [] },
      { service: makeService(udp('10.20.0.2', 5060), { scheduler: 'nq', persistence: 30, pe: 'sip' }), dests: [] },
      { service: makeService({ kind: 'addr', family: 'ipv4', protocol: 'sctp', address: '10.20.0.3', port: 3868 }, { scheduler: 'sed' }), dests: [] },
    ];
    const strip = (s: VirtualServer[]) => tableOf(s.map((x) => ({ service: { ...x.service, stats: undefined }, dests: x.dests.map((d) => ({ ...d, activeConns: undefined, inactConns: undefined, persistConns: undefined, stats: undefined })) })));
    assert.deepEqual(strip(got), strip(want));
  } finally {
    k.close();
  }
});

test('the kernel\'s refusals come back typed, with errno and the operation', async (t) => {
  if (NO_IPVS) return t.skip(NO_IPVS);
  const k = await openIpvs();
  try {
    const key = tcp('10.30.0.1');
    const [a, b, c, d, e] = await k.apply([
      { op: 'add-service', service: makeService(key, { scheduler: 'twos' }) }, // Linux 6.3+: ENOENT here
      { op: 'add-service', service: makeService(key, { scheduler: 'rr' }) },
      { op: 'add-service', service: makeService(key, { scheduler: 'rr' }) },
      { op: 'edit-dest', key, dest: v4('10.30.1.1') },
      { op: 'del-service', key: tcp('10.30.0.2') },
    ]);
    assert.equal(a!.error?.errnoName, 'ENOENT');
    assert.equal(a!.error?.message, 'NEW_SERVICE TCP 10.30.0.1:80: ENOENT (2)');
    assert.equal(b!.error, undefined);
    assert.equal(c!.error?.errnoName, 'EEXIST');
    assert.equal(d!.error?.errnoName, 'ENOENT');
    assert.equal(e!.error?.errnoName, 'ESRCH');
    assert.ok(e!.error instanceof IpvsKernelError);
    assert.equal(await k.getService(tcp('10.30.0.9')), undefined);
  } finally {
    k.close();
  }
});

test('thousands of refused operations on a small receive buffer: every error reported, no overflow', async (t) => {
  if (NO_IPVS) return t.skip(NO_IPVS);
  const k = await openIpvs({ recvBufferSize: 16384 });
  try {
    assert.ok(k.window <= 32, `window ${k.window} follows the small buffer`);
    const key = tcp('10.40.0.1');
    await k.apply([{ op: 'add-service', service: makeService(key) }, { op: 'add-dest', key, dest: v4('10.40.1.1') }]);
    const dup = Array.from({ length: 3000 }, (): IpvsOp => ({ op: 'add-dest', key, dest: v4('10.40.1.1') }));
    const res = await k.apply(dup);
    assert.equal(res.filter((r) => r.error?.errnoName === 'EEXIST').length, 3000);
    assert.equal(k.counters.resyncs, 0);
  } finally {
    k.close();
  }
});

test('a missed deadline fails the request, replaces the socket, and the client goes on', async (t) => {
  if (NO_IPVS) return t.skip(NO_IPVS);
  const family = await (async () => {
    const c = await openIpvs();
    c.close();
    return c.familyId;
  })();
  const k = new IpvsClient({ timeoutMs: 1, familyId: family });
  try {
    const ops: IpvsOp[] = [];
    for (let s = 0; s < 300; s++) {
      const key = tcp(`10.50.${s >> 8}.${s & 255}`);
      ops.push({ op: 'add-service', service: makeService(key) });
      for (let d = 1; d <= 10; d++) ops.push({ op: 'add-dest', key, dest: v4(`10.51.${d}.${(s & 250) + 1}`) });
    }
    await assert.rejects(k.apply(ops), IpvsTimeoutError);
    assert.ok(k.counters.resyncs >= 1);
  } finally {
    k.close();
  }
  const k2 = await openIpvs();
  try {
    assert.ok((await k2.dumpServices()).length > 0, 'part of it was applied: the caller must read the kernel again');
  } finally {
    k2.close();
  }
});

test('reconciler in the real kernel: from empty, partly matching, after ipvsadm -C, after an outside edit', async (t) => {
  if (NO_IPVS) return t.skip(NO_IPVS);
  const k = await openIpvs();
  const rec = recording(k);
  const A = tcp('10.60.0.1');
  const want = (w2: number): VirtualServer[] => [
    { service: makeService(A, { scheduler: 'wrr' }), dests: [v4('10.60.1.1'), v4('10.60.1.2', 80, { weight: w2 })] },
    { service: makeService(tcp('10.60.0.2'), { scheduler: 'rr' }), dests: [] },
  ];
  try {
    // partly matching: A exists (made by ipvsadm) with one right, one wrong, one extra destination
    await run(['ipvsadm', '-R'], {
      input: ['-A -t 10.60.0.1:80 -s wrr', '-a -t 10.60.0.1:80 -r 10.60.1.1:80 -g -w 1', '-a -t 10.60.0.1:80 -r 10.60.1.2:80 -g -w 9', '-a -t 10.60.0.1:80 -r 10.60.1.99:80 -g -w 1', '-A -t 10.60.0.9:80 -s rr', ''].join('\n'),
    });
    const r = new Reconciler({ kernel: rec, driftIntervalMs: 0 });
    await r.setDesired(want(2));
    assert.deepEqual(rec.applied.at(-1)!.map(describeOp), [
      'add-service TCP 10.60.0.2:80 (rr)',
      'edit-dest TCP 10.60.0.1:80 -> 10.60.1.2:80 (route, weight 2)',
      'del-dest TCP 10.60.0.1:80 -> 10.60.1.99:80',
    ]);
    const saved = await ipvsadm('-S', '-n');
    assert.match(saved, /-A -t 10\.60\.0\.9:80 -s rr\n/, 'the foreign service is left alone');
    // one weight change: one operation
    await r.setDesired(want(3));
    assert.deepEqual(rec.applied.at(-1)!.map(describeOp), ['edit-dest TCP 10.60.0.1:80 -> 10.60.1.2:80 (route, weight 3)']);
    // ipvsadm -C: everything of lvsd comes back
    await run(['ipvsadm', '-C']);
    await r.checkDrift();
    assert.deepEqual(rec.applied.at(-1)!.map(describeOp), [
      'add-service TCP 10.60.0.1:80 (wrr)',
      'add-dest TCP 10.60.0.1:80 -> 10.60.1.1:80 (route, weight 1)',
      'add-dest TCP 10.60.0.1:80 -> 10.60.1.2:80 (route, weight 3)',
      'add-service TCP 10.60.0.2:80 (rr)',
    ]);
    // an outside edit and an outside delete
    await run(['ipvsadm', '-e', '-t', '10.60.0.1:80', '-r', '10.60.1.1:80', '-g', '-w', '40']);
    await run(['ipvsadm', '-D', '-t', '10.60.0.2:80']);
    await r.checkDrift();
    assert.deepEqual(rec.applied.at(-1)!.map(describeOp), [
      'add-service TCP 10.60.0.2:80 (rr)',
      'edit-dest TCP 10.60.0.1:80 -> 10.60.1.1:80 (route, weight 1)',
    ]);
    const n = rec.applied.length;
    await r.checkDrift();
    assert.equal(rec.applied.length, n, 'nothing left to repair');
    // stop removes what lvsd owns, nothing else
    await run(['ipvsadm', '-A', '-t', '10.60.0.9:80', '-s', 'rr']);
    assert.deepEqual(await r.stop(), { removed: 2, left: [] });
    assert.equal(await ipvsadm('-S', '-n'), '-A -t 10.60.0.9:80 -s rr\n');
  } finally {
    k.close();
  }
});

test('lvsd ipvsadm prints what ipvsadm prints, for every listing form, on the varied table', async (t) => {
  if (NO_IPVS) return t.skip(NO_IPVS);
  const k = await openIpvs();
  try {
    await new Reconciler({ kernel: k, driftIntervalMs: 0 }).setDesired(variedTable());
  } finally {
    k.close();
  }
  await run(['ipvsadm', '--set', '901', '121', '301']);
  const forms = [
    ['-L', '-n'], ['-L', '-n', '--stats'], ['-L', '-n', '--stats', '--exact'], ['-L', '-n', '--rate'], ['-L', '-n', '--rate', '--exact'],
    ['-L', '-n', '--thresholds'], ['-L', '-n', '--persistent-conn'], ['-L', '-n', '--tun-info'], ['-L', '-n', '--nosort'],
    ['-L', '-n', '-t', '10.10.0.1:80'], ['-L', '-n', '-u', '10.10.0.8:53', '--stats'], ['-L', '-n', '-f', '8', '-6'],
    ['-L', '-n', '-t', '[2001:db8::1]:443', '--thresholds'], ['-S', '-n'], ['-L', '--timeout'], ['-L', '--daemon'], ['-L', '-n', '-c'],
  ];
  for (const f of forms) {
    const out: string[] = [];
    const code = await runIpvsadm(f, { out: (s) => out.push(s), err: (s) => out.push(s) });
    assert.equal(code, 0, f.join(' '));
    assert.equal(out.join(''), await ipvsadm(...f), `lvsd ipvsadm ${f.join(' ')}`);
  }
});

test('timeouts and the connection sync daemon through lvsd, read back by ipvsadm', async (t) => {
  if (NO_IPVS) return t.skip(NO_IPVS);
  await run(['ip', 'link', 'add', 'lvsdsync0', 'type', 'veth', 'peer', 'name', 'lvsdsync1']);
  const k = await openIpvs();
  try {
    await run(['ip', 'link', 'set', 'lvsdsync0', 'up']);
    await run(['ip', 'link', 'set', 'lvsdsync1', 'up']);
    await k.setTimeouts({ tcp: 1800, tcpFin: 60, udp: 120 });
    assert.deepEqual(await k.getTimeouts(), { tcp: 1800, tcpFin: 60, udp: 120 });
    assert.equal(await ipvsadm('-L', '--timeout'), 'Timeout (tcp tcpfin udp): 1800 60 120\n');
    await k.startDaemon({ state: 'master', mcastIfn: 'lvsdsync0', syncId: 9 });
    await k.startDaemon({ state: 'backup', mcastIfn: 'lvsdsync1', syncId: 10, mcastGroup: '239.5.5.5', mcastPort: 8850, mcastTtl: 4, syncMaxLen: 1300 });
    assert.deepEqual(await k.daemons(), [
      { state: 'master', mcastIfn: 'lvsdsync0', syncId: 9, syncMaxLen: 1472, mcastGroup: '224.0.0.81', mcastPort: 8848, mcastTtl: 1 },
      { state: 'backup', mcastIfn: 'lvsdsync1', syncId: 10, syncMaxLen: 1300, mcastGroup: '239.5.5.5', mcastPort: 8850, mcastTtl: 4 },
    ]);
    const out: string[] = [];
    assert.equal(await runIpvsadm(['-L', '--daemon'], { out: (s) => out.push(s), err: (s) => out.push(s) }), 0);
    assert.equal(out.join(''), await ipvsadm('-L', '--daemon'));
    await assert.rejects(k.startDaemon({ state: 'master', mcastIfn: 'lvsdsync0', syncId: 9 }), (e: IpvsKernelError) => e.errnoName === 'EEXIST');
    await k.stopDaemon('master');
    await k.stopDaemon('backup');
    assert.deepEqual(await k.daemons(), []);
    await assert.rejects(k.stopDaemon('backup'), (e: IpvsKernelError) => e.errnoName === 'ESRCH' && e.op === 'DEL_DAEMON backup');
  } finally {
    k.close();
    await run(['ip', 'link', 'del', 'lvsdsync0'], { allowFail: true });
    await run(['ipvsadm', '--set', '900', '120', '300'], { allowFail: true });
  }
});
