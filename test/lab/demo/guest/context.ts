// Lab demo, process edge (inside UML): what the demo's steps share: the step event protocol to the
// host, the topology and its processes, a cheap watch of a namespace's IPVS table, the client's
// traffic generator read back as requests, and an address monitor on a director.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Host, Lab } from '../../netns.js';
import type { HttpServer } from '../../http.js';
import { waitFor, type LabProcess } from '../../proc.js';
import type { LvsTopology } from '../../topologies.js';
import { formatEvent, type DemoEvent } from '../events.js';
import { parseProcIpvs, type ProcService } from '../ipvs-table.js';
import type { Director, RunFeatures } from '../lvsd.js';
import type { Status } from '../report.js';
import { parseReq, type Req } from '../traffic-stats.js';

export const VIP1 = '10.88.0.100';
export const VIP2 = '10.88.0.200';
export const VIPS = [VIP1, VIP2] as const;
/** The demo configuration's advert_int and priorities (test/lab/demo/conf). */
export const ADVERT_INT_S = 1;
export const PRIO_HIGH = 150;
export const PRIO_LOW = 100;
/** The client's request rate per VIP and each request's deadline. */
export const INTERVAL_MS = 50;
export const REQ_TIMEOUT_MS = 1000;
/** Scheduling slack on top of a protocol bound (UML has one vCPU; other work shares the host). */
export const TOLERANCE_MS = Number(process.env.LVSD_TIMING_TOLERANCE_MS ?? 500);

/** Steps begun and ended so far (an error ends the open ones as failed). */
export const begun = new Set<number>();
export const ended = new Set<number>();

export function emit(e: DemoEvent): void {
  if (e.t === 'begin') begun.add(e.n);
  if (e.t === 'end') ended.add(e.n);
  process.stdout.write(`${formatEvent(e)}\n`);
}

export class Step {
  constructor(readonly n: number) {}
  say(text: string): void {
    emit({ t: 'say', n: this.n, text });
  }
  end(name: string, status: Status, figures: string): void {
    emit({ t: 'end', n: this.n, name, status, figures });
  }
}

export function begin(n: number, title: string): Step {
  emit({ t: 'begin', n, title });
  return new Step(n);
}

/** The IPVS table of a namespace, read through /proc/PID/net/ip_vs of a process in it. */
export class TableWatch {
  constructor(private readonly anchor: LabProcess) {}
  read(): ProcService[] {
    return parseProcIpvs(readFileSync(`/proc/${this.anchor.pid}/net/ip_vs`, 'utf8'));
  }
  /** ms until `pred` holds (polled every 20 ms: one file read), or undefined after `timeoutMs`. */
  async until(pred: (t: ProcService[]) => boolean, timeoutMs: number): Promise<number | undefined> {
    const t0 = performance.now();
    return (await waitFor(() => pred(this.read()), timeoutMs, 20)) ? performance.now() - t0 : undefined;
  }
}

const TRAFFIC = fileURLToPath(new URL('./traffic.js', import.meta.url));

/** The client's traffic generator (guest/traffic.ts), its requests parsed as they arrive. */
export class Traffic {
  private readonly reqs: Req[] = [];
  private constructor(readonly proc: LabProcess) {}

  static async start(client: Host): Promise<Traffic> {
    const argv = [process.execPath, TRAFFIC, '--interval', String(INTERVAL_MS), '--timeout', String(REQ_TIMEOUT_MS), ...VIPS.map((v) => `http://${v}/`)];
    let t: Traffic | undefined;
    const buffered: string[] = [];
    const proc = client.spawn(argv, {
      name: 'client: traffic',
      onLine: (stream, line) => {
        if (stream !== 'stdout') return;
        const r = parseReq(line);
        if (!r) return;
        if (t) t.reqs.push(r);
        else buffered.push(line);
      },
    });
    t = new Traffic(proc);
    for (const l of buffered) t.reqs.push(parseReq(l)!);
    await proc.waitForLine(/^ready$/, 20_000, 'stdout');
    return t;
  }

  /** Requests finished so far (in the order they finished). */
  requests(): Req[] {
    return this.reqs;
  }

  /** Waits until some finished request satisfies `pred`; that request, or undefined after `timeoutMs`. */
  async waitFor(pred: (r: Req) => boolean, timeoutMs: number): Promise<Req | undefined> {
    let hit: Req | undefined;
    await waitFor(() => (hit = this.reqs.find(pred)) !== undefined, timeoutMs, 20);
    return hit;
  }

  /** Stops sending; resolves with the generator's own totals once the requests in flight ended. */
  async stop(): Promise<{ sent: number; answered: number; failed: number } | undefined> {
    if (this.proc.alive) await this.proc.stop(REQ_TIMEOUT_MS + 3000);
    const done = this.proc.stdout.find((l) => l.startsWith('done '));
    return done ? (JSON.parse(done.slice(5)) as { sent: number; answered: number; failed: number }) : undefined;
  }
}

/** `ip -o monitor address` in a host: when each address was added there (wall-clock ms). */
export class AddrMonitor {
  private readonly added: { addr: string; at: number }[] = [];
  private constructor(readonly proc: LabProcess) {}

  static async start(host: Host): Promise<AddrMonitor> {
    let m: AddrMonitor | undefined;
    const proc = host.spawn(['ip', '-o', 'monitor', 'address'], {
      name: `${host.name}: ip monitor`,
      onLine: (_s, line) => {
        const hit = /^(?!Deleted)\S+:\s+\S+\s+inet (\d+\.\d+\.\d+\.\d+)\//.exec(line);
        if (hit && m) m.added.push({ addr: hit[1]!, at: Date.now() });
      },
    });
    m = new AddrMonitor(proc);
    // `ip monitor` prints nothing when it is subscribed: give it a moment to open its socket.
    await new Promise((r) => setTimeout(r, 300));
    return m;
  }

  /** When `addr` was first added at or after `since`. */
  addedAt(addr: string, since: number): number | undefined {
    return this.added.find((a) => a.addr === addr && a.at >= since)?.at;
  }
}

export interface Ctx {
  lab: Lab;
  topo: LvsTopology;
  A: Host;
  B: Host;
  /** rs1, rs2 and the sorry server. */
  servers: HttpServer[];
  features: RunFeatures;
  conf: { a: string; b: string };
  /** How director A crashes: its lvsd killed (process) or also its front link cut (machine). */
  crash: 'machine' | 'process';
  da?: Director;
  db?: Director;
  tableA: TableWatch;
  tableB: TableWatch;
  monB: AddrMonitor;
  traffic?: Traffic;
  mac: { A: string; B: string };
  /** Metrics address each director listens on (in its own namespace). */
  metricsListen: string;
}
