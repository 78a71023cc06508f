import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { parseExposition, valueOf } from './exposition.js';
import { MetricsError, startMetrics } from '../../../src/metrics/index.js';
import { acceptsGzip } from '../../../src/metrics/http.js';
import { lvsBus } from '../../../src/events/lvs.js';

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

function get(port: number, path: string, o: { method?: string; headers?: Record<string, string>; host?: string; agent?: Agent } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: o.host ?? '127.0.0.1', port, path, method: o.method ?? 'GET', headers: o.headers, agent: o.agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

const PROM = 'text/plain; version=0.0.4; charset=utf-8';

test('GET/HEAD /metrics on an ephemeral loopback port: content type, valid text, gzip when accepted', async () => {
  const m = await startMetrics({ listen: { host: '127.0.0.1', port: 0 }, version: '9.9.9', ipvs: async () => [] });
  try {
    assert.equal(m.address?.host, '127.0.0.1');
    assert.ok(m.address!.port > 0);
    const port = m.address!.port;
    const r = await get(port, '/metrics');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], PROM);
    assert.equal(r.headers['content-encoding'], undefined);
    assert.equal(Number(r.headers['content-length']), r.body.length);
    const f = parseExposition(r.body.toString('utf8'));
    assert.equal(valueOf(f, 'lvsd_build_info', { version: '9.9.9', node: process.version }), 1);
    assert.ok(f.has('process_cpu_seconds_total'));

    const z = await get(port, '/metrics?x=1', { headers: { 'Accept-Encoding': 'gzip' } });
    assert.equal(z.status, 200);
    assert.equal(z.headers['content-encoding'], 'gzip');
    assert.equal(z.headers['content-type'], PROM);
    assert.equal(valueOf(parseExposition(gunzipSync(z.body).toString('utf8')), 'lvsd_ipvs_scrape_success'), 1);
    const q0 = await get(port, '/metrics', { headers: { 'Accept-Encoding': 'gzip;q=0, identity' } });
    assert.equal(q0.headers['content-encoding'], undefined);

    const h = await get(port, '/metrics', { method: 'HEAD' });
    assert.equal(h.status, 200);
    assert.equal(h.headers['content-type'], PROM);
    assert.ok(Number(h.headers['content-length']) > 1000);
    assert.equal(h.body.length, 0);
  } finally {
    await m.close();
  }
});

test('/healthz: 200 ok JSON when healthy, 503 otherwise (also when the check throws); 404 and 405', async () => {
  let state: { ok: boolean; detail: string } | Error = { ok: true, detail: 'vrrp running, ipvs programmed' };
  const m = await startMetrics({
    listen: { host: '127.0.0.1', port: 0 },
    version: 't',
    processMetrics: false,
    healthy: () => {
      if (state instanceof Error) throw state;
      return state;
    },
  });
  try {
    const port = m.address!.port;
    let r = await get(port, '/healthz');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(r.body.toString()), { status: 'ok', detail: 'vrrp running, ipvs programmed' });
    state = { ok: false, detail: 'IPVS unavailable' };
    r = await get(port, '/healthz');
    assert.equal(r.status, 503);
    assert.deepEqual(JSON.parse(r.body.toString()), { status: 'unhealthy', detail: 'IPVS unavailable' });
    r = await get(port, '/healthz', { method: 'HEAD' });
    assert.equal(r.status, 503);
    assert.equal(r.body.length, 0);
    state = new Error('status not ready');
    r = await get(port, '/healthz');
    assert.equal(r.status, 503);
    assert.match(JSON.parse(r.body.toString()).detail, /status not ready/);

    r = await get(port, '/');
    assert.equal(r.status, 404);
    r = await get(port, '/metricsx');
    assert.equal(r.status, 404);
    r = await get(port, '/metrics', { method: 'POST' });
    assert.equal(r.status, 405);
    assert.equal(r.headers.allow, 'GET, HEAD');
  } finally {
    await m.close();
  }
});

test('a scrape while the IPVS dump rejects still answers 200, with the error counter moved', async () => {
  const lvs = lvsBus();
  const m = await startMetrics({
    listen: { host: '127.0.0.1', port: 0 },
    version: 't',
    lvs,
    processMetrics: false,
    ipvs: () => Promise.reject(new Error('IPVS generic netlink family not found')),
  });
  try {
    lvs.emit('daemon.reload', { ok: true, message: 'applied', durationMs: 5 });
    for (const n of [1, 2]) {
      const r = await get(m.address!.port, '/metrics');
      assert.equal(r.status, 200);
      const f = parseExposition(r.body.toString());
      assert.equal(valueOf(f, 'lvsd_ipvs_scrape_errors_total'), n);
      assert.equal(valueOf(f, 'lvsd_ipvs_scrape_success'), 0);
      assert.equal(valueOf(f, 'lvsd_reload_total', { result: 'success' }), 1);
    }
  } finally {
    await m.close();
  }
});

test('a taken port is refused with LVSD_METRICS_LISTEN; the listener binds only its address', async () => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const port = (blocker.address() as AddressInfo).port;
  const lvs = lvsBus();
  // count live subscriptions
  let active = 0;
  const on = lvs.on.bind(lvs);
  lvs.on = ((name, h) => {
    active++;
    const off = on(name, h);
    return () => {
      active--;
      off();
    };
  }) as typeof lvs.on;
  try {
    await assert.rejects(
      startMetrics({ listen: { host: '127.0.0.1', port }, version: 't', lvs, processMetrics: false }),
      (e: unknown) => e instanceof MetricsError && e.code === 'LVSD_METRICS_LISTEN' && e.message === `metrics: cannot listen on 127.0.0.1:${port}: address already in use`,
    );
    // the failed start left no subscriber behind
    assert.equal(active, 0);
    await assert.rejects(startMetrics({ listen: { host: '192.0.2.123', port: 0 }, version: 't', processMetrics: false }), (e: unknown) => e instanceof MetricsError && /not available/.test(e.message));
  } finally {
    blocker.close();
  }
  const m = await startMetrics({ listen: { host: '127.0.0.1', port: 0 }, version: 't', processMetrics: false });
  try {
    // 127.0.0.2 is loopback too, but not the address the listener was given
    await assert.rejects(get(m.address!.port, '/healthz', { host: '127.0.0.2' }), /ECONNREFUSED/);
    assert.equal((await get(m.address!.port, '/healthz')).status, 200);
  } finally {
    await m.close();
  }
});

test('close() ends the listener at once, with a kept-alive connection open and a scrape in progress', { timeout: 10_000 }, async () => {
  const lvs = lvsBus();
  let release: (v: []) => void = () => {};
  let dumping: () => void = () => {};
  const dumpStarted = new Promise<void>((r) => (dumping = r));
  const m = await startMetrics({
    listen: { host: '127.0.0.1', port: 0 },
    version: 't',
    processMetrics: false,
    lvs,
    ipvs: () => {
      dumping();
      return new Promise<[]>((r) => (release = r));
    },
  });
  const agent = new Agent({ keepAlive: true });
  const port = m.address!.port;
  try {
    assert.equal((await get(port, '/healthz', { agent })).status, 200);
    const pending = get(port, '/metrics').then(
      () => 'answered',
      (e: Error) => e.message,
    );
    await dumpStarted;
    const t0 = performance.now();
    await m.close();
    assert.ok(performance.now() - t0 < 1000, `close took ${performance.now() - t0} ms`);
    assert.match(await pending, /socket hang up|ECONNRESET/);
    await assert.rejects(get(port, '/healthz'), /ECONNREFUSED/);
    // and the metrics stopped listening to the bus
    lvs.emit('check.probe', { type: 'TCP_CHECK', target: 'x', ok: true, reason: 'ok', ms: 1 });
    release([]);
    assert.doesNotMatch(await m.scrape(), /lvsd_check_probes_total\{/);
  } finally {
    release([]);
    agent.destroy();
  }
});

test('IPv6 loopback', async (t) => {
  let m;
  try {
    m = await startMetrics({ listen: { host: '::1', port: 0 }, version: 't', processMetrics: false });
  } catch (e) {
    if (e instanceof MetricsError && /not available/.test(e.message)) return t.skip('no ::1 on this host');
    throw e;
  }
  try {
    assert.equal(m.address?.host, '::1');
    assert.equal((await get(m.address!.port, '/metrics', { host: '::1' })).status, 200);
  } finally {
    await m.close();
  }
});

test('Accept-Encoding parsing (RFC 9110 §12.5.3)', () => {
  assert.equal(acceptsGzip(undefined), false);
  assert.equal(acceptsGzip('gzip'), true);
  assert.equal(acceptsGzip('identity, GZIP'), true);
  assert.equal(acceptsGzip('gzip;q=0'), false);
  assert.equal(acceptsGzip('gzip; q=0.5'), true);
  assert.equal(acceptsGzip('br, deflate'), false);
  assert.equal(acceptsGzip('*'), true);
});
