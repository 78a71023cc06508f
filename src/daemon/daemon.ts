// Composition: the lvsd daemon. One process runs the VRRP node, the checker pool and the IPVS
// reconciler from one configuration. A VIP's virtual services are programmed just before the VIP
// is added and withdrawn just after it is removed (lvsd_ipvs_program follow_vrrp), or kept on every
// director (always, keepalived's way); the IPVS sync daemon follows VRRP. SIGHUP reloads by diff
// (unchanged instances carried over with their state, the new table reconciled entry by entry, a
// broken configuration rejected while the running one goes on); SIGTERM / SIGINT stop gracefully.
// Observability (logs, metrics, notifications, the control socket) subscribes to the two buses.
import { NftFirewall } from '../net/nft.js';
import { acceptConflictMessage, acceptModeConflicts } from '../config/accept-ipvs.js';
import type { FirewallOptions } from '../net/nft-ruleset.js';
import { networkInterfaces } from 'node:os';
import { pino, type Logger } from 'pino';
import { loadToRun } from '../config/load.js';
import { CheckPool, type PoolEvent, type VsLiveness } from '../check/scheduler.js';
import { CheckError } from '../check/types.js';
import type { Command as ScriptCommand } from '../config/model/common.js';
import { logVrrpEvents, type LogLevel } from '../events/log.js';
import { logLvsEvents } from '../events/log-lvs.js';
import { lvsBus, type LvsBus } from '../events/lvs.js';
import { vrrpBus, type VrrpBus } from '../events/vrrp.js';
import { runScript } from '../exec/run.js';
import { IpvsUnavailableError } from '../ipvs/errors.js';
import type { IpvsKernel } from '../ipvs/ops.js';
import { Reconciler } from '../ipvs/reconcile.js';
import type { VirtualServer } from '../ipvs/types.js';
import type { AddressManager, AddressSpec } from '../net/ports.js';
import type { RuntimeConfig } from '../vrrp/from-config.js';
import type { LinuxPorts } from '../vrrp/runtime/linux.js';
import type { VrrpNode, CarriedInstance } from '../vrrp/runtime/node.js';
import type { VrrpStateName } from '../vrrp/types.js';
import { Ownership, type IpvsProgram } from './ownership.js';
import { buildParts, type DaemonMode, type Parts } from './parts.js';
import type { DaemonStatus, InstanceReport } from './status.js';
import { loadOwned, ownedFile, saveOwned } from './owned-store.js';
import { SyncdFollower } from './syncd.js';

/**
 * The VRRP runtime (sockets, rtnetlink, the node), loaded when the configuration runs VRRP
 * instances: a check-only start programs its table without loading it.
 */
async function loadVrrp() {
  const [fc, linux, node, errors, reload] = await Promise.all([
    import('../vrrp/from-config.js'),
    import('../vrrp/runtime/linux.js'),
    import('../vrrp/runtime/node.js'),
    import('../vrrp/runtime/errors.js'),
    import('./reload.js'),
  ]);
  return { runtimeConfig: fc.runtimeConfig, linuxPorts: linux.linuxPorts, interfaceAddresses: linux.interfaceAddresses, VrrpNode: node.VrrpNode, VrrpRuntimeError: errors.VrrpRuntimeError, planVrrpReload: reload.planVrrpReload };
}
type VrrpModules = Awaited<ReturnType<typeof loadVrrp>>;

export const EXIT = { OK: 0, CONFIG_ERRORS: 2, RUNTIME: 3, USAGE: 64, NOINPUT: 66 } as const;

/** Time a checker notify script may run (keepalived runs them unbounded; lvsd bounds every script). */
const NOTIFY_TIMEOUT_MS = 60_000;
/** How long a VIP waits for its services to be programmed before it is added anyway. */
const PROGRAM_BEFORE_VIP_MS = 2000;

export interface DaemonIo {
  out: (s: string) => void;
  err: (s: string) => void;
}

export interface DaemonOptions {
  file: string;
  configId?: string;
  mode: DaemonMode;
  logLevel?: LogLevel;
  /** Overrides global_defs lvsd_ipvs_program. */
  ipvsProgram?: IpvsProgram;
  /** The IPVS kernel (tests pass a fake; null: run as if the kernel had no IPVS); default: generic netlink. */
  kernel?: IpvsKernel | null;
  /** Where JSON log lines go (default stdout). */
  logDestination?: NodeJS.WritableStream;
  /** Stops the daemon when aborted (tests); by default SIGTERM / SIGINT stop it. */
  signal?: AbortSignal;
  /** Called once everything runs; what it returns is closed at stop (metrics, control socket...). */
  onReady?: (d: Daemon) => Promise<Closeable[]> | void;
  /** The state file of the services lvsd created (default: per network namespace under /run/lvsd; null: none). */
  ownedFile?: string | null;
  /** Started before the engines (so they see the first transitions), closed after the stop. */
  services?: (d: Daemon) => Promise<Closeable[]>;
  version?: string;
}

export type Closeable = { close(): Promise<void> | void };

interface VrrpPart {
  node: VrrpNode;
  config: RuntimeConfig;
}

export class Daemon {
  readonly vrrpBus: VrrpBus = vrrpBus();
  readonly lvsBus: LvsBus = lvsBus();
  readonly logger: Logger;
  readonly startedAt = Date.now();
  parts!: Parts;
  kernel: IpvsKernel | undefined;
  ipvsUnavailable: string | null = null;
  reconciler: Reconciler | undefined;
  pool: CheckPool | undefined;
  vrrp: VrrpPart | undefined;
  ownership!: Ownership;
  syncd: SyncdFollower | undefined;
  private ports: LinuxPorts | undefined;
  /** The nftables Accept_Mode table (config.firewall), shared by successive VRRP nodes across reloads. */
  private firewall: NftFirewall | undefined;
  /** Set by startVrrp (every VRRP path runs after it). */
  private vr!: VrrpModules;
  private desired: VirtualServer[] = [];
  private readonly since = new Map<string, { at: number; reason: string | null }>();
  private readonly pendingNotify = new Set<Promise<void>>();
  lastReload: DaemonStatus['lastReload'] = null;
  private reloading: Promise<unknown> | undefined;
  private fatal: Error | undefined;
  private stopRequested: ((why: string) => void) | undefined;
  private ready = false;
  private stopping = false;
  /** Writes the data / stats / JSON dumps (set by the services, src/daemon/services.ts). */
  dumper: ((what: 'data' | 'stats' | 'json') => Promise<string>) | undefined;

  constructor(
    readonly o: DaemonOptions,
    private readonly io: DaemonIo,
  ) {
    this.logger = pino({ level: o.logLevel ?? 'info', base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime }, (o.logDestination ?? pino.destination(1)) as pino.DestinationStream);
    this.vrrpBus.onSubscriberError = (e, n) => io.err(`lvsd: a subscriber of ${n} failed: ${String(e)}`);
    this.lvsBus.onSubscriberError = (e, n) => io.err(`lvsd: a subscriber of ${n} failed: ${String(e)}`);
    logVrrpEvents(this.vrrpBus, this.logger);
    logLvsEvents(this.lvsBus, this.logger);
    this.vrrpBus.on('vrrp.transition', (e) => {
      this.since.set(e.instance, { at: Date.now(), reason: e.reason });
      const f = this.syncd?.follow(e.instance, e.to);
      if (f) void f;
    });
  }

  /* ---------------- start ---------------- */

  /**
   * The configuration's parts, or the exit status when it cannot run. In a function of its own so
   * that nothing of the load but the parts outlives it: run() stays suspended for the daemon's
   * life, and a local there would keep the diagnostics and the location table (~30 MB for 100,000
   * real servers) with it.
   */
  private loadParts(): Parts | number {
    const loaded = loadToRun(this.o.file, this.o.configId, this.io.err);
    if (!loaded.ok) return loaded.why === 'unreadable' ? EXIT.NOINPUT : EXIT.CONFIG_ERRORS;
    return buildParts(loaded.cfg.model, this.o.mode, this.o.ipvsProgram, loaded.cfg.lvs);
  }

  /** Loads the configuration and runs until stopped; returns the exit status. */
  async run(): Promise<number> {
    const parts = this.loadParts();
    if (typeof parts === 'number') return parts;
    const hasVrrp = (parts.vrrp?.instances.length ?? 0) > 0;
    const hasLvs = parts.virtualServers.length > 0;
    if (this.o.mode === 'check-only' && !hasLvs) {
      this.io.err(`lvsd run --check-only: ${this.o.file} has no usable virtual_server; nothing to check`);
      return EXIT.CONFIG_ERRORS;
    }
    if (this.o.mode !== 'check-only' && !hasVrrp && (this.o.mode === 'vrrp-only' || !hasLvs)) {
      this.io.err(`lvsd run: ${this.o.file} has no vrrp_instance${this.o.mode === 'full' ? ' and no virtual_server' : ''}; nothing to run`);
      return EXIT.CONFIG_ERRORS;
    }
    this.parts = parts;
    this.ownership = new Ownership(parts.program, parts.vips);

    const stopped = this.waitForStop();
    // Services first (metrics, notifications, control socket): they see the first transitions, and
    // one that cannot start (a port or socket in use) stops lvsd before it takes anything.
    let services: Closeable[] = [];
    try {
      services = (await this.o.services?.(this)) ?? [];
    } catch (e) {
      this.io.err(`lvsd run: ${(e as Error).message}`);
      this.logger.flush();
      return EXIT.RUNTIME;
    }
    // The daemon runs until it is told to stop, even with nothing else holding the event loop
    // (no VRRP socket, no checker, no listener): a referenced timer until run() returns.
    const keepAlive = setInterval(() => undefined, 1 << 30);
    const closeServices = async (): Promise<void> => {
      for (const x of services.reverse()) await Promise.resolve(x.close()).catch(() => undefined);
    };
    try {
      const code = await this.startParts(hasVrrp);
      if (code !== undefined) {
        await closeServices();
        return code;
      }
      this.ready = true;
      let extras: Closeable[];
      try {
        extras = (await this.o.onReady?.(this)) ?? [];
      } catch (e) {
        this.io.err(`lvsd run: ${(e as Error).message}`);
        this.stopping = true;
        await this.stopAll();
        await closeServices();
        return EXIT.RUNTIME;
      }
      const why = await stopped;
      this.stopping = true;
      this.logger.info({ event: 'lvsd.signal', signal: why }, `${why}: stopping`);
      for (const x of extras) await Promise.resolve(x.close()).catch(() => undefined);
      const code2 = await this.stopAll();
      await closeServices();
      return code2;
    } finally {
      clearInterval(keepAlive);
      this.ports?.close();
      this.firewall?.close();
      this.kernel?.close();
      this.logger.flush();
    }
  }

  private waitForStop(): Promise<string> {
    return new Promise<string>((resolve) => {
      this.stopRequested = resolve;
      if (this.o.signal) {
        if (this.o.signal.aborted) resolve('abort');
        this.o.signal.addEventListener('abort', () => resolve('abort'), { once: true });
      }
    });
  }

  /** /healthz: running and not stopping. */
  healthy(): boolean {
    return this.ready && !this.stopping && !this.fatal;
  }

  /** Stop as at SIGTERM (the CLI's signal handlers and the control socket call this). */
  requestStop(why: string): void {
    this.stopRequested?.(why);
  }

  /** Opens the kernel interfaces and starts the parts; a number is an exit status (start failed). */
  private async startParts(hasVrrp: boolean): Promise<number | undefined> {
    const p = this.parts;
    if (p.virtualServers.length > 0 || p.syncd) {
      if (this.o.kernel === null) this.ipvsUnavailable = 'IPVS disabled';
      else if (this.o.kernel) this.kernel = this.o.kernel;
      else {
        try {
          const { openIpvs } = await import('../ipvs/client.js');
          this.kernel = await openIpvs();
        } catch (e) {
          const msg = (e as Error).message;
          if (this.o.mode === 'check-only' || !(e instanceof IpvsUnavailableError)) {
            this.io.err(`lvsd run: cannot open IPVS: ${msg}`);
            return EXIT.RUNTIME;
          }
          // VRRP and the checks still run; the condition is in the log, the status and the metrics.
          this.ipvsUnavailable = msg;
          this.logger.error({ event: 'lvs.unavailable', error: msg }, `${msg}; VRRP and health checks run, nothing is forwarded`);
        }
      }
    }
    if (this.kernel) {
      const file = this.o.ownedFile === undefined ? ownedFile() : this.o.ownedFile;
      const owned = file ? loadOwned(file) : [];
      if (owned.length) this.logger.info({ event: 'lvs.owned', file, services: owned.length }, `${owned.length} virtual service(s) created by an earlier run are lvsd's (${file})`);
      this.reconciler = new Reconciler({
        kernel: this.kernel,
        flush: p.model.global_defs?.lvs_flush === true,
        onEvent: (e) => this.onReconcile(e),
        owned,
        ...(file
          ? {
              onOwnedChange: (ids: string[]) => {
                try {
                  saveOwned(file, ids);
                } catch (e) {
                  this.logger.warn({ event: 'lvs.owned', file, error: (e as Error).message }, `cannot save ${file}: ${(e as Error).message}`);
                  throw e;
                }
              },
            }
          : {}),
      });
    }
    if (p.virtualServers.length > 0) {
      try {
        this.pool = this.makePool(p);
      } catch (e) {
        if (e instanceof CheckError) {
          this.io.err(`lvsd run: ${e.message}`);
          return EXIT.CONFIG_ERRORS;
        }
        throw e;
      }
      try {
        await this.pool.start();
        this.baseline();
        this.logInitialQuorum(p.virtualServers.length);
      } catch (e) {
        this.logger.error({ event: 'lvsd.start-failed', error: (e as Error).message }, `could not program IPVS: ${(e as Error).message}`);
        await this.pool.stop();
        await this.reconciler?.stop().catch(() => undefined);
        return EXIT.RUNTIME;
      }
    }
    this.reconciler?.start();
    if (p.syncd && this.kernel) {
      const sd = p.syncd;
      this.syncd = new SyncdFollower(sd, this.kernel, (state, error) => this.lvsBus.emit('lvs.syncd', { state: state === 'both' ? 'master' : state, interface: sd.interface, ...(error ? { error } : {}) }));
      // keepalived starts the backup daemon until the instance is MASTER (both without an instance).
      await this.syncd.set(sd.instance === undefined ? 'both' : 'backup');
    }
    if (hasVrrp) {
      const code = await this.startVrrp();
      if (code !== undefined) {
        await this.stopLvs();
        return code;
      }
    }
    this.logger.info(
      { event: 'lvsd.ready', mode: this.o.mode, instances: this.vrrp?.config.instances.map((i) => i.core.name) ?? [], ...listedVirtualServers(p.virtualServers.map((v) => v.id)), probes: this.pool?.unitCount ?? 0, ipvsProgram: p.program },
      `lvsd running (${this.o.mode}): ${this.vrrp?.config.instances.length ?? 0} VRRP instance(s), ${p.virtualServers.length} virtual server(s), ${this.pool?.unitCount ?? 0} probe(s)`,
    );
    return undefined;
  }

  private async startVrrp(): Promise<number | undefined> {
    this.vr = await loadVrrp();
    try {
      this.ports = await this.vr.linuxPorts();
    } catch (e) {
      const msg = (e as Error).message;
      const perm = /EPERM|EACCES|not permitted|permission denied/i.test(`${(e as { code?: string }).code ?? ''} ${msg}`);
      this.io.err(`lvsd run: cannot open the kernel interfaces: ${msg}${perm ? ' (lvsd needs CAP_NET_RAW for the VRRP and ARP sockets and CAP_NET_ADMIN for addresses and IPVS: run it as root, or grant both)' : ''}`);
      return EXIT.RUNTIME;
    }
    const config = await this.vrrpConfig(this.parts);
    if (!config) return EXIT.CONFIG_ERRORS;
    const node = this.makeNode(config);
    try {
      await node.start();
    } catch (e) {
      if (e instanceof this.vr.VrrpRuntimeError) {
        this.io.err(`lvsd run: ${e.message}`);
        await node.stop();
        return EXIT.RUNTIME;
      }
      throw e;
    }
    this.vrrp = { node, config };
    return undefined;
  }

  /** The runtime VRRP configuration (interface addresses read now); undefined after printing why not. */
  private async vrrpConfig(p: Parts, log: (s: string) => void = this.io.err): Promise<RuntimeConfig | undefined> {
    const resolved = p.vrrp!;
    const ports = this.ports!;
    const names = [...new Set(resolved.instances.map((i) => i.interface).filter((n): n is string => n !== undefined))];
    const vipSet = new Set(resolved.instances.flatMap((i) => i.vips.map((v) => v.address)));
    const addrs = await this.vr.interfaceAddresses(ports, names, vipSet);
    const { config, issues } = this.vr.runtimeConfig(resolved, (n) => addrs.get(n));
    for (const i of issues) log(`${this.o.file}: ${i.severity}: ${i.message}`);
    if (p.lvs) for (const c of acceptModeConflicts(resolved, p.lvs)) log(`${this.o.file}: warning: ${acceptConflictMessage(c)}`);
    if (issues.some((i) => i.severity === 'error')) {
      log(`lvsd run: ${this.o.file} cannot run here`);
      return undefined;
    }
    return config;
  }

  private makeNode(config: RuntimeConfig, carry?: { instances: Map<string, CarriedInstance>; groups: Map<string, VrrpStateName> }): VrrpNode {
    const ports = this.ports!;
    if (config.firewall && !this.firewall) this.firewall = new NftFirewall(config.firewall);
    const firewall = config.firewall ? this.firewall : undefined;
    return new this.vr.VrrpNode(config, { ...ports, addresses: this.gatedAddresses(ports.addresses), ...(firewall ? { firewall } : {}) }, {
      bus: this.vrrpBus,
      onFatal: (e) => {
        this.fatal = e;
        this.requestStop('fatal');
      },
      ...(carry ? { carry: carry.instances, carryGroups: carry.groups } : {}),
    });
  }

  /**
   * The VRRP node's address manager, with IPVS ordered around it: a VIP's services are programmed
   * before the VIP is added (its first packet is forwarded, not refused) and withdrawn after it is
   * removed (lvsd_ipvs_program follow_vrrp; with `always` nothing changes).
   */
  private gatedAddresses(am: AddressManager): AddressManager {
    return {
      add: async (a: AddressSpec) => {
        if (this.ownership.setHeld(a.address, true)) await this.programFor(a.address, true);
        return am.add(a);
      },
      remove: async (a: AddressSpec) => {
        const changed = await am.remove(a);
        if (this.ownership.setHeld(a.address, false)) await this.programFor(a.address, false);
        return changed;
      },
      list: (n) => am.list(n),
    };
  }

  private async programFor(address: string, programmed: boolean): Promise<void> {
    if (this.ownership.mode === 'always') return;
    const services = this.ownership.servicesOf(this.desired, address);
    if (services === 0 || !this.reconciler) return;
    this.lvsBus.emit('lvs.ownership', { address, programmed, services });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.pushIpvs().catch(() => undefined), new Promise((r) => (timer = setTimeout(r, PROGRAM_BEFORE_VIP_MS)))]);
    clearTimeout(timer);
  }

  /** The desired table, filtered by what this director holds, to the reconciler. */
  private pushIpvs(): Promise<unknown> {
    if (!this.reconciler) return Promise.resolve();
    return this.reconciler.setDesired(this.ownership.filter(this.desired));
  }

  private makePool(p: Parts, carry?: ReadonlyMap<string, import('../check/policy.js').CheckerState>): CheckPool {
    const g = p.model.global_defs;
    const present = new Set<string>();
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) present.add(a.address);
    const vipOf = (v: number): string[] => (p.virtualServers[v]?.services ?? []).flatMap((s) => (s.kind === 'address' ? [s.first] : []));
    const suspended = p.virtualServers.map((vs, v) => ({ vs, v })).filter((x) => x.vs.ha_suspend && !vipOf(x.v).some((a) => present.has(a))).map((x) => x.v);
    return new CheckPool({
      virtualServers: p.virtualServers,
      sink: {
        setDesired: (servers) => {
          this.desired = [...servers];
          return this.pushIpvs();
        },
      },
      context: p.checkContext,
      onEvent: (e) => this.onPoolEvent(e),
      onProbe: (d) => this.lvsBus.emit('check.probe', d),
      policy: { rsInitNotifies: g?.rs_init_notifies === true },
      suspended,
      ...(carry ? { carry } : {}),
    });
  }

  /* ---------------- events ---------------- */

  /**
   * One line for the quorum every virtual server started with (keepalived logs "Gained quorum" for
   * each, 10,000 lines for 10,000 services; they are at debug). A virtual server that starts
   * without quorum has its own info line ("Starting with quorum down") as well.
   */
  private logInitialQuorum(total: number): void {
    const up = this.initialQuorumUp;
    this.initialQuorumUp = 0;
    this.logger.info({ event: 'lvs.quorum.initial', quorumUp: up, quorumDown: total - up }, `virtual servers at start: ${up} with quorum, ${total - up} without`);
  }

  /**
   * Real servers' and quorum states as last reported on the bus (by virtual server id): the
   * servers array they were read against and, by index, whether each was alive.
   */
  private reported = new Map<string, VsLiveness>();
  private diffScheduled = false;

  /** The states the next report compares against (after a pool starts; a reload keeps known ones). */
  private baseline(): void {
    this.pool?.liveness().forEach((v) => {
      if (!this.reported.has(v.id)) this.reported.set(v.id, v);
    });
  }

  /** Emits lvs.rs / lvs.quorum for what changed since the last report (once per event-loop turn). */
  private reportChanges(): void {
    if (this.diffScheduled) return;
    this.diffScheduled = true;
    setImmediate(() => {
      this.diffScheduled = false;
      const pool = this.pool;
      if (!pool) return;
      pool.liveness().forEach((v, i) => {
        const vs = this.parts.virtualServers[i];
        if (!vs) return;
        const prev = this.reported.get(v.id);
        this.reported.set(v.id, v);
        if (!prev) return;
        const proto = (vs.protocol ?? (vs.services[0]?.kind === 'fwmark' ? 'fwm' : 'tcp')).toLowerCase();
        const changed = (r: number): void => {
          const s = v.servers[r]!;
          this.lvsBus.emit('lvs.rs', { vs: v.id, rs: `[${s.address}]:${proto}:${s.port}`, alive: v.alive[r]! });
        };
        if (prev.servers === v.servers) {
          for (let r = 0; r < v.alive.length; r++) if (prev.alive[r] !== v.alive[r]) changed(r);
        } else {
          // Another configuration (a reload): servers are matched by address and port; a new one is reported.
          const was = new Map(prev.servers.map((s, r) => [`${s.address}|${s.port}`, prev.alive[r]]));
          v.servers.forEach((s, r) => {
            if (was.get(`${s.address}|${s.port}`) !== v.alive[r]) changed(r);
          });
        }
        if (prev.quorumUp !== v.quorumUp) this.lvsBus.emit('lvs.quorum', { vs: v.id, up: v.quorumUp });
      });
    });
  }

  /** Virtual servers that started with quorum (their "Gained quorum" lines are at debug). */
  private initialQuorumUp = 0;

  private onPoolEvent(e: PoolEvent): void {
    if (e.kind === 'action' && e.action.kind === 'log' && e.action.initial) {
      // A starting state, not a change: the baseline taken after the pool starts holds it.
      this.initialQuorumUp++;
      this.logger.debug({ event: 'lvs.initial' }, e.action.message);
      return;
    }
    if (e.kind === 'action' || e.kind === 'checker') this.reportChanges();
    switch (e.kind) {
      case 'action': {
        const a = e.action;
        if (a.kind === 'log') {
          this.logger.info({ event: 'lvs.change' }, a.message);
          return;
        }
        this.runNotify(a.command, a.event, a.vs, a.rs);
        return;
      }
      case 'checker':
        this.lvsBus.emit('check.state', { target: e.target, type: e.type, servers: e.servers, state: e.event, reason: e.result.reason, detail: e.result.detail });
        return;
      case 'failure':
        this.logger.info({ event: 'check.failure', check: e.target, reason: e.result.reason }, `${e.target} failed: ${e.result.detail}`);
        return;
      case 'table-error':
        this.lvsBus.emit('lvs.error', { reason: 'table', message: e.error.message });
        return;
    }
  }

  private runNotify(cmd: ScriptCommand, what: string, vs: string, rs: string | undefined): void {
    const su = this.parts.scriptUser;
    const p = runScript({
      command: cmd.command,
      timeoutMs: NOTIFY_TIMEOUT_MS,
      ...(cmd.user ? { user: cmd.user } : su ? { user: su.user } : {}),
      ...(cmd.group ? { group: cmd.group } : !cmd.user && su?.group ? { group: su.group } : {}),
    }).then((r) => {
      if (r.error || r.timedOut || r.exitCode !== 0) this.logger.warn({ event: 'check.notify.failed', command: cmd.command, what, exit: r.exitCode, timedOut: r.timedOut, error: r.error?.message }, `notify ${what} ${cmd.command} failed`);
    });
    this.pendingNotify.add(p);
    void p.finally(() => this.pendingNotify.delete(p));
    this.logger.info({ event: 'check.notify', what, vs, rs, command: cmd.command }, `notify ${what}: ${cmd.command}`);
  }

  private onReconcile(e: import('../ipvs/reconcile.js').ReconcileEvent): void {
    if (e.type === 'applied') {
      this.opsApplied += e.ops.length;
      const byOp: Record<string, number> = {};
      for (const o of e.ops) byOp[o.op] = (byOp[o.op] ?? 0) + 1;
      this.lvsBus.emit('lvs.reconcile', { reason: e.reason, ops: e.ops.length, failed: e.failed.length, ms: e.ms, byOp });
    } else if (e.type === 'drift') this.lvsBus.emit('lvs.drift', { repaired: e.repaired });
    else this.lvsBus.emit('lvs.error', { reason: e.reason, message: e.error.message });
  }

  /* ---------------- reload ---------------- */

  /**
   * SIGHUP: reads the configuration again and applies the difference. A configuration that does not
   * load, or cannot run here, is rejected and the running one goes on untouched.
   */
  reload(): Promise<{ ok: boolean; message: string }> {
    if (!this.ready) {
      this.logger.warn({ event: 'daemon.reload', ok: false }, 'reload requested while starting; ignored');
      return Promise.resolve({ ok: false, message: 'lvsd is still starting' });
    }
    const run = async (): Promise<{ ok: boolean; message: string }> => {
      const t0 = performance.now();
      const problems: string[] = [];
      const reject = (why: string): { ok: boolean; message: string } => {
        const message = `reload rejected, the running configuration is kept: ${why}`;
        this.lastReload = { at: Date.now(), ok: false, message };
        this.lvsBus.emit('daemon.reload', { ok: false, message, durationMs: performance.now() - t0 });
        return { ok: false, message };
      };
      let next: Parts;
      try {
        const loaded = loadToRun(this.o.file, this.o.configId, (s) => problems.push(s));
        if (!loaded.ok) return reject(problems.filter((s) => !/not starting$/.test(s)).join('; ') || 'the file cannot be read');
        next = buildParts(loaded.cfg.model, this.o.mode, this.o.ipvsProgram, loaded.cfg.lvs);
      } catch (e) {
        return reject((e as Error).message);
      }
      const hasVrrp = (next.vrrp?.instances.length ?? 0) > 0;
      if ((this.vrrp !== undefined) !== hasVrrp) return reject(hasVrrp ? 'VRRP instances appeared; restart lvsd to start VRRP' : 'no VRRP instance left; restart lvsd to stop VRRP');
      if (next.virtualServers.length > 0 && !this.pool && !this.reconciler && !this.ipvsUnavailable) return reject('virtual servers appeared; restart lvsd to start IPVS');
      let newConfig: RuntimeConfig | undefined;
      if (this.vrrp) {
        newConfig = await this.vrrpConfig(next, (s) => problems.push(s));
        if (!newConfig) return reject(problems.join('; '));
      }
      let newPool: CheckPool | undefined;
      if (next.virtualServers.length > 0) {
        try {
          newPool = this.makePool(next, this.pool?.states());
        } catch (e) {
          return reject((e as Error).message);
        }
      }
      // From here on the new configuration is applied.
      let kept = 0;
      let restarted = 0;
      const held = this.ownership.heldAddresses();
      this.ownership = new Ownership(next.program, next.vips, held);
      if (this.vrrp && newConfig) {
        const plan = this.vr.planVrrpReload(this.vrrp.config, newConfig);
        const carry = await this.vrrp.node.handOver(plan.keep);
        // A table that the new configuration names differently (or no longer needs) goes with the old node.
        const oldFw = this.firewall;
        if (oldFw && !sameFirewall(oldFw.options, newConfig.firewall)) {
          await oldFw.stop().catch(() => undefined);
          oldFw.close();
          this.firewall = undefined;
        }
        const node = this.makeNode(newConfig, carry);
        await node.start();
        this.vrrp = { node, config: newConfig };
        kept = plan.keep.size;
        restarted = plan.start.length;
      }
      const before = this.opsCount;
      await this.pool?.stop({ quiet: true });
      this.pool = newPool;
      this.parts = next;
      if (newPool) {
        await newPool.start();
        this.initialQuorumUp = 0;
        this.baseline();
        // A virtual server whose quorum differs from before the reload is reported as a change.
        this.reportChanges();
      }
      else {
        this.desired = [];
        await this.pushIpvs();
      }
      const ipvsOps = this.opsCount - before;
      const message = `configuration reloaded: ${kept} VRRP instance(s) kept, ${restarted} (re)started, ${next.virtualServers.length} virtual server(s), ${ipvsOps} IPVS operation(s)`;
      this.lastReload = { at: Date.now(), ok: true, message };
      this.lvsBus.emit('daemon.reload', { ok: true, message, durationMs: performance.now() - t0, instancesKept: kept, instancesRestarted: restarted, ipvsOps });
      return { ok: true, message };
    };
    // One reload at a time; a SIGHUP during a reload runs after it.
    const p = (this.reloading ?? Promise.resolve()).then(run, run);
    this.reloading = p;
    return p;
  }

  /** IPVS operations applied so far (the reload reports how many it took). */
  private opsApplied = 0;
  private get opsCount(): number {
    return this.opsApplied;
  }

  /* ---------------- stop ---------------- */

  private async stopLvs(): Promise<number> {
    let code: number = EXIT.OK;
    if (this.pool) await this.pool.stop();
    // keepalived runs the shutdown notifiers with a one-second limit; lvsd waits for them as long.
    if (this.pendingNotify.size) {
      let t: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled([...this.pendingNotify]), new Promise((r) => (t = setTimeout(r, 1000)))]);
      clearTimeout(t);
    }
    if (this.reconciler) {
      try {
        const r = await this.reconciler.stop();
        this.logger.info({ event: 'lvs.stopped', removed: r.removed, left: r.left }, `removed ${r.removed} virtual service(s)${r.left.length ? `; still in the kernel: ${r.left.join(', ')}` : ''}`);
        if (r.left.length) code = EXIT.RUNTIME;
      } catch (e) {
        this.logger.error({ event: 'lvs.stop-failed', error: (e as Error).message }, `could not remove the virtual services: ${(e as Error).message}`);
        code = EXIT.RUNTIME;
      }
    }
    if (this.syncd) await this.syncd.stop();
    return code;
  }

  private async stopAll(): Promise<number> {
    await this.reloading?.catch(() => undefined);
    // A second signal while stopping ends the process at once.
    const hard = (): void => process.exit(EXIT.RUNTIME);
    if (!this.o.signal) {
      process.once('SIGINT', hard);
      process.once('SIGTERM', hard);
    }
    // Priority 0 first (the peer takes over after Skew_Time), then the VIPs and the services.
    await this.vrrp?.node.stop();
    const code = await this.stopLvs();
    this.logger.info({ event: 'lvsd.exit' }, 'stopped');
    return this.fatal ? EXIT.RUNTIME : code;
  }

  /** SIGUSR1 / SIGUSR2 / SIGURG: writes a dump; resolves with the file written. */
  async dump(what: 'data' | 'stats' | 'json'): Promise<string | undefined> {
    if (!this.dumper) {
      this.logger.warn({ event: 'lvsd.dump', what }, `no ${what} dump in this build`);
      return undefined;
    }
    try {
      const file = await this.dumper(what);
      this.logger.info({ event: 'lvsd.dump', what, file }, `${what} dump written to ${file}`);
      return file;
    } catch (e) {
      this.logger.error({ event: 'lvsd.dump', what, error: (e as Error).message }, `${what} dump failed: ${(e as Error).message}`);
      return undefined;
    }
  }

  /* ---------------- status ---------------- */

  status(): DaemonStatus {
    const cfg = this.vrrp?.config;
    const instances: InstanceReport[] = (this.vrrp?.node.status() ?? []).map((s) => {
      const rc = cfg?.instances.find((i) => i.core.name === s.name);
      const since = this.since.get(s.name);
      return {
        name: s.name,
        vrid: s.vrid,
        interface: s.ifname,
        state: s.state,
        priority: rc?.core.priority ?? s.priority,
        effectivePriority: s.priority,
        master: s.state === 'MASTER' ? (rc?.core.primaryAddress ?? null) : s.master,
        vips: rc?.vips.map((v) => `${v.address}/${v.prefix}${v.ifname !== rc.ifname ? ` dev ${v.ifname}` : ''}`) ?? [],
        vipsHeld: s.vipsHeld,
        since: since?.at ?? this.startedAt,
        lastReason: since?.reason ?? null,
        ...(rc?.syncGroup ? { syncGroup: rc.syncGroup } : {}),
        counters: s.counters,
      };
    });
    return {
      version: this.o.version ?? '',
      pid: process.pid,
      startedAt: this.startedAt,
      now: Date.now(),
      configFile: this.o.file,
      lastReload: this.lastReload,
      mode: this.o.mode,
      ipvsProgram: this.parts.program,
      ipvsUnavailable: this.ipvsUnavailable,
      instances,
      virtualServers: (this.pool?.status() ?? []).map((v, i) => {
        const vs = this.parts.virtualServers[i];
        const addr = vs?.services.find((s) => s.kind === 'address');
        const programmed = this.parts.program === 'always' || !addr || addr.kind !== 'address' || !this.ownership.isManaged(addr.first) || this.ownership.held(addr.first);
        return { ...v, programmed: programmed && !this.ipvsUnavailable };
      }),
      syncDaemon: this.syncd ? { state: this.syncd.state === 'both' ? 'master' : this.syncd.state, interface: this.syncd.cfg.interface } : null,
    };
  }
}

/** The same nftables table, tuned the same way. */
function sameFirewall(a: FirewallOptions, b: FirewallOptions | undefined): boolean {
  return b !== undefined && a.table === b.table && a.priority === b.priority && a.counters === b.counters;
}

/** How many virtual servers the ready line names; `lvsd status` lists them all. */
export const READY_LISTED = 32;

/**
 * The ready line's virtual servers: the first READY_LISTED ids and how many more there are. A
 * line naming 10,000 services (300 KB) is more than a journal keeps as one line and says nothing
 * an operator reads there.
 */
export function listedVirtualServers(ids: readonly string[]): { virtualServers: string[]; virtualServersOmitted?: number } {
  if (ids.length <= READY_LISTED) return { virtualServers: [...ids] };
  return { virtualServers: ids.slice(0, READY_LISTED), virtualServersOmitted: ids.length - READY_LISTED };
}
