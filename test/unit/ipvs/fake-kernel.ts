// Test helper: an in-memory IpvsKernel that behaves like the IPVS family (EEXIST, ESRCH, ENOENT)
// and records every call, so reconciler tests can assert the exact operations issued.
import { IpvsKernelError } from '../../../src/ipvs/errors.js';
import { describeOp, type IpvsKernel, type IpvsOp, type OpResult } from '../../../src/ipvs/ops.js';
import {
  ZERO_STATS,
  destKeyId,
  serviceKeyId,
  type DestEntry,
  type DestKey,
  type Destination,
  type DumpedServer,
  type IpvsInfo,
  type Service,
  type ServiceEntry,
  type ServiceKey,
  type SyncDaemon,
  type Timeouts,
} from '../../../src/ipvs/types.js';

export class FakeKernel implements IpvsKernel {
  readonly table = new Map<string, { service: Service; dests: Map<DestKey, Destination> }>();
  /** Every batch handed to apply(), in order. */
  readonly batches: IpvsOp[][] = [];
  dumps = 0;
  /** Make the next apply() fail as a lost socket would. */
  failNextApply?: Error;
  /** Errno to return for operations whose description matches. */
  refuse?: { match: RegExp; errno: number; times?: number };
  private timeouts: Timeouts = { tcp: 900, tcpFin: 120, udp: 300 };
  private daemonList: SyncDaemon[] = [];

  get ops(): IpvsOp[] {
    return this.batches.flat();
  }
  get described(): string[] {
    return this.ops.map(describeOp);
  }

  /** Changes the table without recording (someone else's ipvsadm). */
  outside(op: IpvsOp): void {
    const r = this.exec(op);
    if (r) throw r;
  }

  private exec(o: IpvsOp): IpvsKernelError | undefined {
    if (this.refuse && this.refuse.match.test(describeOp(o))) {
      const e = new IpvsKernelError(this.refuse.errno, describeOp(o));
      if (this.refuse.times !== undefined && --this.refuse.times <= 0) this.refuse = undefined;
      return e;
    }
    const err = (errno: number) => new IpvsKernelError(errno, describeOp(o));
    switch (o.op) {
      case 'flush':
        this.table.clear();
        return undefined;
      case 'add-service': {
        const id = serviceKeyId(o.service.key);
        if (this.table.has(id)) return err(17);
        this.table.set(id, { service: o.service, dests: new Map() });
        return undefined;
      }
      case 'edit-service': {
        const e = this.table.get(serviceKeyId(o.service.key));
        if (!e) return err(3);
        e.service = o.service;
        return undefined;
      }
      case 'del-service':
        return this.table.delete(serviceKeyId(o.key)) ? undefined : err(3);
      case 'add-dest':
      case 'edit-dest':
      case 'del-dest': {
        const e = this.table.get(serviceKeyId(o.key));
        if (!e) return err(3);
        const id = destKeyId(o.dest);
        if (o.op === 'add-dest') {
          if (e.dests.has(id)) return err(17);
          e.dests.set(id, o.dest);
        } else if (!e.dests.has(id)) return err(2);
        else if (o.op === 'edit-dest') e.dests.set(id, o.dest);
        else e.dests.delete(id);
        return undefined;
      }
    }
  }

  async apply(ops: readonly IpvsOp[]): Promise<OpResult[]> {
    this.batches.push([...ops]);
    if (this.failNextApply) {
      const e = this.failNextApply;
      this.failNextApply = undefined;
      throw e;
    }
    return ops.map((op) => {
      const error = this.exec(op);
      return error ? { op, error } : { op };
    });
  }

  async dumpTable(): Promise<DumpedServer[]> {
    this.dumps++;
    return [...this.table.values()].map((e) => ({
      service: { ...e.service, stats: ZERO_STATS },
      dests: [...e.dests.values()].map((d) => ({ ...d, activeConns: 0, inactConns: 0, persistConns: 0, stats: ZERO_STATS })),
    }));
  }
  async dumpServices(): Promise<ServiceEntry[]> {
    return (await this.dumpTable()).map((s) => s.service);
  }
  async dumpDests(key: ServiceKey): Promise<DestEntry[]> {
    const e = this.table.get(serviceKeyId(key));
    if (!e) throw new IpvsKernelError(3, 'GET_DEST');
    return [...e.dests.values()].map((d) => ({ ...d, activeConns: 0, inactConns: 0, persistConns: 0, stats: ZERO_STATS }));
  }
  async getService(key: ServiceKey): Promise<ServiceEntry | undefined> {
    const e = this.table.get(serviceKeyId(key));
    return e && { ...e.service, stats: ZERO_STATS };
  }
  async info(): Promise<IpvsInfo> {
    return { version: 0x010201, connTabSize: 4096 };
  }
  async getTimeouts(): Promise<Timeouts> {
    return this.timeouts;
  }
  async setTimeouts(t: Timeouts): Promise<void> {
    this.timeouts = t;
  }
  async daemons(): Promise<SyncDaemon[]> {
    return this.daemonList;
  }
  async startDaemon(d: SyncDaemon): Promise<void> {
    this.daemonList.push(d);
  }
  async stopDaemon(state: SyncDaemon['state']): Promise<void> {
    this.daemonList = this.daemonList.filter((d) => d.state !== state);
  }
  async zero(): Promise<void> {}
  close(): void {}
}
