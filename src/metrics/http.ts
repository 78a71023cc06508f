// Process edge: the metrics HTTP listener (node:http, no framework). GET/HEAD /metrics answers the
// Prometheus text exposition format 0.0.4, GET/HEAD /healthz answers 200 or 503 with a JSON body,
// anything else 404 (or 405 for another method on a known path). Binds only the address it is given.
// /metrics is gzip-compressed when the client accepts it (Prometheus does): 1,000 services x 10
// destinations is ~5 MB of text and ~0.2 MB compressed; zlib runs on libuv's thread pool, not the loop.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { MetricsError } from './errors.js';

export interface HttpHandlers {
  /** The exposition text and its Content-Type. */
  metrics(): Promise<{ body: string; contentType: string }>;
  health(): { ok: boolean; detail: string };
}

export interface Listening {
  server: Server;
  address: { host: string; port: number };
  close(): Promise<void>;
}

const gzipAsync = promisify(gzip);

/** RFC 9110 §12.5.3: gzip is acceptable unless absent or given q=0. */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  for (const part of header.split(',')) {
    const [coding, ...params] = part.trim().split(';');
    if (coding?.trim().toLowerCase() !== 'gzip' && coding?.trim() !== '*') continue;
    const q = params.map((p) => p.trim()).find((p) => p.toLowerCase().startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  }
  return false;
}

function send(req: IncomingMessage, res: ServerResponse, status: number, contentType: string, body: string | Buffer, extra: Record<string, string> = {}): void {
  const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': String(buf.length), 'Cache-Control': 'no-store', ...extra });
  // Node sends no body for HEAD; the headers are those a GET would get.
  res.end(req.method === 'HEAD' ? undefined : buf);
}

function health(h: HttpHandlers): { ok: boolean; detail: string } {
  try {
    const r = h.health();
    return { ok: r.ok === true, detail: String(r.detail) };
  } catch (e) {
    return { ok: false, detail: `health check failed: ${e instanceof Error ? e.message : String(e)}` };
  }
}

async function handle(h: HttpHandlers, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?', 1)[0];
  const known = path === '/metrics' || path === '/healthz';
  if (!known) return send(req, res, 404, 'text/plain; charset=utf-8', 'not found: try /metrics or /healthz\n');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return send(req, res, 405, 'text/plain; charset=utf-8', 'method not allowed\n', { Allow: 'GET, HEAD' });
  }
  if (path === '/healthz') {
    const r = health(h);
    return send(req, res, r.ok ? 200 : 503, 'application/json', `${JSON.stringify({ status: r.ok ? 'ok' : 'unhealthy', detail: r.detail })}\n`);
  }
  try {
    const m = await h.metrics();
    if (acceptsGzip(req.headers['accept-encoding'])) {
      send(req, res, 200, m.contentType, await gzipAsync(m.body), { 'Content-Encoding': 'gzip', Vary: 'Accept-Encoding' });
    } else {
      send(req, res, 200, m.contentType, m.body, { Vary: 'Accept-Encoding' });
    }
  } catch (e) {
    // Not expected (every family catches its own failures): say so rather than drop the connection.
    send(req, res, 500, 'text/plain; charset=utf-8', `metrics failed: ${e instanceof Error ? e.message : String(e)}\n`);
  }
}

/** Listens on host:port (port 0: an ephemeral one); rejects with LVSD_METRICS_LISTEN when it cannot bind. */
export function listen(host: string, port: number, h: HttpHandlers): Promise<Listening> {
  const server = createServer((req, res) => {
    handle(h, req, res).catch((e: unknown) => {
      res.destroy(e instanceof Error ? e : new Error(String(e)));
    });
  });
  // A scraper that stalls must not hold a socket for ever.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  server.keepAliveTimeout = 5_000;
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException): void => {
      const why = e.code === 'EADDRINUSE' ? 'address already in use' : e.code === 'EADDRNOTAVAIL' ? 'address not available on this host' : e.code === 'EACCES' ? 'permission denied' : e.message;
      reject(new MetricsError('LVSD_METRICS_LISTEN', `metrics: cannot listen on ${hostPort(host, port)}: ${why}`, { cause: e }));
    };
    server.once('error', onError);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', onError);
      // Errors after the bind (none expected) must not become an unhandled 'error' that ends the daemon.
      server.on('error', () => {});
      const a = server.address() as AddressInfo;
      resolve({
        server,
        address: { host: a.address, port: a.port },
        close: () =>
          new Promise<void>((res) => {
            server.close(() => res());
            server.closeAllConnections();
          }),
      });
    });
  });
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
