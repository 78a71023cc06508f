// Kernel edge: the IPVS client over generic netlink (IpvsKernel for the reconciler and the CLI).
// Operations run one at a time; writes are pipelined in chunks on one channel (see channel.ts),
// and a table dump reads the destinations of many services at once over a few extra channels.
import * as C from './constants.js';
import { Channel } from './channel.js';
import {
  decodeDaemon,
  decodeDestMessage,
  decodeFamilyId,
  decodeInfo,
  decodeServiceMessage,
  decodeTimeouts,
  frameGetFamily,
  frameRequest,
  parseGenl,
  req,
  writeRequest,
  type GenlMessage,
  type IpvsRequest,
  type NlMessage,
} from './codec.js';
import { IpvsError, IpvsKernelError, IpvsUnavailableError } from './errors.js';
import { requestFor, writeOp, type IpvsKernel, type IpvsOp, type OpResult } from './ops.js';
import type { DestEntry, DumpedServer, IpvsInfo, ServiceEntry, ServiceKey, SyncDaemon, Timeouts } from './types.js';

export interface IpvsClientOptions {
  /** Deadline of one request, one write chunk, or one silent stretch of a dump (ms). Default 5000. */
  timeoutMs?: number;
  /** SO_RCVBUF to ask for; the kernel caps it at 2 x net.core.rmem_max. Default 4 MiB. */
  recvBufferSize?: number;
  /** Upper bound on messages in flight; the receive buffer may lower it. Default 1024. */
  maxWindow?: number;
  /** Destination dumps run at once by dumpTable (one socket each). Default 4. */
  dumpParallel?: number;
  /** An id "IPVS" already resolved to (by another client); otherwise call resolveFamily. */
  familyId?: number;
}

const ESRCH = 3;
const ENOENT = 2;

/** Opens a client and resolves the "IPVS" family; IpvsUnavailableError when the kernel has none. */
export async function openIpvs(opts: IpvsClientOptions = {}): Promise<IpvsClient> {
  const c = new IpvsClient(opts);
  try {
    await c.resolveFamily();
  } catch (e) {
    c.close();
    throw e;
  }
  return c;
}

export class IpvsClient implements IpvsKernel {
  private readonly main: Channel;
  private readonly dumpers: Channel[] = [];
  private readonly opts: Required<Omit<IpvsClientOptions, 'familyId'>>;
  private family = -1;
  private closed = false;
  private lane: Promise<unknown> = Promise.resolve();

  constructor(opts: IpvsClientOptions = {}) {
    this.opts = {
      timeoutMs: opts.timeoutMs ?? 5000,
      recvBufferSize: opts.recvBufferSize ?? 4 << 20,
      maxWindow: opts.maxWindow ?? 1024,
      dumpParallel: Math.max(1, opts.dumpParallel ?? 4),
    };
    this.main = new Channel(this.opts);
    if (opts.familyId !== undefined) this.family = opts.familyId;
  }

  get familyId(): number {
    return this.family;
  }
  /** Messages the main channel keeps in flight at most. */
  get window(): number {
    return this.main.window;
  }
  get counters(): Channel['counters'] {
    return this.main.counters;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.main.close();
    for (const d of this.dumpers) d.close();
  }

  /** Serialises whole operations: a dump never starts while writes are in flight. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new IpvsError('LVSD_IPVS_CLOSED', 'IPVS client closed'));
    const run = this.lane.then(fn, fn);
    this.lane = run.catch(() => undefined);
    return run;
  }

  private call(r: IpvsRequest, ch: Channel = this.main): Promise<GenlMessage[]> {
    const dump = (r.flags & C.NLM_F_DUMP) !== 0;
    return ch
      .request((seq, pid) => frameRequest(this.family, r, seq, pid, true), r.what, dump)
      .then((ms: NlMessage[]) => ms.map((m) => parseGenl(m.payload)));
  }

  async resolveFamily(): Promise<number> {
    let msgs: NlMessage[];
    try {
      msgs = await this.exclusive(() =>
        this.main.request((seq, pid) => frameGetFamily(C.IPVS_GENL_NAME, seq, pid), 'CTRL_CMD_GETFAMILY IPVS', false),
      );
    } catch (e) {
      if (e instanceof IpvsKernelError && e.errno === ENOENT) {
        throw new IpvsUnavailableError('generic netlink family "IPVS" not found: no ip_vs module');
      }
      throw e;
    }
    const first = msgs[0];
    if (!first) throw new IpvsUnavailableError('CTRL_CMD_GETFAMILY "IPVS" returned nothing');
    this.family = decodeFamilyId(parseGenl(first.payload));
    return this.family;
  }

  info(): Promise<IpvsInfo> {
    return this.exclusive(async () => {
      const r = (await this.call(req.getInfo())).find((g) => g.cmd === C.IPVS_CMD_SET_INFO);
      if (!r) throw new IpvsError('LVSD_IPVS_DECODE', 'GET_INFO: no SET_INFO reply');
      return decodeInfo(r);
    });
  }

  dumpServices(): Promise<ServiceEntry[]> {
    return this.exclusive(async () => (await this.call(req.dumpServices())).map(decodeServiceMessage));
  }

  dumpDests(key: ServiceKey): Promise<DestEntry[]> {
    return this.exclusive(async () => (await this.call(req.dumpDests(key))).map((g) => decodeDestMessage(g, key.family)));
  }

  dumpTable(): Promise<DumpedServer[]> {
    return this.exclusive(async () => {
      const services = (await this.call(req.dumpServices())).map(decodeServiceMessage);
      const dests: (DestEntry[] | undefined)[] = new Array(services.length);
      while (this.dumpers.length < Math.min(this.opts.dumpParallel, services.length)) {
        this.dumpers.push(this.dumpers.length === 0 ? this.main : new Channel(this.opts));
      }
      let next = 0;
      const worker = async (ch: Channel): Promise<void> => {
        while (next < services.length) {
          const i = next++;
          const s = services[i] as ServiceEntry;
          try {
            dests[i] = (await this.call(req.dumpDests(s.key), ch)).map((g) => decodeDestMessage(g, s.key.family));
          } catch (e) {
            // deleted by someone else between the two dumps
            if (!(e instanceof IpvsKernelError && e.errno === ESRCH)) throw e;
          }
        }
      };
      await Promise.all(this.dumpers.slice(0, Math.min(this.dumpers.length, services.length)).map(worker));
      const out: DumpedServer[] = [];
      services.forEach((service, i) => {
        const d = dests[i];
        if (d) out.push({ service, dests: d });
      });
      return out;
    });
  }

  getService(key: ServiceKey): Promise<ServiceEntry | undefined> {
    return this.exclusive(async () => {
      try {
        const r = await this.call(req.getService(key));
        return r[0] ? decodeServiceMessage(r[0]) : undefined;
      } catch (e) {
        if (e instanceof IpvsKernelError && e.errno === ESRCH) return undefined;
        throw e;
      }
    });
  }

  getTimeouts(): Promise<Timeouts> {
    return this.exclusive(async () => {
      const r = (await this.call(req.getConfig())).find((g) => g.cmd === C.IPVS_CMD_SET_CONFIG);
      if (!r) throw new IpvsError('LVSD_IPVS_DECODE', 'GET_CONFIG: no SET_CONFIG reply');
      return decodeTimeouts(r);
    });
  }

  setTimeouts(t: Timeouts): Promise<void> {
    return this.exclusive(async () => void (await this.call(req.setConfig(t))));
  }

  daemons(): Promise<SyncDaemon[]> {
    return this.exclusive(async () =>
      (await this.call(req.dumpDaemons())).filter((g) => g.cmd === C.IPVS_CMD_NEW_DAEMON).map(decodeDaemon),
    );
  }

  startDaemon(d: SyncDaemon): Promise<void> {
    return this.exclusive(async () => void (await this.call(req.newDaemon(d))));
  }

  stopDaemon(state: SyncDaemon['state']): Promise<void> {
    return this.exclusive(async () => void (await this.call(req.delDaemon(state))));
  }

  zero(key?: ServiceKey): Promise<void> {
    return this.exclusive(async () => void (await this.call(req.zero(key))));
  }

  apply(ops: readonly IpvsOp[]): Promise<OpResult[]> {
    return this.exclusive(() => this.pipeline(ops));
  }

  /** Chunks of up to window/2 messages, two chunks in flight. */
  private async pipeline(ops: readonly IpvsOp[]): Promise<OpResult[]> {
    const results: OpResult[] = ops.map((op) => ({ op }));
    const ch = this.main;
    const chunkSize = Math.max(1, Math.floor(ch.window / 2));
    let next = 0;
    const running = new Set<Promise<void>>();
    let failure: Error | undefined;
    const what = (i: number): string => requestFor(ops[i] as IpvsOp).what;
    while (next < ops.length || running.size > 0) {
      while (!failure && next < ops.length && ch.hasRoom(Math.min(chunkSize, ops.length - next))) {
        const base = next;
        const n = Math.min(chunkSize, ops.length - next);
        next += n;
        const p = ch
          .writeChunk(
            n,
            (w, i, seq, pid, ack) => writeOp(w, this.family, ops[base + i] as IpvsOp, seq, pid, ack),
            () => what(base),
          )
          .then(
            (errors) => {
              for (const [i, errno] of errors) {
                (results[base + i] as OpResult).error = new IpvsKernelError(errno, what(base + i));
              }
            },
            (e: Error) => {
              failure ??= e;
            },
          );
        const tracked: Promise<void> = p.finally(() => running.delete(tracked));
        running.add(tracked);
      }
      if (running.size === 0) break;
      await Promise.race(running);
    }
    if (failure) throw failure;
    return results;
  }
}
