// Test lab: start the real-server HTTP program in a lab host and drive it; run the HTTP client
// program in a lab host and collect its answers.
import { fileURLToPath } from 'node:url';
import type { Host } from './netns.js';
import type { LabProcess } from './proc.js';
import { LabError } from './errors.js';
import type { ClientResult } from './http-client.js';

const SERVER = fileURLToPath(new URL('./http-server.js', import.meta.url));
const CLIENT = fileURLToPath(new URL('./http-client.js', import.meta.url));

export interface HttpServerOptions {
  name?: string;
  ports?: number[];
  status?: number;
  delayMs?: number;
  body?: string;
  startTimeoutMs?: number;
}

export interface RequestLog {
  n: number;
  port: number;
  remote: string;
  local: string;
  method: string;
  path: string;
}

export class HttpServer {
  private constructor(
    readonly host: Host,
    readonly name: string,
    readonly proc: LabProcess,
  ) {}

  /** Starts the server in `host`; resolves when every port listens. */
  static async start(host: Host, opts: HttpServerOptions = {}): Promise<HttpServer> {
    const name = opts.name ?? host.name;
    const ports = opts.ports ?? [80];
    const argv = [process.execPath, SERVER, '--name', name, ...ports.flatMap((p) => ['--port', String(p)])];
    if (opts.status !== undefined) argv.push('--status', String(opts.status));
    if (opts.delayMs !== undefined) argv.push('--delay', String(opts.delayMs));
    if (opts.body !== undefined) argv.push('--body', opts.body);
    const proc = host.spawn(argv, { stdin: 'pipe', name: `${host.name}: http-server` });
    for (const p of ports) await proc.waitForLine(new RegExp(`^listening ${p}$`), opts.startTimeoutMs ?? 15_000);
    return new HttpServer(host, name, proc);
  }

  /** Changes status, delay, body or drop-connection; resolves when the server acknowledged. */
  async set(b: { status?: number; delayMs?: number; body?: string; close?: boolean }): Promise<void> {
    const acks = this.proc.stdout.filter((l) => l.startsWith('ok ')).length;
    this.proc.write(JSON.stringify(b) + '\n');
    const t0 = Date.now();
    while (this.proc.stdout.filter((l) => l.startsWith('ok ')).length <= acks) {
      if (!this.proc.alive || Date.now() - t0 > 5000) throw new LabError('LAB_TIMEOUT', `${this.name}: no ack for ${JSON.stringify(b)}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Requests served so far. */
  requests(): RequestLog[] {
    return this.proc.stdout.filter((l) => l.startsWith('req ')).map((l) => JSON.parse(l.slice(4)) as RequestLog);
  }

  /**
   * Waits until at least `n` requests are logged. The client may see its answer before this
   * process has read the server's log line from the pipe.
   */
  async waitForRequests(n: number, timeoutMs = 3000): Promise<RequestLog[]> {
    const t0 = Date.now();
    while (this.requests().length < n) {
      if (Date.now() - t0 > timeoutMs) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.requests();
  }

  stop(): Promise<unknown> {
    return this.proc.stop(2000);
  }
}

export interface HttpGetOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/** Runs `count` GETs of `url` from `host`, one TCP connection each; returns every result. */
export async function httpGetMany(host: Host, url: string, count: number, opts: HttpGetOptions = {}): Promise<ClientResult[]> {
  const res = await host.exec([process.execPath, CLIENT, url, String(count), String(opts.timeoutMs ?? 3000), String(opts.intervalMs ?? 0)], {
    timeoutMs: 30_000 + count * (opts.timeoutMs ?? 3000),
  });
  const lines = res.stdout.split('\n');
  if (!lines.some((l) => l.startsWith('done '))) throw new LabError('LAB_BAD_OUTPUT', `http-client gave no summary:\n${res.stdout}\n${res.stderr}`);
  return lines.filter((l) => l.startsWith('res ')).map((l) => JSON.parse(l.slice(4)) as ClientResult);
}

/** Answers per real-server name (from the x-real-server header); errors under "error". */
export function countByServer(results: readonly ClientResult[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of results) {
    const k = r.error !== undefined ? 'error' : r.server || '?';
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}
