// Golden-byte tests: the codec against what Debian's ipvsadm 1.31 sent and Linux 6.1 answered,
// captured on an nlmon interface inside UML (test/fixtures/ipvs/capture/golden-netlink.sh).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as C from '../../../src/ipvs/constants.js';
import {
  decodeDaemon,
  decodeDestMessage,
  decodeFamilyId,
  decodeInfo,
  decodeServiceMessage,
  decodeTimeouts,
  encodeDest,
  frameGetFamily,
  frameRequest,
  parseAttrs,
  parseGenl,
  parseNlError,
  req,
} from '../../../src/ipvs/codec.js';
import { makeDest, makeService, type ServiceKey } from '../../../src/ipvs/types.js';
import { block, readCapture, replies, requests } from './golden.js';

const blocks = readCapture('golden-netlink.txt');
const IPVS = 0x1c; // the id "IPVS" resolved to in that boot

const tcp = (address: string, port: number): ServiceKey => ({ kind: 'addr', family: 'ipv4', protocol: 'tcp', address, port });
const VS1 = tcp('10.0.0.1', 80);
const VS6: ServiceKey = { kind: 'addr', family: 'ipv6', protocol: 'tcp', address: '2001:db8::1', port: 443 };

/** The one request of `cmd` in the block of `command`. */
function only(command: string, cmd: number) {
  const r = requests(block(blocks, command), IPVS, cmd);
  assert.equal(r.length, 1, `${command}: one ${C.IPVS_CMD_NAMES[cmd]} request`);
  return r[0]!;
}

test('family resolution: our CTRL_CMD_GETFAMILY is ipvsadm\'s, and the reply gives the id', () => {
  const b = block(blocks, 'ipvsadm -A -t 10.0.0.1:80 -s wrr');
  const d = b.datagrams.find((x) => x.dir === '>' && x.msgs[0]!.type === C.GENL_ID_CTRL)!;
  const m = d.msgs[0]!;
  assert.deepEqual(frameGetFamily('IPVS', m.seq, m.pid), d.bytes);
  const reply = replies(b, C.GENL_ID_CTRL)[0]!;
  assert.equal(decodeFamilyId(parseGenl(reply.payload)), IPVS);
});

test('GET_INFO: request bytes and the 1.2.1 / 4096 reply', () => {
  const b = block(blocks, 'ipvsadm -A -t 10.0.0.1:80 -s wrr');
  const r = requests(b, IPVS, C.IPVS_CMD_GET_INFO)[0]!;
  assert.deepEqual(frameRequest(IPVS, req.getInfo(), r.msg.seq, r.msg.pid, true), r.bytes);
  const info = replies(b, IPVS).map((m) => parseGenl(m.payload)).find((g) => g.cmd === C.IPVS_CMD_SET_INFO)!;
  assert.deepEqual(decodeInfo(info), { version: 0x010201, connTabSize: 4096 });
});

test('NEW_SERVICE datagrams are byte-identical to ipvsadm -A for every kind of service', () => {
  const cases: [string, ReturnType<typeof makeService>][] = [
    ['ipvsadm -A -t 10.0.0.1:80 -s wrr', makeService(VS1, { scheduler: 'wrr' })],
    [
      'ipvsadm -A -u 10.0.0.2:53 -s sh -b sh-port,sh-fallback -o',
      makeService(
        { kind: 'addr', family: 'ipv4', protocol: 'udp', address: '10.0.0.2', port: 53 },
        { scheduler: 'sh', schedFlags: ['sh-port', 'sh-fallback'], onePacket: true },
      ),
    ],
    [
      'ipvsadm -A -t [2001:db8::1]:443 -s mh -b mh-port -p 600 -M 64',
      makeService(VS6, { scheduler: 'mh', schedFlags: ['mh-port'], persistence: 600, netmask: 64 }),
    ],
    [
      'ipvsadm -A -f 7 -s lc -p 120 -M 255.255.255.0',
      makeService({ kind: 'fwmark', family: 'ipv4', fwmark: 7 }, { scheduler: 'lc', persistence: 120, netmask: '255.255.255.0' }),
    ],
    ['ipvsadm -A -f 8 -6 -s rr', makeService({ kind: 'fwmark', family: 'ipv6', fwmark: 8 }, { scheduler: 'rr' })],
    [
      'ipvsadm -A --sctp-service 10.0.0.3:3868 -s dh',
      makeService({ kind: 'addr', family: 'ipv4', protocol: 'sctp', address: '10.0.0.3', port: 3868 }, { scheduler: 'dh' }),
    ],
    [
      'ipvsadm -A -u 10.0.0.4:5060 -s rr -p 60 --pe sip',
      makeService(
        { kind: 'addr', family: 'ipv4', protocol: 'udp', address: '10.0.0.4', port: 5060 },
        { scheduler: 'rr', persistence: 60, pe: 'sip' },
      ),
    ],
  ];
  for (const [command, svc] of cases) {
    const r = only(command, C.IPVS_CMD_NEW_SERVICE);
    assert.deepEqual(frameRequest(IPVS, req.newService(svc), r.msg.seq, r.msg.pid, true), r.bytes, command);
  }
  const e = only('ipvsadm -E -t 10.0.0.1:80 -s rr', C.IPVS_CMD_SET_SERVICE);
  assert.deepEqual(frameRequest(IPVS, req.setService(makeService(VS1, { scheduler: 'rr' })), e.msg.seq, e.msg.pid, true), e.bytes);
});

test('destination attributes are byte-identical to ipvsadm -a / -e / -d', () => {
  const cases: [string, number, ReturnType<typeof makeDest>][] = [
    ['ipvsadm -a -t 10.0.0.1:80 -r 10.0.1.1:8080 -m -w 3', C.IPVS_CMD_NEW_DEST, makeDest('ipv4', '10.0.1.1', 8080, { forwarding: 'masq', weight: 3 })],
    [
      'ipvsadm -a -t 10.0.0.1:80 -r 10.0.1.2 -g -w 0 -x 100 -y 10',
      C.IPVS_CMD_NEW_DEST,
      makeDest('ipv4', '10.0.1.2', 80, { weight: 0, upperThreshold: 100, lowerThreshold: 10 }),
    ],
    [
      'ipvsadm -a -t 10.0.0.1:80 -r 10.0.1.3 -i --tun-type gre --tun-csum -w 2',
      C.IPVS_CMD_NEW_DEST,
      makeDest('ipv4', '10.0.1.3', 80, { forwarding: 'tunnel', tunnelType: 'gre', tunnelFlags: C.IP_VS_TUNNEL_ENCAP_FLAG_CSUM, weight: 2 }),
    ],
    [
      'ipvsadm -a -t [2001:db8::1]:443 -r [2001:db8:1::5]:443 -i --tun-type gue --tun-port 6080 --tun-remcsum',
      C.IPVS_CMD_NEW_DEST,
      makeDest('ipv6', '2001:db8:1::5', 443, {
        forwarding: 'tunnel',
        tunnelType: 'gue',
        tunnelPort: 6080,
        tunnelFlags: C.IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM,
      }),
    ],
    ['ipvsadm -a -t [2001:db8::1]:443 -r 10.0.1.9 -i', C.IPVS_CMD_NEW_DEST, makeDest('ipv4', '10.0.1.9', 443, { forwarding: 'tunnel' })],
    ['ipvsadm -a -f 7 -r 10.0.2.1:0 -g -w 7', C.IPVS_CMD_NEW_DEST, makeDest('ipv4', '10.0.2.1', 0, { weight: 7 })],
    ['ipvsadm -e -t 10.0.0.1:80 -r 10.0.1.1:8080 -m -w 5', C.IPVS_CMD_SET_DEST, makeDest('ipv4', '10.0.1.1', 8080, { forwarding: 'masq', weight: 5 })],
    ['ipvsadm -d -t 10.0.0.1:80 -r 10.0.1.2', C.IPVS_CMD_DEL_DEST, makeDest('ipv4', '10.0.1.2', 80)],
  ];
  for (const [command, cmd, dest] of cases) {
    const r = only(command, cmd);
    const sent = Buffer.from(parseAttrs(r.genl.attrs).get(C.IPVS_CMD_ATTR_DEST)!);
    // ipvsadm copies the service's address union before parsing -r, so an IPv4 destination of an
    // IPv6 service carries the service's last 12 bytes after its 4 (the kernel reads only 4).
    if (command.includes('[2001:db8::1]:443 -r 10.0.1.9')) sent.fill(0, 16, 28);
    const ours = encodeDest(dest, true);
    assert.deepEqual(ours.subarray(4), sent, command);
    assert.equal(ours.readUInt16LE(2), C.IPVS_CMD_ATTR_DEST | C.NLA_F_NESTED, 'the dest nest is flagged NLA_F_NESTED');
  }
});

test('SET_CONFIG and NEW_DAEMON match ipvsadm --set / --start-daemon', () => {
  const s = only('ipvsadm --set 900 120 300', C.IPVS_CMD_SET_CONFIG);
  assert.deepEqual(frameRequest(IPVS, req.setConfig({ tcp: 900, tcpFin: 120, udp: 300 }), s.msg.seq, s.msg.pid, true), s.bytes);
  const d = requests(
    block(blocks, 'ipvsadm --start-daemon backup --mcast-interface sync1 --syncid 6 --mcast-group 224.0.0.99 --mcast-port 9999 --mcast-ttl 3 --sync-maxlen 1400'),
    IPVS,
    C.IPVS_CMD_NEW_DAEMON,
  )[0]!;
  const ours = req.newDaemon({ state: 'backup', mcastIfn: 'sync1', syncId: 6, mcastGroup: '224.0.0.99', mcastPort: 9999, mcastTtl: 3, syncMaxLen: 1400 });
  assert.deepEqual(frameRequest(IPVS, ours, d.msg.seq, d.msg.pid, true), d.bytes);
});

test('service dump decodes into the table ipvsadm programmed', () => {
  const b = block(blocks, 'ipvsadm -S -n');
  const dump = replies(b, IPVS).map((m) => parseGenl(m.payload));
  const svcs = dump.filter((g) => g.cmd === C.IPVS_CMD_NEW_SERVICE && parseAttrs(g.attrs).has(C.IPVS_CMD_ATTR_SERVICE)).map(decodeServiceMessage);
  const byId = new Map(svcs.map((s) => [JSON.stringify(s.key), s]));
  assert.equal(svcs.length, 7);
  const s1 = byId.get(JSON.stringify(VS1))!;
  assert.equal(s1.scheduler, 'wrr');
  assert.equal(s1.flags, 0, 'HASHED is stripped');
  assert.equal(s1.netmask, 0xffffffff);
  assert.equal(s1.stats.conns, 0n);
  const s6 = byId.get(JSON.stringify(VS6))!;
  assert.deepEqual(
    { sch: s6.scheduler, flags: s6.flags, timeout: s6.timeout, netmask: s6.netmask },
    { sch: 'mh', flags: C.IP_VS_SVC_F_PERSISTENT | C.IP_VS_SVC_F_SCHED_MH_PORT, timeout: 600, netmask: 64 },
  );
  const fw7 = byId.get(JSON.stringify({ kind: 'fwmark', family: 'ipv4', fwmark: 7 }))!;
  assert.deepEqual({ t: fw7.timeout, m: fw7.netmask, f: fw7.flags }, { t: 120, m: 0xffffff00, f: C.IP_VS_SVC_F_PERSISTENT });
  assert.ok(byId.has(JSON.stringify({ kind: 'fwmark', family: 'ipv6', fwmark: 8 })));
  const sip = svcs.find((s) => s.pe === 'sip')!;
  assert.deepEqual(sip.key, { kind: 'addr', family: 'ipv4', protocol: 'udp', address: '10.0.0.4', port: 5060 });
  const sh = svcs.find((s) => s.scheduler === 'sh')!;
  assert.equal(sh.flags, C.IP_VS_SVC_F_ONEPACKET | C.IP_VS_SVC_F_SCHED_SH_FALLBACK | C.IP_VS_SVC_F_SCHED_SH_PORT);
  assert.equal(svcs.find((s) => s.scheduler === 'dh')!.key.kind === 'addr' && (svcs.find((s) => s.scheduler === 'dh')!.key as { protocol: string }).protocol, 'sctp');

  // GET_DEST dumps follow, one per service, in the order of the service dump.
  const dests = dump.filter((g) => g.cmd === C.IPVS_CMD_NEW_DEST).map((g) => decodeDestMessage(g, 'ipv4'));
  const gue = dests.find((d) => d.tunnelType === 'gue')!;
  assert.deepEqual(
    { f: gue.family, a: gue.address, p: gue.port, fw: gue.forwarding, tp: gue.tunnelPort, tf: gue.tunnelFlags },
    { f: 'ipv6', a: '2001:db8:1::5', p: 443, fw: 'tunnel', tp: 6080, tf: C.IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM },
  );
  const d2 = dests.find((d) => d.address === '10.0.1.2')!;
  assert.deepEqual(
    { w: d2.weight, u: d2.upperThreshold, l: d2.lowerThreshold, fw: d2.forwarding },
    { w: 0, u: 100, l: 10, fw: 'route' },
  );
  assert.equal(dests.find((d) => d.address === '10.0.1.3')!.tunnelType, 'gre');
  assert.equal(dests.find((d) => d.address === '10.0.2.1')!.port, 0);
  assert.equal(dests.length, 6);
});

test('kernel errors come back as errno with the failed request\'s sequence number', () => {
  // [command, which run of it, command, errno]
  const cases: [string, number, number, number][] = [
    ['ipvsadm -a -t 10.0.0.1:80 -r 10.0.1.1:8080 -m', 0, C.IPVS_CMD_NEW_DEST, 17], // EEXIST
    ['ipvsadm -e -t 10.0.0.1:80 -r 10.9.9.9:80 -m', 0, C.IPVS_CMD_SET_DEST, 2], // ENOENT
    ['ipvsadm -D -u 10.0.0.2:53', 1, C.IPVS_CMD_DEL_SERVICE, 3], // ESRCH: deleted by the run before
    ['ipvsadm -A -t 10.0.0.5:80 -s nosuchsched', 0, C.IPVS_CMD_NEW_SERVICE, 2], // ENOENT
    ['ipvsadm --start-daemon master --mcast-interface sync0 --syncid 5', 0, C.IPVS_CMD_NEW_DAEMON, 22], // EINVAL: mixed families
    ['ipvsadm --stop-daemon backup', 1, C.IPVS_CMD_DEL_DAEMON, 3], // ESRCH
  ];
  for (const [command, run, cmd, errno] of cases) {
    const b = blocks.filter((x) => x.command === command)[run]!;
    const r = requests(b, IPVS, cmd)[0]!;
    const errs = b.datagrams
      .filter((d) => d.dir === '<')
      .flatMap((d) => d.msgs)
      .filter((m) => m.type === C.NLMSG_ERROR && m.pid === r.msg.pid && parseNlError(m.payload).seq === r.msg.seq)
      .filter((m) => parseNlError(m.payload).errno !== 0);
    assert.equal(errs.length, 1, command);
    assert.equal(parseNlError(errs[0]!.payload).errno, errno, command);
  }
});

test('timeouts and sync daemons decode', () => {
  const t = block(blocks, 'ipvsadm -L --timeout');
  const cfg = replies(t, IPVS).map((m) => parseGenl(m.payload)).find((g) => g.cmd === C.IPVS_CMD_SET_CONFIG)!;
  assert.deepEqual(decodeTimeouts(cfg), { tcp: 900, tcpFin: 120, udp: 300 });
  const empty = block(blocks, 'ipvsadm -L --daemon');
  const daemonMsgs = (b: typeof empty) =>
    replies(b, IPVS)
      .map((m) => parseGenl(m.payload))
      .filter((g) => g.cmd === C.IPVS_CMD_NEW_DAEMON);
  assert.equal(daemonMsgs(empty).length, 0, 'no daemon running: an empty dump');
  const d = blocks.filter((x) => x.command === 'ipvsadm -L --daemon').at(-1)!;
  const daemons = daemonMsgs(d).map(decodeDaemon);
  assert.deepEqual(daemons, [
    { state: 'master', mcastIfn: 'sync0', syncId: 5, syncMaxLen: 1472, mcastGroup: '224.0.0.81', mcastPort: 8848, mcastTtl: 1 },
    { state: 'backup', mcastIfn: 'sync1', syncId: 6, syncMaxLen: 1400, mcastGroup: '224.0.0.99', mcastPort: 9999, mcastTtl: 3 },
  ]);
});
