// Policy: keeps the kernel's IPVS table equal to the desired one. A change of the desired table
// is diffed against the table as last known (no dump), so one changed weight is one edit; a
// refused or lost operation marks the known table stale and the next attempt reads the kernel
// again. On a timer it reads the kernel and repairs what others changed in lvsd's services
// (drift). Stop removes every service lvsd owns and checks that none is left.
import { applyToTable, diff, normalizeServer, sameServer, tableOf } from './diff.js';
import { IpvsError } from './errors.js';
import { describeOp, type IpvsKernel, type IpvsOp, type OpResult } from './ops.js';
import { serviceKeyId, type DestKey, type Destination, type Service, type VirtualServer } from './types.js';

export type SyncReason = 'config' | 'drift' | 'stop';

export type ReconcileEvent =
  /** Operations applied for one sync attempt (failed ones carry their kernel error). */
  | { type: 'applied'; reason: SyncReason; attempt: number; ops: readonly IpvsOp[]; failed: readonly OpResult[]; ms: number }
  /** Entries of lvsd's services changed behind its back, and what was done to restore them. */
  | { type: 'drift'; repaired: string[] }
  /** A sync gave up after its attempts; the next one starts from a fresh dump. */
  | { type: 'error'; reason: SyncReason; error: Error };

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(h: unknown): void;
}

export interface ReconcilerOptions {
  kernel: IpvsKernel;
  /** Drift check period in ms; 0 disables it. Default 10 000. */
  driftIntervalMs?: number;
  /** lvs_flush: remove entries made by others at the first sync. */
  flush?: boolean;
  /** Attempts per sync (dump + diff + apply) before giving up until the next trigger. Default 3. */
  maxAttempts?: number;
  onEvent?: (e: ReconcileEvent) => void;
  timers?: Timers;
  /**
   * Services an earlier run of lvsd created (read back from its state file): owned from the start,
   * so the first sync removes those that are no longer desired instead of leaving them behind.
   */
  owned?: Iterable<string>;
  /** Called after a sync or stop that changed the owned set (to save it), with every owned id. */
  onOwnedChange?: (ids: string[]) => void;
}

export interface SyncResult {
  ops: IpvsOp[];
  failed: OpResult[];
  attempts: number;
}

type KnownTable = Map<string, { service: Service; dests: Map<DestKey, Destination> }>;

export class Reconciler {
  private readonly k: IpvsKernel;
  private readonly driftMs: number;
  private readonly maxAttempts: number;
  private readonly emit: (e: ReconcileEvent) => void;
  private readonly timers: Timers;
  private flushPending: boolean;
  private desired: KnownTable = new Map();
  /** The last desired list, normalized, in the caller's order (to spot the services that changed). */
  private input: VirtualServer[] | undefined;
  private readonly owned = new Set<string>();
  private known: KnownTable | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private timer: unknown;
  private stopped = false;
  private ownedDirty = false;
  private readonly onOwned: ((ids: string[]) => void) | undefined;

  constructor(o: ReconcilerOptions) {
    this.k = o.kernel;
    this.driftMs = o.driftIntervalMs ?? 10_000;
    this.maxAttempts = o.maxAttempts ?? 3;
    this.emit = o.onEvent ?? (() => undefined);
    this.timers = o.timers ?? { setTimeout: (f, ms) => setTimeout(f, ms).unref(), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) };
    this.flushPending = !!o.flush;
    for (const id of o.owned ?? []) this.owned.add(id);
    this.onOwned = o.onOwnedChange;
  }

  /** Service ids lvsd manages: desired now, or created by it and not yet seen removed. */
  get ownedIds(): ReadonlySet<string> {
    return this.owned;
  }

  /**
   * Sets the desired table and brings the kernel to it. When most services are unchanged (same
   * order, same fields) only the changed ones are diffed: a one-weight change on a 10,000-service
   * table costs one comparison per entry and one netlink operation.
   */
  setDesired(servers: readonly VirtualServer[]): Promise<SyncResult> {
    const only = this.changedOnly(servers);
    if (!only) {
      const norm = servers.map(normalizeServer);
      this.desired = tableOf(norm);
      this.input = this.desired.size === norm.length ? norm : undefined; // duplicates: always the full path
    }
    for (const id of only ?? this.desired.keys()) {
      if (this.desired.has(id) && !this.owned.has(id)) {
        this.owned.add(id);
        this.ownedDirty = true;
      }
    }
    return this.serial(() => this.sync('config', only));
  }

  /** Applies a small change to `desired` in place; the ids touched, or undefined for the full path. */
  private changedOnly(servers: readonly VirtualServer[]): Set<string> | undefined {
    const prev = this.input;
    if (!prev || prev.length !== servers.length) return undefined;
    const changed: number[] = [];
    for (let i = 0; i < servers.length; i++) {
      if (!sameServer(prev[i] as VirtualServer, servers[i] as VirtualServer)) {
        changed.push(i);
        if (changed.length > servers.length / 8 + 1) return undefined;
      }
    }
    const only = new Set<string>();
    const next = prev.slice();
    for (const i of changed) {
      const old = prev[i] as VirtualServer;
      const nw = normalizeServer(servers[i] as VirtualServer);
      const oldId = serviceKeyId(old.service.key);
      const newId = serviceKeyId(nw.service.key);
      if (oldId !== newId && this.desired.has(newId)) return undefined; // moved onto another entry's key
      if (oldId !== newId) this.desired.delete(oldId); // same key: set() keeps its place (config order)
      this.desired.set(newId, tableOf([nw]).get(newId) as { service: Service; dests: Map<DestKey, Destination> });
      only.add(oldId).add(newId);
      next[i] = nw;
    }
    this.input = next;
    return only;
  }

  /** Starts the drift timer. */
  start(): void {
    this.stopped = false;
    this.arm();
  }

  private arm(): void {
    if (this.stopped || this.driftMs <= 0) return;
    this.timer = this.timers.setTimeout(() => {
      void this.serial(() => this.sync('drift')).finally(() => this.arm());
    }, this.driftMs);
  }

  /** Reads the kernel now and repairs lvsd's services (what the timer does). */
  checkDrift(): Promise<SyncResult> {
    return this.serial(() => this.sync('drift'));
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const report = (): void => {
      if (!this.ownedDirty || !this.onOwned) return;
      this.ownedDirty = false;
      try {
        this.onOwned([...this.owned]);
      } catch {
        /* saving is best effort; the next change tries again */
        this.ownedDirty = true;
      }
    };
    const body = (): Promise<T> => fn().finally(report);
    const run = this.running.then(body, body);
    // What the next call waits for: the end of this one, not its result (a first sync of 110,000
    // operations would stay referenced until the next sync).
    this.running = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async dump(): Promise<KnownTable> {
    return tableOf(await this.k.dumpTable());
  }

  private async sync(reason: SyncReason, only?: ReadonlySet<string>): Promise<SyncResult> {
    const all: IpvsOp[] = [];
    let failed: OpResult[] = [];
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      try {
        let subset = only;
        if (!this.known || reason === 'drift' || attempt > 1) {
          this.known = await this.dump();
          subset = undefined; // a fresh read: look at everything
        }
        if (this.flushPending) subset = undefined;
        const known = this.known;
        // Forget owned services that are gone and no longer desired.
        if (!subset) {
          for (const id of [...this.owned]) {
            if (!known.has(id) && !this.desired.has(id)) {
              this.owned.delete(id);
              this.ownedDirty = true;
            }
          }
        }
        const ops = diff(this.desired, known, this.owned, { flush: this.flushPending, only: subset });
        if (ops.length === 0) {
          this.flushPending = false;
          return { ops: all, failed: [], attempts: attempt };
        }
        const t0 = Date.now();
        const results = await this.k.apply(ops);
        failed = results.filter((r) => r.error);
        const hint = {};
        for (const r of results) {
          if (r.error) continue;
          applyToTable(known, r.op, hint);
          // A service removed because it is no longer desired is no longer lvsd's.
          if (r.op.op === 'del-service') {
            const id = serviceKeyId(r.op.key);
            if (!this.desired.has(id) && this.owned.delete(id)) this.ownedDirty = true;
          }
        }
        this.emit({ type: 'applied', reason, attempt, ops, failed, ms: Date.now() - t0 });
        if (reason === 'drift' && attempt === 1) this.emit({ type: 'drift', repaired: ops.map(describeOp) });
        all.push(...ops);
        if (failed.length === 0) {
          this.flushPending = false;
          return { ops: all, failed, attempts: attempt };
        }
        this.known = undefined; // refused ops: read the kernel again
      } catch (e) {
        this.known = undefined;
        if (attempt === this.maxAttempts || !(e instanceof IpvsError)) {
          this.emit({ type: 'error', reason, error: e as Error });
          throw e;
        }
      }
    }
    const err = new IpvsError('LVSD_IPVS_SYNC_FAILED', `${failed.length} IPVS operations still refused after ${this.maxAttempts} attempts: ${failed
      .slice(0, 3)
      .map((f) => f.error?.message)
      .join('; ')}`);
    this.emit({ type: 'error', reason, error: err });
    return { ops: all, failed, attempts: this.maxAttempts };
  }

  /**
   * Graceful stop: removes every service lvsd owns (one DEL_SERVICE each takes its destinations
   * with it), then reads the kernel to confirm none is left, retrying what remains.
   */
  async stop(): Promise<{ removed: number; left: string[] }> {
    this.stopped = true;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    return this.serial(async () => {
      let removed = 0;
      let left: string[] = [];
      for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
        let known: KnownTable;
        try {
          known = attempt === 1 && this.known ? this.known : await this.dump();
        } catch (e) {
          if (attempt === this.maxAttempts) throw e;
          continue;
        }
        // Nothing desired: the diff removes every owned service, last added first (see diff).
        const ops = diff(new Map(), known, this.owned);
        if (ops.length > 0) {
          const t0 = Date.now();
          try {
            const results = await this.k.apply(ops);
            const failed = results.filter((r) => r.error && r.error.errno !== 3); // ESRCH: already gone
            removed += results.length - failed.length;
            this.emit({ type: 'applied', reason: 'stop', attempt, ops, failed, ms: Date.now() - t0 });
          } catch (e) {
            if (!(e instanceof IpvsError)) throw e;
          }
        }
        // Confirm from the kernel: the known table may have been stale.
        try {
          const after = await this.k.dumpServices();
          left = after.map((s) => serviceKeyId(s.key)).filter((id) => this.owned.has(id));
        } catch (e) {
          if (attempt === this.maxAttempts) throw e;
          continue;
        }
        this.known = undefined;
        if (left.length === 0) {
          this.owned.clear();
          this.ownedDirty = true;
          return { removed, left };
        }
      }
      return { removed, left };
    });
  }
}
