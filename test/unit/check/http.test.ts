// HTTP_GET / SSL_GET and TCP_CHECK against real servers on loopback that misbehave on command.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpChecker, regexMatches, compileRegex, statusAccepted, type HttpCheckerOptions } from '../../../src/check/http.js';
import { TcpChecker } from '../../../src/check/tcp.js';
import { CheckError } from '../../../src/check/types.js';
import type { ResolvedUrl } from '../../../src/config/resolve-lvs.js';
import { MisbehavingHttpServer, closedPort, selfSigned } from './servers.js';
import { which } from '../../util/env.js';
import { ensureProbesAddon } from './addon.js';

const addon = ensureProbesAddon();

let srv: MisbehavingHttpServer;
let peers: string[] = [];
before(async () => {
  srv = await MisbehavingHttpServer.start();
  srv.onConnection = (s) => peers.push(s.remoteAddress ?? '');
});
const lastPeer = async (): Promise<string | undefined> => peers.at(-1);
after(async () => {
  await srv.close();
});

const url = (u: Partial<ResolvedUrl> = {}): ResolvedUrl => ({ path: '/health', status_code: [{ from: 200, to: 299 }], ...u });

function http(o: Partial<HttpCheckerOptions> & { port?: number } = {}): HttpChecker {
  return new HttpChecker({
    type: 'HTTP_GET',
    connection: { address: '127.0.0.1', port: o.port ?? srv.port },
    timeoutMs: 500,
    urls: [url()],
    http_protocol: '1.0',
    enable_sni: false,
    ...o,
  });
}

async function probe(c: { probe: HttpChecker['probe']; budgetMs: number }, budget = c.budgetMs) {
  const t0 = performance.now();
  const r = await c.probe(new AbortController().signal, t0 + budget);
  return { ...r, ms: performance.now() - t0 };
}

test('HTTP_GET: 200 passes; the request carries Host and the keepalived User-Agent, in the form http_protocol names (check_http.c request_template)', async () => {
  srv.set({ status: 200 });
  // keepalived: 1.0 sends no Connection header; 1.0C and 1.1 send Connection: close.
  const forms = [
    ['1.0', 'HTTP/1.0', undefined],
    ['1.0C', 'HTTP/1.0', 'close'],
    ['1.1', 'HTTP/1.1', 'close'],
  ] as const;
  for (const [protocol, version, connection] of forms) {
    const n = srv.requests.length;
    const r = await probe(http({ urls: [url({ virtualhost: 'www.example.test' })], http_protocol: protocol }));
    assert.equal(r.ok, true, r.detail);
    assert.equal(r.reason, 'ok');
    const req = srv.requests[n];
    assert.ok(req);
    assert.equal(req.line, `GET /health ${version}`, protocol);
    assert.equal(req.headers.host, 'www.example.test');
    assert.equal(req.headers.connection, connection, protocol);
    assert.match(req.headers['user-agent'] ?? '', /KeepAliveClient/);
  }
});

test('HTTP_GET: wrong status fails with the status in the detail; lists and ranges are honoured', async () => {
  srv.set({ status: 503 });
  const r = await probe(http());
  assert.equal(r.ok, false);
  assert.equal(r.reason, 'status');
  assert.match(r.detail, /status 503/);
  const accepts503 = await probe(http({ urls: [url({ status_code: [{ from: 200, to: 200 }, { from: 500, to: 503 }] })] }));
  assert.equal(accepts503.ok, true, accepts503.detail);
  srv.set({ status: 204, body: '' });
  assert.equal((await probe(http({ urls: [url({ status_code: [{ from: 200, to: 200 }] })] }))).reason, 'status');
  assert.equal(statusAccepted(299, [{ from: 200, to: 299 }]), true);
  assert.equal(statusAccepted(300, [{ from: 200, to: 299 }]), false);
});

test('HTTP_GET: digest is the MD5 of the body (genhash); a wrong one fails, chunked bodies are decoded', async () => {
  const body = 'the page\n'.repeat(1000);
  const md5 = createHash('md5').update(body).digest('hex');
  srv.set({ body });
  assert.equal((await probe(http({ urls: [url({ digest: md5 })] }))).ok, true);
  srv.set({ body, chunked: true });
  assert.equal((await probe(http({ urls: [url({ digest: md5 })] }))).ok, true);
  srv.set({ body: `${body}x` });
  const bad = await probe(http({ urls: [url({ digest: md5 })] }));
  assert.equal(bad.ok, false);
  assert.equal(bad.reason, 'digest');
  assert.match(bad.detail, new RegExp(md5));
});

test('HTTP_GET: body regex, regex_no_match, options and offsets', async () => {
  srv.set({ body: 'status: OK\nversion 3\n' });
  const re = (pattern: string, extra: Partial<NonNullable<ResolvedUrl['regex']> > = {}) => url({ regex: { pattern, no_match: false, options: [], ...extra } });
  assert.equal((await probe(http({ urls: [re('status: OK')] }))).ok, true);
  const miss = await probe(http({ urls: [re('status: DOWN')] }));
  assert.equal(miss.reason, 'regex');
  assert.equal((await probe(http({ urls: [re('status: DOWN', { no_match: true })] }))).ok, true);
  assert.equal((await probe(http({ urls: [re('status: ok', { no_match: true, options: ['caseless'] })] }))).reason, 'regex');
  // offsets: "version" starts at 11
  assert.equal(regexMatches(compileRegex({ pattern: 'version', no_match: false, options: [] }), 'status: OK\nversion 3\n', 12), false);
  assert.equal(regexMatches(compileRegex({ pattern: 'version', no_match: false, options: [] }), 'status: OK\nversion 3\n', 0, 11), false);
  assert.equal(regexMatches(compileRegex({ pattern: 'version', no_match: false, options: [] }), 'status: OK\nversion 3\n', 0, 12), true);
  assert.throws(() => compileRegex({ pattern: 'a', no_match: false, options: ['ungreedy'] }), (e: unknown) => e instanceof CheckError && e.code === 'LVSD_CHECK_UNSUPPORTED');
  assert.throws(() => compileRegex({ pattern: '(', no_match: false, options: [] }), (e: unknown) => e instanceof CheckError && e.code === 'LVSD_CHECK_CONFIG');
});

test('HTTP_GET: slow headers past the deadline end the probe at the deadline', async () => {
  srv.set({ headerDelayMs: 3000 });
  const r = await probe(http({ timeoutMs: 300 }));
  assert.equal(r.reason, 'timeout');
  assert.ok(r.ms >= 290 && r.ms < 600, `ended after ${r.ms} ms`);
});

test('HTTP_GET: a slow body past the deadline fails, even when only the status is checked', async () => {
  srv.set({ bodyDelayMs: 3000 });
  const r = await probe(http({ timeoutMs: 300 }));
  assert.equal(r.reason, 'timeout');
  assert.ok(r.ms >= 290 && r.ms < 600, `ended after ${r.ms} ms`);
  srv.set({ bodyDelayMs: 50 });
  assert.equal((await probe(http({ timeoutMs: 1000 }))).ok, true);
});

test('HTTP_GET: accepting TCP but never answering is a timeout at the deadline', async () => {
  srv.set({ silent: true });
  const r = await probe(http({ timeoutMs: 250 }));
  assert.equal(r.reason, 'timeout');
  assert.ok(r.ms >= 240 && r.ms < 550, `ended after ${r.ms} ms`);
});

test('HTTP_GET: connection refused, closed at accept, reset mid-response', async () => {
  srv.set({});
  const refused = await probe(http({ port: await closedPort() }));
  assert.equal(refused.reason, 'refused');
  assert.ok(refused.ms < 200);
  srv.set({ closeAtAccept: true });
  const closed = await probe(http());
  assert.equal(closed.ok, false);
  assert.match(closed.reason, /reset|protocol/);
  srv.set({ body: 'x'.repeat(10000), resetAfterBytes: 100 });
  const reset = await probe(http());
  assert.equal(reset.ok, false);
  assert.equal(reset.reason, 'reset', reset.detail);
});

test('HTTP_GET: every url must pass, in order, each over its own connection', async () => {
  srv.set({ status: 200 });
  const conns = srv.connections;
  const n = srv.requests.length;
  const c = http({ urls: [url({ path: '/a' }), url({ path: '/b' })] });
  assert.equal(c.budgetMs, 1000);
  assert.equal((await probe(c)).ok, true);
  assert.deepEqual(srv.requests.slice(n).map((r) => r.line.split(' ')[1]), ['/a', '/b']);
  assert.equal(srv.connections - conns, 2);
});

test('HTTP_GET: bindto sets the source address; an abort ends the probe at once', async () => {
  srv.set({ status: 200 });
  const n = srv.requests.length;
  const r = await probe(http({ connection: { address: '127.0.0.1', port: srv.port, bindto: '127.0.0.2' } }));
  assert.equal(r.ok, true, r.detail);
  assert.equal(srv.requests[n]?.localAddress, '127.0.0.2');
  srv.set({ silent: true });
  const ac = new AbortController();
  const t0 = performance.now();
  setTimeout(() => ac.abort(), 50);
  const a = await http({ timeoutMs: 5000 }).probe(ac.signal, t0 + 5000);
  assert.equal(a.reason, 'aborted');
  assert.ok(performance.now() - t0 < 500);
});

test('HTTP_GET: fwmark and bind_if on IPv4 are refused when the checker is built', () => {
  assert.throws(() => http({ connection: { address: '127.0.0.1', port: 80, fwmark: 7 } }), /fwmark/);
  assert.throws(() => http({ connection: { address: '127.0.0.1', port: 80, bind_if: 'eth0' } }), /bind_if/);
});

test('SSL_GET: self-signed certificate accepted without a CA; verified (and refused) with one; SNI sent when enabled', { skip: which('openssl') ? false : 'openssl is not installed' }, async () => {
  const { cert, key } = selfSigned('www.sni.test');
  const other = selfSigned('other.test');
  const s = await MisbehavingHttpServer.start({ cert, key, requireSni: 'www.sni.test' });
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-ssl-'));
  try {
    const ssl = (o: Partial<HttpCheckerOptions>) =>
      new HttpChecker({ type: 'SSL_GET', connection: { address: '127.0.0.1', port: s.port }, timeoutMs: 2000, urls: [url({ virtualhost: 'www.sni.test' })], http_protocol: '1.1', enable_sni: true, ...o });
    const good = await probe(ssl({}));
    assert.equal(good.ok, true, good.detail);
    assert.equal(s.requests.at(-1)?.servername, 'www.sni.test');
    // Without SNI the server (which requires it) drops the connection.
    const noSni = await probe(ssl({ enable_sni: false }));
    assert.equal(noSni.ok, false);
    // sni_name names the SNI outright, whatever the virtualhost (the Host header keeps it).
    const named = await probe(ssl({ enable_sni: true, sni_name: 'www.sni.test', urls: [url({ virtualhost: 'status.internal' })] }));
    assert.equal(named.ok, true, named.detail);
    assert.equal(s.requests.at(-1)?.servername, 'www.sni.test');
    assert.equal(s.requests.at(-1)?.headers.host, 'status.internal');
    assert.equal((await probe(ssl({ enable_sni: true, sni_name: 'other.test' }))).ok, false);
    // With the right CA the certificate verifies; with another CA it does not.
    writeFileSync(join(dir, 'ca.pem'), cert);
    writeFileSync(join(dir, 'other.pem'), other.cert);
    assert.equal((await probe(ssl({ ssl: { ca: join(dir, 'ca.pem') } }))).ok, true);
    const wrongCa = await probe(ssl({ ssl: { ca: join(dir, 'other.pem') } }));
    assert.equal(wrongCa.reason, 'tls', wrongCa.detail);
    // Plain HTTP to the TLS port fails (protocol or reset), never passes.
    assert.equal((await probe(http({ port: s.port, timeoutMs: 500 }))).ok, false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await s.close();
  }
});

for (const native of [true, false]) {
  test(`TCP_CHECK (${native ? 'native connect' : 'net sockets'}): connect passes, refused fails fast, the source address is bound, the deadline holds`, async (t) => {
    if (native && !addon) return t.skip('no probes addon built and no C compiler to build it');
    const tcp = (c: ConstructorParameters<typeof TcpChecker>[0], budget = 500) => new TcpChecker(c, budget, native);
    // Let the accepts of earlier tests' connections land first.
    for (let last = -1; last !== srv.connections; ) {
      last = srv.connections;
      await new Promise((res) => setTimeout(res, 50));
    }
    const conns = srv.connections;
    const r = await probe(tcp({ address: '127.0.0.1', port: srv.port }));
    assert.equal(r.ok, true, r.detail);
    await new Promise((res) => setTimeout(res, 20));
    assert.equal(srv.connections, conns + 1, 'one connection per probe');
    const refused = await probe(tcp({ address: '127.0.0.1', port: await closedPort() }));
    assert.equal(refused.reason, 'refused');
    assert.ok(refused.ms < 200);
    const bound = await probe(tcp({ address: '127.0.0.1', port: srv.port, bindto: '127.0.0.3' }));
    assert.equal(bound.ok, true, bound.detail);
    await new Promise((res) => setTimeout(res, 20));
    assert.equal(srv.requests.length >= 0 && (await lastPeer()) === '127.0.0.3', true);
    const badBind = await probe(tcp({ address: '127.0.0.1', port: srv.port, bindto: '192.0.2.77' }));
    assert.equal(badBind.reason, 'bind', badBind.detail);
    const many = await Promise.all(Array.from({ length: 300 }, () => probe(tcp({ address: '127.0.0.1', port: srv.port }, 3000))));
    assert.equal(many.filter((x) => x.ok).length, 300);
    const ac = new AbortController();
    ac.abort();
    assert.equal((await tcp({ address: '127.0.0.1', port: srv.port }).probe(ac.signal, performance.now() + 500)).reason, 'aborted');
    assert.notEqual(tcp({ address: '127.0.0.1', port: srv.port }).key, tcp({ address: '127.0.0.1', port: srv.port, bindto: '127.0.0.3' }).key);
  });
}
