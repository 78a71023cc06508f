// Formatters of `lvsd status` and the dumps, on hand-built DaemonStatus values; the stats and JSON
// dumps are compared with what keepalived 2.2.7 wrote for the same facts (fixtures/README.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { dumpText, dumpTime, formatData, formatJsonDump, formatStats, formatStatus, humanDuration, table } from '../../../src/control/format.js';
import { KEEPALIVED_COUNTERS } from '../../../src/vrrp/counters.js';
import { repoRoot } from '../../util/env.js';
import { referenceStatus, sampleStatus, T0 } from './sample.js';

const fixtures = join(repoRoot(), 'test', 'unit', 'control', 'fixtures');

test('humanDuration: seconds, minutes, hours, days', () => {
  const cases: [number, string][] = [
    [-5, '0s'],
    [0, '0s'],
    [999, '0s'],
    [59_999, '59s'],
    [60_000, '1m 00s'],
    [307_000, '5m 07s'],
    [3_599_999, '59m 59s'],
    [3_600_000, '1h 00m'],
    [11_100_000, '3h 05m'],
    [86_399_000, '23h 59m'],
    [86_400_000, '1d 00h'],
    [187_200_000, '2d 04h'],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, String(ms));
});

test('dumpTime: keepalived\'s "secs.usecs (ctime with usecs)" stamp', () => {
  assert.equal(dumpTime(T0, { utc: true }), '1795415175.691924 (Mon Nov 23 06:26:15.691924 2026)');
  assert.equal(dumpTime(Date.UTC(2026, 0, 5, 3, 4, 5, 7), { utc: true }), '1767582245.007000 (Mon Jan  5 03:04:05.007000 2026)');
  assert.equal(dumpTime(0, { utc: true }), '0.000000 (Thu Jan  1 00:00:00.000000 1970)');
});

test('table: padded columns, right-aligned numbers, no trailing spaces', () => {
  assert.deepEqual(table(['A', 'NUM', 'LAST'], [['xx', '5', ''], ['y', '123', 'end']], new Set([1])), ['A   NUM  LAST', 'xx    5', 'y   123  end']);
});

test('formatStatus: header, instance table, virtual servers with their real servers', () => {
  const lines = formatStatus(sampleStatus()).split('\n');
  assert.deepEqual(lines, [
    'lvsd 0.1.0, pid 4242, full mode, up 1h 04m',
    'configuration: /etc/keepalived/keepalived.conf; last reload 2m 12s ago: applied (1 weight changed)',
    'IPVS: programmed for the VIPs this node holds (lvsd_ipvs_program follow_vrrp)',
    'LVS sync daemon: master on eth0',
    '',
    'VRRP instances (2)',
    'NAME  VRID  INTERFACE  STATE   PRIO/EFF  MASTER     FOR     GROUP  VIPS                                  REASON',
    'VI_1    51  eth0       MASTER  150/140   192.0.2.1  1h 02m  G1     192.0.2.100/24,192.0.2.101/24 (held)  master down timer expired',
    'VI_2    52  eth1       BACKUP  100/100   -          7s      -      2001:db8::100/64 (not held)           -',
    '',
    'Virtual servers (2)',
    '[192.0.2.100]:tcp:80, programmed, quorum up, live weight 3/4, sorry server not in use',
    '  REAL SERVER   STATE  WEIGHT  CHECKERS',
    '  10.0.0.11:80  alive  3/3     HTTP_GET http://10.0.0.11:80/health up',
    '  10.0.0.12:80  down   0/1     HTTP_GET http://10.0.0.12:80/health down; TCP_CHECK 10.0.0.12:80 up',
    '[2001:db8::100]:tcp:443, not programmed, quorum down, live weight 0/1, sorry server in use',
    '  REAL SERVER         STATE  WEIGHT  CHECKERS',
    '  [2001:db8::11]:443  down   0/1     -',
    '',
  ]);
});

test('formatStatus: check-only (no instances), vrrp-only (no virtual servers), IPVS unavailable, no reload', () => {
  const s = sampleStatus();
  const checkOnly = formatStatus({ ...s, mode: 'check-only', instances: [], lastReload: null, syncDaemon: null, ipvsProgram: 'always' }).split('\n');
  assert.deepEqual(checkOnly.slice(0, 6), [
    'lvsd 0.1.0, pid 4242, check-only mode, up 1h 04m',
    'configuration: /etc/keepalived/keepalived.conf; no reload since start',
    'IPVS: always programmed (lvsd_ipvs_program always)',
    '',
    'VRRP instances: none',
    '',
  ]);
  const vrrpOnly = formatStatus({ ...s, mode: 'vrrp-only', virtualServers: [], syncDaemon: null, lastReload: { at: s.now - 5000, ok: false, message: 'VI_3: unknown interface eth9' } }).split('\n');
  assert.equal(vrrpOnly[1], 'configuration: /etc/keepalived/keepalived.conf; last reload 5s ago: rejected (VI_3: unknown interface eth9)');
  assert.equal(vrrpOnly[2], 'IPVS: not run (vrrp-only mode)');
  assert.ok(!vrrpOnly.some((l) => l.startsWith('Virtual servers')), 'vrrp-only prints no virtual server section');
  const noIpvs = formatStatus({ ...s, ipvsUnavailable: 'no IPVS in this kernel (genl family IPVS: ENOENT)', virtualServers: [] }).split('\n');
  assert.equal(noIpvs[2], 'IPVS: unavailable (no IPVS in this kernel (genl family IPVS: ENOENT))');
  assert.equal(noIpvs.at(-2), 'Virtual servers: none');
  // Without sync groups there is no GROUP column.
  const noGroup = formatStatus({ ...s, instances: s.instances.map(({ syncGroup: _g, ...i }) => i) }).split('\n');
  assert.equal(noGroup[6], 'NAME  VRID  INTERFACE  STATE   PRIO/EFF  MASTER     FOR     VIPS                                  REASON');
});

test('formatData: globals, VRRP topology, sync groups, LVS topology', () => {
  const lines = formatData(sampleStatus(), { utc: true }).split('\n');
  assert.deepEqual(lines, [
    '------< Global definitions >------',
    ' lvsd version = 0.1.0',
    ' PID = 4242',
    ' Mode = full',
    ' Started = 1795415055.691924 (Mon Nov 23 06:24:15.691924 2026)',
    ' Dumped = 1795418907.691924 (Mon Nov 23 07:28:27.691924 2026)',
    ' Configuration file = /etc/keepalived/keepalived.conf',
    ' Last reload = 1795418775.691924 (Mon Nov 23 07:26:15.691924 2026) applied: 1 weight changed',
    ' IPVS program = follow_vrrp',
    ' IPVS = available',
    ' LVS sync daemon = master on eth0',
    '------< VRRP Topology >------',
    ' VRRP Instance = VI_1',
    '   State = MASTER',
    '   Master router = 192.0.2.1',
    '   Last transition = 1795415175.691924 (Mon Nov 23 06:26:15.691924 2026)',
    '   Last transition reason = master down timer expired',
    '   Interface = eth0',
    '   Virtual Router ID = 51',
    '   Priority = 150',
    '   Effective priority = 140',
    '   Sync group = G1',
    '   Virtual IP (2):',
    '     192.0.2.100/24 dev eth0 set',
    '     192.0.2.101/24 dev eth0 set',
    '   Checksum errors = 4',
    '   Version errors = 0',
    '   VRID errors = 0',
    '   Unicast peer errors = 0',
    ' VRRP Instance = VI_2',
    '   State = BACKUP',
    '   Last transition = 1795418900.691924 (Mon Nov 23 07:28:20.691924 2026)',
    '   Last transition reason = (none)',
    '   Interface = eth1',
    '   Virtual Router ID = 52',
    '   Priority = 100',
    '   Effective priority = 100',
    '   Virtual IP (1):',
    '     2001:db8::100/64 dev eth1',
    '   Checksum errors = 0',
    '   Version errors = 0',
    '   VRID errors = 0',
    '   Unicast peer errors = 0',
    '------< VRRP Sync groups >------',
    ' VRRP Sync Group = G1, MASTER',
    '   monitor = VI_1',
    '------< LVS Topology >------',
    ' ------< Virtual server >------',
    ' VS = [192.0.2.100]:tcp:80',
    '   Programmed = yes',
    '   Quorum = up',
    '   Live weight = 3, total weight = 4',
    '   Sorry server in use = no',
    '   ------< Real server >------',
    '   RIP = 10.0.0.11, RPORT = 80, WEIGHT = 3',
    '   Configured weight = 3',
    '   Alive = yes',
    '   Checker = HTTP_GET http://10.0.0.11:80/health, up',
    '   ------< Real server >------',
    '   RIP = 10.0.0.12, RPORT = 80, WEIGHT = 0',
    '   Configured weight = 1',
    '   Alive = no',
    '   Checker = HTTP_GET http://10.0.0.12:80/health, down',
    '   Checker = TCP_CHECK 10.0.0.12:80, up',
    ' ------< Virtual server >------',
    ' VS = [2001:db8::100]:tcp:443',
    '   Programmed = no',
    '   Quorum = down',
    '   Live weight = 0, total weight = 1',
    '   Sorry server in use = yes',
    '   ------< Real server >------',
    '   RIP = 2001:db8::11, RPORT = 443, WEIGHT = 0',
    '   Configured weight = 1',
    '   Alive = no',
    '',
  ]);
});

test('formatData: the lines it shares with keepalived 2.2.7\'s VRRP topology are keepalived\'s, verbatim and in order', () => {
  const sections = (lines: string[]): string[][] => {
    const out: string[][] = [];
    for (const l of lines) {
      if (l.startsWith(' VRRP Instance = ')) out.push([]);
      if (out.length && l !== '') out.at(-1)!.push(l);
    }
    return out;
  };
  const ka = sections(readFileSync(join(fixtures, 'keepalived-2.2.7-topology.data'), 'utf8').split('\n'));
  const ours = sections(formatData(referenceStatus(), { utc: true }).split('\n'));
  const lvsdOnly = /^ {3}(Last transition reason|Checksum errors|Version errors|VRID errors|Unicast peer errors) = /;
  assert.equal(ours.length, 2);
  assert.equal(ka.length, 2);
  ours.forEach((sec, k) => {
    const shared = sec.filter((l) => !lvsdOnly.test(l));
    assert.equal(shared.length, 9, 'name, state, transition, interface, vrid, priorities, VIP count and VIP');
    let at = -1;
    for (const l of shared) {
      const found = ka[k]!.indexOf(l, at + 1);
      assert.ok(found > at, `not in keepalived's dump (in this order): ${JSON.stringify(l)}`);
      at = found;
    }
  });
});

test('formatStats: byte for byte what keepalived 2.2.7 wrote to /tmp/keepalived.stats for the same counters', () => {
  const want = readFileSync(join(fixtures, 'keepalived-2.2.7.stats'), 'utf8');
  assert.equal(formatStats(referenceStatus()), want);
});

test('formatStats: every keepalived counter lands under its label', () => {
  const s = sampleStatus();
  const lines = formatStats(s).split('\n');
  assert.equal(lines.length, 2 * 19 + 1);
  assert.deepEqual(lines.slice(19, 38), [
    'VRRP Instance: VI_2',
    '  Advertisements:',
    '    Received: 99',
    '    Sent: 0',
    '  Became master: 0',
    '  Released master: 0',
    '  Packet Errors:',
    '    Length: 0',
    '    TTL: 5',
    '    Invalid Type: 0',
    '    Advertisement Interval: 0',
    '    Address List: 6',
    '  Authentication Errors:',
    '    Invalid Type: 0',
    '    Type Mismatch: 0',
    '    Failure: 7',
    '  Priority Zero:',
    '    Received: 8',
    '    Sent: 0',
  ]);
  // Each keepalived counter, set alone to a distinct value, shows up exactly once.
  KEEPALIVED_COUNTERS.forEach((name, k) => {
    const one = sampleStatus();
    const inst = one.instances[0]!;
    for (const n of KEEPALIVED_COUNTERS) inst.counters[n] = 0;
    inst.counters[name] = 1000 + k;
    const text = formatStats({ ...one, instances: [inst] });
    assert.equal(text.split(`: ${1000 + k}\n`).length, 2, name);
  });
  assert.equal(formatStats({ ...s, instances: [] }), '');
});

test('formatJsonDump: keepalived 2.2.7\'s /tmp/keepalived.json fields and values for the same facts', () => {
  const ka = JSON.parse(readFileSync(join(fixtures, 'keepalived-2.2.7.json'), 'utf8')) as { data: Record<string, unknown>; stats: Record<string, unknown> }[];
  const ref = referenceStatus();
  // VI_2 sent one more advert between keepalived's stats dump and its JSON dump.
  ref.instances[1]!.counters.advert_sent = 3;
  const ours = JSON.parse(formatJsonDump(ref)) as typeof ka;
  assert.equal(ours.length, ka.length);
  const lvsdAdds = new Set(['state_name', 'master_addr', 'last_reason', 'sync_group']);
  ours.forEach((o, k) => {
    const want = ka[k]!;
    for (const [key, v] of Object.entries(o.data)) {
      if (lvsdAdds.has(key)) continue;
      assert.ok(key in want.data, `data.${key} is not a keepalived field`);
      assert.deepEqual(v, want.data[key], `data.${key}`);
    }
    for (const key of KEEPALIVED_COUNTERS) assert.equal(o.stats[key], want.stats[key], `stats.${key}`);
    for (const key of Object.keys(want.stats)) assert.ok(key in o.stats, `stats.${key} missing`);
  });
  assert.equal(ours[0]!.data['state_name'], 'MASTER');
  assert.equal(ours[0]!.data['last_reason'], null);
});

test('formatJsonDump: states as keepalived numbers, lvsd extras, VIPs with their device', () => {
  const arr = JSON.parse(formatJsonDump(sampleStatus())) as { data: Record<string, unknown>; stats: Record<string, number> }[];
  assert.deepEqual(arr[0]!.data, {
    iname: 'VI_1',
    ifp_ifname: 'eth0',
    last_transition: 1795415175.691924,
    vrid: 51,
    base_priority: 150,
    effective_priority: 140,
    vipset: true,
    state: 2,
    vips: ['192.0.2.100/24 dev eth0 set', '192.0.2.101/24 dev eth0 set'],
    state_name: 'MASTER',
    master_addr: '192.0.2.1',
    last_reason: 'master down timer expired',
    sync_group: 'G1',
  });
  assert.equal(arr[1]!.data['state'], 1);
  assert.equal(arr[0]!.stats['chk_err'], 4);
  assert.equal(arr[0]!.stats['advert_sent'], 3456);
  assert.equal(arr[1]!.stats['unicast_peer_err'], 0);
  assert.equal(formatJsonDump({ ...sampleStatus(), instances: [] }), '[]\n');
});

test('dumpText picks the dump by kind', () => {
  const s = sampleStatus();
  assert.equal(dumpText(s, 'stats'), formatStats(s));
  assert.equal(dumpText(s, 'json'), formatJsonDump(s));
  assert.equal(dumpText(s, 'data', { utc: true }), formatData(s, { utc: true }));
});

test('property: any instance set formats without trailing spaces, one row per instance, and stats has 19 lines each', () => {
  const state = fc.constantFrom('INIT', 'BACKUP', 'MASTER', 'FAULT') as fc.Arbitrary<'INIT' | 'BACKUP' | 'MASTER' | 'FAULT'>;
  const inst = fc.record({
    name: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_-]{0,15}$/),
    vrid: fc.integer({ min: 1, max: 255 }),
    state,
    prio: fc.integer({ min: 1, max: 255 }),
    since: fc.integer({ min: 0, max: 10 ** 9 }),
    vips: fc.array(fc.ipV4().map((a) => `${a}/32`), { maxLength: 3 }),
    group: fc.option(fc.constantFrom('G1', 'G2'), { nil: undefined }),
  });
  fc.assert(
    fc.property(fc.uniqueArray(inst, { selector: (i) => i.name, maxLength: 6 }), (list) => {
      const base = sampleStatus();
      const s = {
        ...base,
        instances: list.map((i) => ({
          ...base.instances[0]!,
          name: i.name,
          vrid: i.vrid,
          state: i.state,
          priority: i.prio,
          effectivePriority: i.prio,
          since: base.now - i.since,
          vips: i.vips,
          ...(i.group ? { syncGroup: i.group } : { syncGroup: undefined }),
        })),
      };
      const text = formatStatus(s);
      for (const l of text.split('\n')) assert.equal(l, l.trimEnd());
      const rows = text.split('\n').filter((l) => list.some((i) => l.startsWith(`${i.name} `)));
      assert.ok(rows.length >= list.length);
      assert.equal(formatStats(s).split('\n').length, list.length ? list.length * 19 + 1 : 1);
      const json = JSON.parse(formatJsonDump(s)) as unknown[];
      assert.equal(json.length, list.length);
    }),
    { numRuns: 200 },
  );
});
