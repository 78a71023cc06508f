// `lvsd ipvsadm`: ipvsadm's option syntax, and the command over an in-memory kernel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../../src/cli/args.js';
import { parseIpvsadmArgs, runIpvsadm, serviceKeyOf } from '../../../src/cli/commands/ipvsadm.js';
import { IpvsUnavailableError } from '../../../src/ipvs/errors.js';
import { makeDest, makeService } from '../../../src/ipvs/types.js';
import { FakeKernel } from './fake-kernel.js';

test('bundled short options and long options parse as popt does', () => {
  assert.deepEqual([...parseIpvsadmArgs(['-Ln']).set].sort(), ['list', 'numeric']);
  assert.deepEqual([...parseIpvsadmArgs(['-lnc']).set].sort(), ['connection', 'list', 'numeric']);
  const t = parseIpvsadmArgs(['-Lnt10.0.0.1:80', '--stats', '--exact']);
  assert.deepEqual(t.service, { option: 'tcp-service', value: '10.0.0.1:80' });
  assert.deepEqual([...t.set].sort(), ['exact', 'list', 'numeric', 'stats']);
  assert.deepEqual(parseIpvsadmArgs(['-L', '-n', '-f', '7', '-6']).service, { option: 'fwmark-service', value: '7' });
  assert.deepEqual(parseIpvsadmArgs(['-S', '-n']).set, new Set(['save', 'numeric']));
});

test('changes, conflicts and stray arguments are usage errors', () => {
  for (const argv of [['-A', '-t', '10.0.0.1:80'], ['-C'], ['-L', '-c', '--stats'], ['-L', '--timeout', '--daemon'], ['-L', '-6'], ['-n'], ['-L', 'x'], ['-S', '--stats'], ['-L', '-L']]) {
    assert.throws(() => parseIpvsadmArgs(argv), UsageError, argv.join(' '));
  }
});

test('service addresses are read as ipvsadm reads them', () => {
  assert.deepEqual(serviceKeyOf('udp-service', '[2001:DB8::1]:53', false), { kind: 'addr', family: 'ipv6', protocol: 'udp', address: '2001:db8::1', port: 53 });
  assert.deepEqual(serviceKeyOf('fwmark-service', '4294967295', true), { kind: 'fwmark', family: 'ipv6', fwmark: 4294967295 });
  assert.throws(() => serviceKeyOf('fwmark-service', '0', false), UsageError);
  assert.throws(() => serviceKeyOf('tcp-service', '10.0.0.1:70000', false), UsageError);
});

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (s: string) => out.push(s), err: (s: string) => err.push(s) }, out, err };
}

function seeded(): FakeKernel {
  const k = new FakeKernel();
  const key = { kind: 'addr', family: 'ipv4', protocol: 'tcp', address: '10.0.0.1', port: 80 } as const;
  k.outside({ op: 'add-service', service: makeService(key, { scheduler: 'wrr', persistence: 60 }) });
  k.outside({ op: 'add-dest', key, dest: makeDest('ipv4', '10.0.1.2', 80, { forwarding: 'masq', weight: 2 }) });
  k.outside({ op: 'add-dest', key, dest: makeDest('ipv4', '10.0.1.1', 80, { forwarding: 'route', weight: 1 }) });
  return k;
}

test('lists and saves through the kernel interface', async () => {
  const a = io();
  assert.equal(await runIpvsadm(['-S', '-n'], a.io, async () => seeded()), 0);
  assert.equal(a.out.join(''), '-A -t 10.0.0.1:80 -s wrr -p 60\n-a -t 10.0.0.1:80 -r 10.0.1.1:80 -g -w 1\n-a -t 10.0.0.1:80 -r 10.0.1.2:80 -m -w 2\n');
  const b = io();
  assert.equal(await runIpvsadm(['-Ln'], b.io, async () => seeded()), 0);
  assert.equal(
    b.out.join(''),
    [
      'IP Virtual Server version 1.2.1 (size=4096)',
      'Prot LocalAddress:Port Scheduler Flags',
      '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
      'TCP  10.0.0.1:80 wrr persistent 60',
      `  -> ${'10.0.1.1:80'.padEnd(28)} Route   1      0          0         `,
      `  -> ${'10.0.1.2:80'.padEnd(28)} Masq    2      0          0         `,
      '',
    ].join('\n'),
  );
  const c = io();
  assert.equal(await runIpvsadm(['-L', '--timeout'], c.io, async () => seeded()), 0);
  assert.equal(c.out.join(''), 'Timeout (tcp tcpfin udp): 900 120 300\n');
  const d = io();
  assert.equal(await runIpvsadm(['-L', '--daemon'], d.io, async () => seeded()), 0);
  assert.deepEqual(d.out, [], 'no daemon: no output at all');
});

test('a missing service says "No such service" and exits 1; no IPVS exits 3 with one line', async () => {
  const a = io();
  assert.equal(await runIpvsadm(['-L', '-n', '-t', '10.9.9.9:80'], a.io, async () => seeded()), 1);
  assert.deepEqual(a.err, ['No such service']);
  const b = io();
  const code = await runIpvsadm(['-Ln'], b.io, async () => {
    throw new IpvsUnavailableError('generic netlink family "IPVS" not found: no ip_vs module');
  });
  assert.equal(code, 3);
  assert.equal(b.err.length, 1);
  assert.match(b.err[0]!, /^lvsd ipvsadm: IPVS is not available in this kernel/);
  assert.doesNotMatch(b.err[0]!, /\n/);
});
