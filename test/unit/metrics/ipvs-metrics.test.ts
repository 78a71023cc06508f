import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExposition, samplesOf, valueOf } from './exposition.js';
import { startMetrics } from '../../../src/metrics/index.js';
import { aggregate, serviceLabels } from '../../../src/metrics/ipvs.js';
import { ZERO_STATS, type DestEntry, type DumpedServer, type ServiceKey, type Stats } from '../../../src/ipvs/types.js';

function st(n: bigint): Stats {
  return { ...ZERO_STATS, conns: n, inpkts: n * 2n, outpkts: n * 3n, inbytes: n * 4n, outbytes: n * 5n };
}

function dest(address: string, port: number, o: Partial<DestEntry> = {}): DestEntry {
  return {
    family: address.includes(':') ? 'ipv6' : 'ipv4',
    address,
    port,
    forwarding: 'route',
    weight: 1,
    upperThreshold: 0,
    lowerThreshold: 0,
    tunnelType: 'ipip',
    tunnelPort: 0,
    tunnelFlags: 0,
    activeConns: 0,
    inactConns: 0,
    persistConns: 0,
    stats: ZERO_STATS,
    ...o,
  };
}

function server(key: ServiceKey, stats: Stats, dests: DestEntry[]): DumpedServer {
  return { service: { key, scheduler: 'wlc', flags: 0, timeout: 0, netmask: 0xffffffff, pe: '', stats }, dests };
}

const TABLE: DumpedServer[] = [
  server({ kind: 'addr', family: 'ipv4', protocol: 'tcp', address: '10.1.0.1', port: 80 }, st(100n), [
    dest('192.168.0.1', 8080, { weight: 3, activeConns: 7, inactConns: 2, persistConns: 1, stats: st(60n) }),
    dest('192.168.0.2', 8080, { weight: 0, activeConns: 0, inactConns: 5, stats: st(40n) }),
  ]),
  server({ kind: 'addr', family: 'ipv6', protocol: 'udp', address: '2001:db8::1', port: 53 }, st(9n), [dest('2001:db8::53', 53, { weight: 2 })]),
  server({ kind: 'addr', family: 'ipv4', protocol: 'sctp', address: '10.1.0.2', port: 3868 }, st(1n), []),
  // node_exporter keys firewall-mark services by mark alone: the IPv4 and IPv6 services of mark 10 add up
  server({ kind: 'fwmark', family: 'ipv4', fwmark: 10 }, st(5n), [dest('192.168.0.9', 0, { activeConns: 1 })]),
  server({ kind: 'fwmark', family: 'ipv6', fwmark: 10 }, st(2n ** 62n), [dest('2001:db8::9', 0, { activeConns: 4 })]),
];

test("labels in node_exporter's shape: proto upper case, firewall marks as /proc prints them", () => {
  assert.deepEqual(serviceLabels(TABLE[0]!.service), { local_address: '10.1.0.1', local_port: '80', proto: 'TCP', local_mark: '' });
  assert.deepEqual(serviceLabels(TABLE[1]!.service), { local_address: '2001:db8::1', local_port: '53', proto: 'UDP', local_mark: '' });
  assert.deepEqual(serviceLabels(TABLE[2]!.service), { local_address: '10.1.0.2', local_port: '3868', proto: 'SCTP', local_mark: '' });
  assert.deepEqual(serviceLabels(TABLE[3]!.service), { local_address: '', local_port: '0', proto: 'FWM', local_mark: '0000000A' });
});

test('aggregate: one row per label set, sums where node_exporter sums', async () => {
  const { services, backends } = await aggregate(TABLE);
  assert.equal(services.length, 4);
  assert.equal(backends.length, 5);
  const fwm = services.find((s) => s.labels.proto === 'FWM')!;
  assert.deepEqual(fwm.stats, [5n + 2n ** 62n, 10n + 2n ** 63n, 15n + 3n * 2n ** 62n, 20n + 2n ** 64n, 25n + 5n * 2n ** 62n]);
  // a duplicate backend row (same service labels, same destination) sums its gauges
  const dup = await aggregate([TABLE[0]!, TABLE[0]!]);
  assert.equal(dup.backends.length, 2);
  assert.deepEqual(dup.backends[0]!.gauges, [14, 4, 2, 6]);
});

test('scrape: exact series of the node_exporter families, lvsd_ipvs_ names, exact 64-bit counters', async () => {
  const m = await startMetrics({ listen: null, version: 't', ipvs: async () => TABLE, processMetrics: false });
  try {
    const text = await m.scrape();
    const f = parseExposition(text);
    const be = { local_address: '10.1.0.1', local_port: '80', remote_address: '192.168.0.1', remote_port: '8080', proto: 'TCP', local_mark: '' };
    assert.equal(valueOf(f, 'lvsd_ipvs_backend_connections_active', be), 7);
    assert.equal(valueOf(f, 'lvsd_ipvs_backend_connections_inactive', be), 2);
    assert.equal(valueOf(f, 'lvsd_ipvs_backend_weight', be), 3);
    assert.equal(valueOf(f, 'lvsd_ipvs_backend_weight', { ...be, remote_address: '192.168.0.2' }), 0);
    const fwmBe = { local_address: '', local_port: '0', remote_address: '2001:db8::9', remote_port: '0', proto: 'FWM', local_mark: '0000000A' };
    assert.equal(valueOf(f, 'lvsd_ipvs_backend_connections_active', fwmBe), 4);
    assert.equal(valueOf(f, 'lvsd_ipvs_connections_total', { local_address: '10.1.0.1', local_port: '80', proto: 'TCP', local_mark: '' }), 100);
    assert.equal(valueOf(f, 'lvsd_ipvs_outgoing_bytes_total', { local_address: '2001:db8::1', local_port: '53', proto: 'UDP', local_mark: '' }), 45);
    // the label order of node_exporter's ipvs collector, and the exact digits of a 64-bit counter
    assert.match(text, /^lvsd_ipvs_backend_weight\{local_address="10\.1\.0\.1",local_port="80",remote_address="192\.168\.0\.1",remote_port="8080",proto="TCP",local_mark=""\} 3$/m);
    assert.match(text, /^lvsd_ipvs_incoming_bytes_total\{local_address="",local_port="0",proto="FWM",local_mark="0000000A"\} 18446744073709551636$/m);
    assert.equal(f.get('lvsd_ipvs_connections_total')?.type, 'counter');
    assert.equal(f.get('lvsd_ipvs_backend_weight')?.type, 'gauge');
    assert.equal(samplesOf(f, 'lvsd_ipvs_backend_connections_active').length, 5);
    assert.equal(valueOf(f, 'lvsd_ipvs_services'), 4);
    assert.equal(valueOf(f, 'lvsd_ipvs_backends'), 5);
    assert.equal(valueOf(f, 'lvsd_ipvs_scrape_success'), 1);
    assert.equal(valueOf(f, 'lvsd_ipvs_scrape_errors_total'), 0);
    // lvsd's extra per-backend families only when asked for
    assert.equal(f.has('lvsd_ipvs_backend_connections_total'), false);
    assert.equal(f.has('lvsd_ipvs_backend_connections_persistent'), false);
  } finally {
    await m.close();
  }
  const full = await startMetrics({ listen: null, version: 't', ipvs: async () => TABLE, processMetrics: false, ipvsBackendCounters: true });
  try {
    const f = parseExposition(await full.scrape());
    const be = { local_address: '10.1.0.1', local_port: '80', remote_address: '192.168.0.1', remote_port: '8080', proto: 'TCP', local_mark: '' };
    assert.equal(valueOf(f, 'lvsd_ipvs_backend_connections_persistent', be), 1);
    assert.equal(valueOf(f, 'lvsd_ipvs_backend_connections_total', be), 60);
    assert.equal(valueOf(f, 'lvsd_ipvs_backend_incoming_packets_total', be), 120);
    assert.equal(valueOf(f, 'lvsd_ipvs_backend_outgoing_packets_total', be), 180);
    assert.equal(valueOf(f, 'lvsd_ipvs_backend_incoming_bytes_total', be), 240);
    assert.equal(valueOf(f, 'lvsd_ipvs_backend_outgoing_bytes_total', be), 300);
  } finally {
    await full.close();
  }
});

test('a failing dump is a metric: counted, success 0, IPVS series left out, everything else served', async () => {
  let fail: 'reject' | 'throw' | null = 'reject';
  const m = await startMetrics({
    listen: null,
    version: 't',
    processMetrics: false,
    instances: () => [],
    ipvs: () => {
      if (fail === 'throw') throw new Error('netlink socket closed');
      return fail === 'reject' ? Promise.reject(new Error('ENOENT: no IPVS family')) : Promise.resolve(TABLE);
    },
  });
  try {
    let f = parseExposition(await m.scrape());
    assert.equal(valueOf(f, 'lvsd_ipvs_scrape_errors_total'), 1, 'the failing scrape already shows its own error');
    assert.equal(valueOf(f, 'lvsd_ipvs_scrape_success'), 0);
    assert.deepEqual(samplesOf(f, 'lvsd_ipvs_backend_weight'), []);
    assert.equal(valueOf(f, 'lvsd_ipvs_services'), undefined);
    assert.equal(valueOf(f, 'lvsd_build_info', { version: 't', node: process.version }), 1);
    assert.equal(valueOf(f, 'keepalived_up'), 1);
    fail = 'throw';
    f = parseExposition(await m.scrape());
    assert.equal(valueOf(f, 'lvsd_ipvs_scrape_errors_total'), 2);
    fail = null;
    f = parseExposition(await m.scrape());
    assert.equal(valueOf(f, 'lvsd_ipvs_scrape_errors_total'), 2);
    assert.equal(valueOf(f, 'lvsd_ipvs_scrape_success'), 1);
    assert.equal(valueOf(f, 'lvsd_ipvs_services'), 4);
  } finally {
    await m.close();
  }
});

test('a dump that does not answer times out; while it hangs no second dump starts; concurrent scrapes share one dump', async () => {
  let calls = 0;
  let release: (v: DumpedServer[]) => void = () => {};
  let hang = true;
  const m = await startMetrics({
    listen: null,
    version: 't',
    processMetrics: false,
    ipvsTimeoutMs: 50,
    ipvs: () => {
      calls++;
      if (!hang) return Promise.resolve(TABLE);
      return new Promise<DumpedServer[]>((r) => (release = r));
    },
  });
  try {
    const t0 = performance.now();
    let f = parseExposition(await m.scrape());
    const took = performance.now() - t0;
    assert.ok(took >= 45 && took < 1000, `scrape took ${took} ms`);
    assert.equal(valueOf(f, 'lvsd_ipvs_scrape_success'), 0);
    assert.equal(valueOf(f, 'lvsd_ipvs_scrape_errors_total'), 1);
    f = parseExposition(await m.scrape());
    assert.equal(calls, 1, 'the stuck dump is not asked again');
    assert.equal(valueOf(f, 'lvsd_ipvs_scrape_errors_total'), 2);
    hang = false;
    release(TABLE);
    await new Promise((r) => setImmediate(r));
    const [a, b] = await Promise.all([m.scrape(), m.scrape()]);
    assert.equal(calls, 2, 'two scrapes at once, one dump');
    assert.equal(valueOf(parseExposition(a), 'lvsd_ipvs_services'), 4);
    assert.equal(valueOf(parseExposition(b), 'lvsd_ipvs_services'), 4);
    await m.scrape();
    assert.equal(calls, 3, 'the next scrape dumps afresh');
  } finally {
    await m.close();
  }
});
