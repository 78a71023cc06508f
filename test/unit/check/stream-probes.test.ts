// The native stream probes (native/lvsd_stream.h through stream-engine.ts) against real servers on
// loopback: HTTP_GET gives the same verdict over the worker thread as over Node's sockets for
// every misbehaviour; long bodies arrive in pieces; a Content-Length ends a response the server
// keeps open; the callback probe path and its cancel; thousands in flight; a connect nobody
// answers ends at the deadline.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { HttpChecker, type HttpCheckerOptions } from '../../../src/check/http.js';
import { TcpChecker } from '../../../src/check/tcp.js';
import { StreamEngine, streamEngine, type StreamSink } from '../../../src/check/stream-engine.js';
import { probesAddon } from '../../../src/check/native.js';
import type { ResolvedUrl } from '../../../src/config/resolve-lvs.js';
import type { ProbeResult } from '../../../src/check/types.js';
import { MisbehavingHttpServer, closedPort, type HttpBehaviour } from './servers.js';
import { which } from '../../util/env.js';
import { ensureProbesAddon } from './addon.js';

const addon = ensureProbesAddon();
const noEngine = (): string | false => (addon && streamEngine() ? false : 'the probes addon is not built and no C compiler is there to build it');

let srv: MisbehavingHttpServer;
before(async () => {
  srv = await MisbehavingHttpServer.start();
});
after(async () => {
  await srv.close();
});

const url = (u: Partial<ResolvedUrl> = {}): ResolvedUrl => ({ path: '/health', status_code: [{ from: 200, to: 299 }], ...u });

function http(useNative: boolean, o: Partial<HttpCheckerOptions> & { port?: number } = {}): HttpChecker {
  return new HttpChecker({ type: 'HTTP_GET', connection: { address: '127.0.0.1', port: o.port ?? srv.port }, timeoutMs: 400, urls: [url()], http_protocol: '1.1', enable_sni: false, useNative, ...o });
}

async function probe(c: HttpChecker | TcpChecker, budget = c.budgetMs): Promise<ProbeResult & { ms: number }> {
  const t0 = performance.now();
  const r = await c.probe(new AbortController().signal, t0 + budget);
  return { ...r, ms: performance.now() - t0 };
}

test('HTTP_GET: the worker thread and Node sockets give the same verdict for every behaviour', { skip: noEngine() }, async () => {
  const body = 'the page\n'.repeat(500);
  const md5 = createHash('md5').update(body).digest('hex');
  const cases: [string, Partial<HttpBehaviour>, Partial<HttpCheckerOptions>, string][] = [
    ['200', { body }, {}, 'ok'],
    ['503', { status: 503 }, {}, 'status'],
    ['digest', { body }, { urls: [url({ digest: md5 })] }, 'ok'],
    ['chunked digest', { body, chunked: true }, { urls: [url({ digest: md5 })] }, 'ok'],
    ['wrong digest', { body: `${body}!` }, { urls: [url({ digest: md5 })] }, 'digest'],
    ['regex', { body }, { urls: [url({ regex: { pattern: 'the p.ge', no_match: false, options: [] } })] }, 'ok'],
    ['regex miss', { body }, { urls: [url({ regex: { pattern: 'absent', no_match: false, options: [] } })] }, 'regex'],
    ['slow headers', { headerDelayMs: 2000 }, {}, 'timeout'],
    ['silent', { silent: true }, {}, 'timeout'],
    ['reset mid-body', { body: 'x'.repeat(10000), resetAfterBytes: 100 }, {}, 'reset'],
    ['closed at accept', { closeAtAccept: true }, {}, 'reset'],
  ];
  for (const [name, behaviour, opts, want] of cases) {
    srv.set(behaviour);
    const viaWorker = await probe(http(true, opts));
    const viaSocket = await probe(http(false, opts));
    assert.equal(viaWorker.reason, want, `${name} (worker): ${viaWorker.detail}`);
    assert.equal(viaSocket.reason, want, `${name} (socket): ${viaSocket.detail}`);
    if (want === 'timeout') assert.ok(viaWorker.ms >= 390 && viaWorker.ms < 700, `${name}: ended after ${viaWorker.ms} ms`);
  }
  const refused = await probe(http(true, { port: await closedPort() }));
  assert.equal(refused.reason, 'refused', refused.detail);
});

test('HTTP_GET over the worker: a body past one chunk (64 KiB) arrives in pieces and digests whole', { skip: noEngine() }, async () => {
  const body = Buffer.alloc(300 * 1024);
  for (let i = 0; i < body.length; i++) body[i] = (i * 7) & 0xff;
  const md5 = createHash('md5').update(body).digest('hex');
  for (const chunked of [false, true]) {
    srv.set({ body, chunked });
    const r = await probe(http(true, { timeoutMs: 3000, urls: [url({ digest: md5 })] }));
    assert.equal(r.ok, true, `chunked ${chunked}: ${r.detail}`);
  }
});

test('HTTP_GET: a Content-Length ends the response while the server keeps the connection open', { skip: noEngine() }, async () => {
  const sockets: net.Socket[] = [];
  const s = net.createServer((c) => {
    sockets.push(c);
    c.on('error', () => undefined);
    c.once('data', () => c.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  try {
    for (const native of [true, false]) {
      const r = await probe(http(native, { port, timeoutMs: 2000 }));
      assert.equal(r.ok, true, r.detail);
      assert.ok(r.ms < 500, `${native ? 'worker' : 'socket'}: took ${r.ms} ms`);
    }
  } finally {
    for (const c of sockets) c.destroy();
    await new Promise((r) => s.close(r));
  }
});

test('callback probes: done once per probe; a cancelled probe never reports', { skip: noEngine() }, async () => {
  srv.set({ status: 200 });
  const h = http(true);
  const first = await new Promise<ProbeResult>((res) => h.startProbe(performance.now() + 1000, res));
  assert.equal(first.ok, true, first.detail);
  // The same success object for the same status: nothing made per probe for it.
  const second = await new Promise<ProbeResult>((res) => h.startProbe(performance.now() + 1000, res));
  assert.equal(second, first);
  srv.set({ silent: true });
  let called = 0;
  h.startProbe(performance.now() + 300, () => called++);
  h.cancelProbe();
  const t = new TcpChecker({ address: '127.0.0.1', port: srv.port }, 300);
  t.startProbe(performance.now() + 300, () => called++);
  t.cancelProbe();
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(called, 0);
  const tcpOk = await new Promise<ProbeResult>((res) => t.startProbe(performance.now() + 1000, res));
  assert.equal(tcpOk.ok, true, tcpOk.detail);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(streamEngine()?.inFlight, 0, 'every probe reported back, cancelled ones included');
});

test('callback probes in a row reuse one exchange: each one judges its own response (status, digest, timeout, cancel)', { skip: noEngine() }, async () => {
  const md5 = createHash('md5').update('hello\n').digest('hex');
  const h = http(true, { urls: [url({ digest: md5 })] });
  const run = (budget = 1000): Promise<ProbeResult> => new Promise<ProbeResult>((res) => h.startProbe(performance.now() + budget, res));
  srv.set({ status: 200, body: 'hello\n' });
  assert.equal((await run()).ok, true);
  srv.set({ status: 200, body: 'other\n' });
  const bad = await run();
  assert.equal(bad.reason, 'digest', bad.detail);
  srv.set({ status: 503, body: 'hello\n' });
  assert.equal((await run()).reason, 'status');
  srv.set({ silent: true });
  assert.equal((await run(200)).reason, 'timeout');
  let called = 0;
  h.startProbe(performance.now() + 300, () => called++);
  h.cancelProbe();
  srv.set({ status: 200, body: 'hello\n', silent: false });
  const again = await run();
  assert.equal(again.ok, true, again.detail);
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(called, 0, 'the cancelled probe never reported, not even into the next one');
});

test('3,000 probes in flight at once through the worker: every one answered, slots all returned', { skip: noEngine() }, async () => {
  srv.set({ status: 200 });
  const checks = Array.from({ length: 1000 }, () => http(true, { timeoutMs: 10000 }));
  const tcps = Array.from({ length: 2000 }, () => new TcpChecker({ address: '127.0.0.1', port: srv.port }, 10000));
  const rs = await Promise.all([...checks.map((c) => probe(c)), ...tcps.map((c) => probe(c))]);
  const bad = rs.filter((r) => !r.ok);
  assert.equal(bad.length, 0, bad.slice(0, 3).map((r) => r.detail).join('; '));
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(streamEngine()?.inFlight, 0);
});

test('TCP_CHECK over the worker: a SYN nobody answers ends at the deadline', { skip: noEngine() || (which('python3') ? false : 'python3 is not installed') }, async () => {
  // A listener whose accept queue (backlog 0) is full and never drained: the kernel drops new SYNs.
  const py = spawn('python3', ['-c', 'import socket,sys,time\ns=socket.socket();s.bind(("127.0.0.1",0));s.listen(0)\nc=[socket.create_connection(s.getsockname()) for _ in range(1)]\nprint(s.getsockname()[1],flush=True)\ntime.sleep(60)'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = Number(await new Promise<string>((res) => py.stdout.once('data', (d: Buffer) => res(d.toString()))));
    const r = await probe(new TcpChecker({ address: '127.0.0.1', port }, 300));
    assert.equal(r.reason, 'timeout', r.detail);
    assert.ok(r.ms >= 295 && r.ms < 600, `ended after ${r.ms} ms`);
  } finally {
    py.kill('SIGKILL');
  }
});

test('an engine with two worker threads: every probe reported once, with its own wait and duration', { skip: noEngine() }, async () => {
  const eng = new StreamEngine(probesAddon()!, 2);
  assert.equal(eng.workers, 2);
  srv.set({ status: 200 });
  const request = Buffer.from('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  const results = await Promise.all(
    Array.from({ length: 400 }, (_, i) =>
      new Promise<{ errno: number; bytes: number; wait: number; run: number }>((res) => {
        let bytes = 0;
        const sink: StreamSink = {
          data: (_b, s, e) => (bytes += e - s),
          end: (errno, _st, _b, s, e, wait, run) => res({ errno, bytes: bytes + e - s, wait, run }),
          expired: () => res({ errno: -1, bytes, wait: 0, run: 0 }),
        };
        const id = eng.submit(sink, { address: '127.0.0.1', port: srv.port }, i % 2 ? request : undefined, performance.now() + 5000);
        assert.ok(id > 0);
      }),
    ),
  );
  assert.equal(results.filter((r) => r.errno !== 0).length, 0);
  // Connect-only probes carry no bytes; the GETs carry the whole response.
  assert.ok(results.filter((_, i) => i % 2 === 0).every((r) => r.bytes === 0));
  assert.ok(results.filter((_, i) => i % 2 === 1).every((r) => r.bytes > 40), 'responses arrived');
  assert.ok(results.every((r) => r.wait >= 0 && r.run >= 0 && r.run < 5000));
  assert.equal(eng.inFlight, 0);
});
