// Lab demo program (process edge, runs in the client's namespace): steady HTTP traffic through
// virtual IPs. Every INTERVAL ms it starts one GET per URL on a fresh TCP connection (open loop:
// it does not wait for earlier requests, so a dead path shows as failures, not as a slower rate),
// gives each a hard deadline, and prints one line per finished request with the director's MAC
// the client's neighbour entry named when the request left (/proc/net/arp: one file read per tick).
//   node traffic.js --interval MS --timeout MS URL...
// stdout: `ready`, then `r {"v":0,"s":...,"e":...,"srv":"rs1","mac":"..."}` per request (../traffic-stats.ts);
// SIGTERM or SIGINT: stops sending, waits for the requests in flight, prints `done {...}`, exits 0.
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { formatReq, type Req } from '../traffic-stats.js';

function args(): { intervalMs: number; timeoutMs: number; urls: URL[] } {
  const a = process.argv.slice(2);
  let intervalMs = 50;
  let timeoutMs = 1000;
  const urls: URL[] = [];
  for (let i = 0; i < a.length; i++) {
    if (a[i] === '--interval') intervalMs = Number(a[++i]);
    else if (a[i] === '--timeout') timeoutMs = Number(a[++i]);
    else urls.push(new URL(a[i]!));
  }
  if (urls.length === 0 || !(intervalMs > 0) || !(timeoutMs > 0)) throw new Error('usage: traffic --interval MS --timeout MS URL...');
  return { intervalMs, timeoutMs, urls };
}

/** The complete neighbour entries of this namespace: IPv4 address -> MAC. */
function neighbours(): Map<string, string> {
  const out = new Map<string, string>();
  let text = '';
  try {
    text = readFileSync('/proc/net/arp', 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n').slice(1)) {
    const w = line.trim().split(/\s+/);
    // IP address, HW type, Flags, HW address, Mask, Device; flag 0x2 = ATF_COM (complete).
    if (w.length >= 6 && (parseInt(w[2]!, 16) & 0x2) !== 0) out.set(w[0]!, w[3]!);
  }
  return out;
}

function once(url: URL, v: number, timeoutMs: number, mac: string | undefined): Promise<Req> {
  const s = Date.now();
  return new Promise((resolve) => {
    let done = false;
    const finish = (r: Omit<Req, 'v' | 's' | 'e' | 'mac'>): void => {
      if (done) return;
      done = true;
      clearTimeout(deadline);
      resolve({ v, s, e: Date.now(), ...r, ...(mac ? { mac } : {}) });
    };
    const req = request(url, { agent: false, headers: { connection: 'close' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        if (res.statusCode === 200) finish({ srv: String(res.headers['x-real-server'] ?? '') || body.trim() });
        else finish({ err: `HTTP ${res.statusCode}` });
      });
      res.on('error', (e) => finish({ err: e.message }));
    });
    const deadline = setTimeout(() => {
      finish({ err: `no answer within ${timeoutMs} ms` });
      req.destroy();
    }, timeoutMs);
    req.on('error', (e) => finish({ err: (e as NodeJS.ErrnoException).code ?? e.message }));
    req.end();
  });
}

function main(): void {
  const { intervalMs, timeoutMs, urls } = args();
  const inFlight = new Set<Promise<void>>();
  const count = { sent: 0, answered: 0, failed: 0 };
  const tick = (): void => {
    const n = neighbours();
    urls.forEach((u, v) => {
      count.sent += 1;
      const p = once(u, v, timeoutMs, n.get(u.hostname)).then((r) => {
        if (r.err === undefined) count.answered += 1;
        else count.failed += 1;
        process.stdout.write(`${formatReq(r)}\n`);
        inFlight.delete(p);
      });
      inFlight.add(p);
    });
  };
  const timer = setInterval(tick, intervalMs);
  tick();
  process.stdout.write('ready\n');
  const stop = (): void => {
    clearInterval(timer);
    void Promise.all([...inFlight]).then(() => {
      process.stdout.write(`done ${JSON.stringify(count)}\n`, () => process.exit(0));
    });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main();
