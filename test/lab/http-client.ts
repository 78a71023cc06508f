// Test lab program: an HTTP client for lab hosts. Makes COUNT GET requests to URL, each on a new
// TCP connection (so IPVS schedules every one), and prints one JSON line per request and a
// summary line.  node http-client.js URL COUNT [TIMEOUT_MS] [INTERVAL_MS]
import { request } from 'node:http';

export interface ClientResult {
  i: number;
  status?: number;
  server?: string;
  body?: string;
  ms: number;
  error?: string;
}

function once(url: string, i: number, timeoutMs: number): Promise<ClientResult> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = request(url, { agent: false, headers: { connection: 'close' }, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () =>
        resolve({ i, status: res.statusCode, server: String(res.headers['x-real-server'] ?? ''), body, ms: performance.now() - t0 }),
      );
      res.on('error', (err) => resolve({ i, ms: performance.now() - t0, error: String(err) }));
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', (err) => resolve({ i, ms: performance.now() - t0, error: String(err.message) }));
    req.end();
  });
}

async function main(): Promise<void> {
  const [url, countS, timeoutS, intervalS] = process.argv.slice(2);
  if (!url) throw new Error('usage: http-client URL COUNT [TIMEOUT_MS] [INTERVAL_MS]');
  const count = Number(countS ?? 1);
  const timeoutMs = Number(timeoutS ?? 3000);
  const intervalMs = Number(intervalS ?? 0);
  let ok = 0;
  for (let i = 0; i < count; i++) {
    const r = await once(url, i, timeoutMs);
    if (r.status !== undefined) ok += 1;
    process.stdout.write(`res ${JSON.stringify(r)}\n`);
    if (intervalMs > 0) await new Promise((res) => setTimeout(res, intervalMs));
  }
  process.stdout.write(`done ${JSON.stringify({ count, answered: ok })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`http-client: ${String(err)}\n`);
  process.exit(2);
});
