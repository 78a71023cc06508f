// Runtime: one VRRP node. Owns the raw sockets (one per interface and family, shared by the instances on
// it), routes received packets to instances by VRID, runs the pure core (state.ts / sync-group.ts) on an
// injected clock and executes its actions through the kernel ports (src/net/ports.ts). The advert path
// (receive -> step -> send, timer -> step -> send) is synchronous: VIP changes, announcements, notify and
// check scripts run beside it and are never awaited by it.
import { vrrpBus, type VrrpBus } from '../../events/vrrp.js';
import type { AddressManager, AddressSpec, Announcer, Ipv4DevConf, LinkMonitor, ReceivedPacket, RouteManager, VipFirewall, VirtualLinkManager, VrrpSocket, VrrpSocketFactory } from '../../net/ports.js';
import { emptyCounters, type CounterName, type Counters } from '../counters.js';
import { VrrpDecodeError } from '../errors.js';
import type { RuntimeConfig, RuntimeInstance, RuntimeSyncGroup } from '../from-config.js';
import { initialInstanceState, step, type Action, type Event, type InstanceState, type TimerName } from '../state.js';
import { groupStep } from '../sync-group.js';
import type { VrrpStateName } from '../types.js';
import { AnnounceScheduler } from './announce.js';
import { VrrpRuntimeError } from './errors.js';
import { Notifier, NOTIFY_TIMEOUT_MS } from './notify.js';
import type { Clock, FileAccess, ScriptRunner } from './ports.js';
import { classifyPacket } from './receive.js';
import { InstanceTimers } from './timers.js';
import { TrackingRunner } from './tracking.js';
import { AdvertCache, rehearseAdverts, sendAdverts } from './transmit.js';
import { AhSender } from './ah.js';
import { acceptSeq, type AhCounter } from '../ipsec-ah.js';
import { VipController, type InstalledRouting } from './vips.js';
import { VirtualLinks } from './vmac.js';

export interface VrrpNodePorts {
  sockets: VrrpSocketFactory;
  addresses: AddressManager;
  /** virtual_routes / virtual_rules (without it, an instance that has some reports an error on becoming master). */
  routes?: RouteManager;
  announcer: Announcer;
  links?: LinkMonitor;
  /** use_vmac / use_ipvlan interfaces (without it, an instance that has one cannot start). */
  vlinks?: VirtualLinkManager;
  clock: Clock;
  runScript: ScriptRunner;
  files?: FileAccess;
  /** RFC 5798 §6.4.3: drops traffic to the VIPs of instances without Accept_Mode (config.firewall says which table). */
  firewall?: VipFirewall;
}

export interface VrrpNodeOptions {
  bus?: VrrpBus;
  /** How long stop() waits for notify_stop and other running notify scripts (keepalived: 5 s). */
  stopGraceMs?: number;
  notifyTimeoutMs?: number;
  filePollMs?: number;
  /** A socket failed for good: the node cannot work any more (the CLI exits). */
  onFatal?: (e: Error) => void;
  /**
   * Instances handed over by the node this one replaces (a reload, `handOver()`): they keep their
   * state, timers, counters and VIPs, send no extra advert, GARP or notify, and are not restarted.
   */
  carry?: ReadonlyMap<string, CarriedInstance>;
  /** Sync group states handed over with their (all carried) members. */
  carryGroups?: ReadonlyMap<string, VrrpStateName>;
}

export interface HandedOver {
  instances: Map<string, CarriedInstance>;
  groups: Map<string, VrrpStateName>;
}

/** One instance's live state, passed from a node to its replacement on reload. */
export interface CarriedInstance {
  st: InstanceState;
  counters: Counters;
  installed: AddressSpec[];
  held: boolean;
  routing?: InstalledRouting;
  /** auth_type AH: the sequence counter (a reload must not restart it: peers would drop the numbers as replays). */
  ah?: AhCounter;
  /** The base interface's ARP settings found before its VMAC was made (put back when the VMAC goes). */
  vlinkBase?: Ipv4DevConf;
}

export interface InstanceStatus {
  name: string;
  vrid: number;
  ifname: string;
  state: VrrpStateName;
  priority: number;
  master: string | null;
  vipsHeld: boolean;
  counters: Counters;
}

interface InstRt {
  rc: RuntimeInstance;
  st: InstanceState;
  counters: Counters;
  timers: InstanceTimers;
  vips: VipController;
  sock: VrrpSocket | undefined;
  started: boolean;
  lastSendError: string | null;
  adverts: AdvertCache;
  /** auth_type AH: wraps adverts in IP + AH and holds the sequence counter; undefined otherwise. */
  ah: AhSender | undefined;
  /** Carried over from the previous node (reload): started as it is, not from INIT. */
  carried: boolean;
}

interface GroupRt {
  cfg: RuntimeSyncGroup;
  state: VrrpStateName;
}

/** An instance's socket: per interface and family, and for auth_type AH a protocol 51 socket of its own. */
const sockKey = (ifname: string, family: 'ipv4' | 'ipv6', ah = false): string => `${ifname}|${family}${ah ? '|ah' : ''}`;
const usesAh = (rc: RuntimeInstance): boolean => rc.core.version === 2 && rc.core.family === 'ipv4' && rc.core.auth.type === 'ah';

export class VrrpNode {
  readonly bus: VrrpBus;
  private readonly inst = new Map<string, InstRt>();
  private readonly groups = new Map<string, GroupRt>();
  private readonly groupOf = new Map<string, string>();
  private readonly sockets = new Map<string, VrrpSocket>();
  private readonly onSocket = new Map<string, RuntimeInstance[]>();
  /**
   * Instances a packet received on a socket may be for: all of the interface and family, whatever the
   * protocol, so that an AH packet for a non-AH instance (and the reverse) is counted as authtype_mismatch.
   */
  private readonly onLink = new Map<string, RuntimeInstance[]>();
  private readonly notifier: Notifier;
  private readonly announcer: AnnounceScheduler;
  private readonly tracking: TrackingRunner;
  private readonly vlinks: VirtualLinks;
  private readonly queue: Array<[string, Event, number | undefined]> = [];
  private draining = false;
  private phase: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new';
  private stopping: Promise<void> | undefined;
  /** The firewall's table exists (created at start; deleted at stop). */
  private firewallUp = false;
  /** Packets for a VRID no instance here has. */
  unknownVrid = 0;

  constructor(
    readonly config: RuntimeConfig,
    private readonly ports: VrrpNodePorts,
    private readonly opts: VrrpNodeOptions = {},
  ) {
    this.bus = opts.bus ?? vrrpBus();
    const clock = ports.clock;
    this.notifier = new Notifier(ports.runScript, this.bus, clock, opts.notifyTimeoutMs ?? NOTIFY_TIMEOUT_MS);
    this.announcer = new AnnounceScheduler(clock, ports.announcer, this.bus);
    this.vlinks = new VirtualLinks(ports.vlinks, ports.addresses, this.bus);
    for (const rc of config.instances) {
      const name = rc.core.name;
      const carried = opts.carry?.get(name);
      this.inst.set(name, {
        rc,
        st: carried ? carried.st : initialInstanceState(rc.core),
        counters: carried ? { ...carried.counters } : emptyCounters(),
        // One callback for the expiry and its rehearsal (timers.ts): the rehearsal runs this code too, so
        // the rare Master_Down_Timer expiry runs compiled, not cold, code.
        timers: new InstanceTimers(
          clock,
          (timer, rehearsalFor) => (rehearsalFor === undefined ? this.deliver(name, { type: 'timer', timer }) : this.rehearse(name, timer, rehearsalFor)),
          ['masterDown'],
        ),
        vips: new VipController(name, rc.vips, ports.addresses, this.bus, { manager: ports.routes, routes: rc.routes, rules: rc.rules }),
        sock: undefined,
        started: false,
        lastSendError: null,
        adverts: new AdvertCache(rc.core, rc.oldUnicastChecksum),
        ah: usesAh(rc) ? new AhSender(rc.core, carried?.ah ? { ...carried.ah } : undefined) : undefined,
        carried: carried !== undefined,
      });
      if (carried) this.inst.get(name)!.vips.adopt(carried.installed, carried.held, carried.routing);
      if (carried && rc.vlink) this.vlinks.adopt(name, rc.vlink, carried.vlinkBase);
      const k = sockKey(rc.ifname, rc.core.family, usesAh(rc));
      this.onSocket.set(k, [...(this.onSocket.get(k) ?? []), rc]);
      const l = sockKey(rc.ifname, rc.core.family);
      this.onLink.set(l, [...(this.onLink.get(l) ?? []), rc]);
    }
    for (const g of config.syncGroups) {
      this.groups.set(g.name, { cfg: g, state: opts.carryGroups?.get(g.name) ?? 'INIT' });
      for (const m of g.members) this.groupOf.set(m, g.name);
    }
    const trackDeps = { clock, runScript: ports.runScript, bus: this.bus, ...(ports.links ? { links: ports.links } : {}), ...(ports.files ? { files: ports.files } : {}), ...(opts.filePollMs !== undefined ? { filePollMs: opts.filePollMs } : {}) };
    this.tracking = new TrackingRunner(config.instances, config.scripts, config.trackFiles, trackDeps, (names) => this.trackingChanged(names));
  }

  /* ---------------- lifecycle ---------------- */

  /** Open sockets, clear stale VIPs, start tracking, then start every instance whose trackers have reported. */
  async start(): Promise<void> {
    if (this.phase !== 'new') throw new VrrpRuntimeError('bad_lifecycle', `start() in phase ${this.phase}`);
    this.phase = 'starting';
    try {
      // The VMAC / ipvlan interfaces first: the sockets and VIPs of their instances live on them.
      for (const i of this.inst.values()) if (!i.carried && i.rc.vlink) await this.vlinks.create(i.rc.core.name, i.rc.vlink);
      this.openSockets();
    } catch (e) {
      this.closeSockets();
      await this.removeVlinks(() => true);
      this.phase = 'stopped';
      throw e;
    }
    await Promise.all([...this.inst.values()].filter((i) => !i.carried).map((i) => i.vips.removeStale()));
    await this.startFirewall();
    this.tracking.start();
    if (this.config.startupDelayMs > 0) {
      // keepalived vrrp_startup_delay: give the network time to come up before the first election.
      await new Promise<void>((r) => this.ports.clock.setTimer(r, this.config.startupDelayMs));
    }
    if ((this.phase as string) !== 'starting') return; // stopped while starting
    this.phase = 'running';
    for (const i of this.inst.values()) {
      if (!i.carried) {
        this.tryStart(i);
        continue;
      }
      // A carried instance goes on where the old node left it: its timers at their deadlines.
      i.started = true;
      for (const [t, at] of Object.entries(i.st.timers)) if (at !== null) i.timers.set(t as keyof InstanceState['timers'], at);
    }
    this.bus.emit('vrrp.started', { instances: [...this.inst.keys()], interfaces: [...this.sockets.keys()] });
  }

  /**
   * RFC 5798 §6.4.3 Accept_Mode False: create the table (replacing one a crashed run left), with the VIPs of
   * carried masters already in it. Without nf_tables the node runs on and says once that nothing is dropped.
   */
  private async startFirewall(): Promise<void> {
    const fo = this.config.firewall;
    const dropping = [...this.inst.values()].filter((i) => i.rc.dropVips);
    if (!fo || dropping.length === 0) return;
    const names = dropping.map((i) => i.rc.core.name).join(', ');
    const fw = this.ports.firewall;
    if (!fw) {
      this.bus.emit('vrrp.error', { instance: null, code: 'firewall_unavailable', message: `no firewall: traffic to the VIPs of ${names} (no accept mode) is not dropped` });
      return;
    }
    const held = dropping.filter((i) => i.carried && i.vips.held);
    try {
      await fw.start(held.flatMap((i) => i.vips.firewallVips()));
    } catch (e) {
      for (const i of held) i.vips.setDropping(false);
      this.bus.emit('vrrp.error', { instance: null, code: 'firewall_unavailable', message: `nftables table inet ${fo.table} cannot be created (${(e as Error).message}): traffic to the VIPs of ${names} (no accept mode) is not dropped` });
      return;
    }
    this.firewallUp = true;
    for (const i of dropping) i.vips.useFirewall(fw);
    this.bus.emit('vrrp.firewall_table', { table: fo.table, op: 'create' });
  }

  private async stopFirewall(): Promise<void> {
    if (!this.firewallUp) return;
    this.firewallUp = false;
    try {
      await this.ports.firewall!.stop();
      this.bus.emit('vrrp.firewall_table', { table: this.config.firewall!.table, op: 'delete' });
    } catch (e) {
      this.bus.emit('vrrp.error', { instance: null, code: 'firewall_delete_failed', message: `nftables table inet ${this.config.firewall!.table}: ${(e as Error).message}` });
    }
  }

  private openSockets(): void {
    for (const [k, list] of this.onSocket) {
      const { ifname, core } = list[0]!;
      const ah = usesAh(list[0]!);
      let sock: VrrpSocket;
      try {
        sock = ah ? this.ports.sockets.open(ifname, 4, 51) : this.ports.sockets.open(ifname, core.family === 'ipv4' ? 4 : 6);
      } catch (e) {
        const errno = (e as { code?: string }).code;
        const perm = errno === 'EPERM' || errno === 'EACCES' || /not permitted|permission denied/i.test((e as Error).message);
        const why = perm ? 'permission denied: lvsd needs root (CAP_NET_RAW and CAP_NET_ADMIN)' : (e as Error).message;
        throw new VrrpRuntimeError('socket_open_failed', `cannot open the VRRP raw socket on ${ifname} (${core.family}${ah ? ', IPsec AH' : ''}): ${why}`, e);
      }
      this.sockets.set(k, sock);
      for (const rc of list) this.inst.get(rc.core.name)!.sock = sock;
      const groups = new Set(list.filter((i) => i.core.unicastPeers.length === 0).map((i) => i.core.mcastGroup));
      for (const g of groups) {
        try {
          sock.join(g);
        } catch (e) {
          throw new VrrpRuntimeError('multicast_join_failed', `cannot join ${g} on ${ifname}: ${(e as Error).message}`, e);
        }
      }
      sock.onPacket((p) => this.receive(k, p));
      sock.onError((e) => {
        // A packet the socket could not use (bad IP header, no Hop Limit): a drop, not a failure.
        const code = (e as { code?: unknown }).code;
        if (!e.fatal && (e instanceof VrrpDecodeError || code === 'LVSD_NET_BAD_PACKET')) {
          this.bus.emit('vrrp.drop', { instance: null, ifname, src: '', reason: typeof code === 'string' ? code : 'bad_packet', counter: e instanceof VrrpDecodeError ? e.counter : null, message: e.message });
          return;
        }
        this.bus.emit('vrrp.error', { instance: null, code: e.fatal ? 'socket_fatal' : 'socket_error', message: `${ifname} (${core.family}): ${e.message}` });
        if (e.fatal) this.opts.onFatal?.(e);
      });
    }
  }

  private closeSockets(): void {
    for (const s of this.sockets.values()) {
      try {
        s.close();
      } catch {
        /* closing anyway */
      }
    }
    this.sockets.clear();
  }

  /**
   * Graceful stop (SIGTERM): masters send priority 0 (RFC 5798 §6.4.3 "Shutdown") and remove exactly the
   * VIPs they added; notify_stop runs; sockets close. Resolves when all of that is done.
   */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    const t0 = this.ports.clock.now();
    this.phase = 'stopping';
    for (const [name, i] of this.inst) if (i.started) this.deliver(name, { type: 'shutdown' });
    for (const i of this.inst.values()) i.timers.cancelAll();
    this.announcer.stop();
    const trackingDone = this.tracking.stop();
    const grace = this.opts.stopGraceMs ?? 5000;
    // VIP removals have their own netlink deadlines; do not hang the stop if one never answers.
    if (!(await this.within(Promise.all([...this.inst.values()].map((i) => i.vips.idle())), grace))) {
      this.bus.emit('vrrp.error', { instance: null, code: 'stop_vips_timeout', message: `VIP removal did not finish within ${grace} ms` });
    }
    // After the VIPs are gone: the table and everything lvsd put in it.
    await this.within(this.stopFirewall(), grace);
    await this.notifier.drain(grace);
    await trackingDone;
    this.closeSockets();
    // After the VIPs (they are on it) and the sockets: keepalived deletes the VMAC at shutdown.
    if (!(await this.within(this.removeVlinks(() => true), grace))) {
      this.bus.emit('vrrp.error', { instance: null, code: 'stop_vlinks_timeout', message: `VMAC / ipvlan removal did not finish within ${grace} ms` });
    }
    this.phase = 'stopped';
    this.bus.emit('vrrp.stopped', { instances: [...this.inst.keys()], durationMs: this.ports.clock.now() - t0 });
  }

  /** Deletes the VMAC / ipvlan interfaces of the instances `which` selects that this node holds. */
  private async removeVlinks(which: (name: string) => boolean): Promise<void> {
    const held = new Set(this.vlinks.held());
    for (const [name, i] of this.inst) if (i.rc.vlink && held.has(i.rc.vlink.name) && which(name)) await this.vlinks.remove(name, i.rc.vlink.name);
  }

  /**
   * Reload: stops this node so that a new one can take over. The instances named in `keep` are
   * frozen (timers cancelled, no priority 0, VIPs left in place) and returned for the new node's
   * `carry`; every other instance stops as at SIGTERM (priority 0, its VIPs removed, notify_stop).
   */
  async handOver(keep: ReadonlySet<string>): Promise<HandedOver> {
    if (this.phase !== 'running') throw new VrrpRuntimeError('bad_lifecycle', `handOver() in phase ${this.phase}`);
    const t0 = this.ports.clock.now();
    this.phase = 'stopping';
    const out = new Map<string, CarriedInstance>();
    for (const [name, i] of this.inst) {
      if (keep.has(name)) {
        i.timers.cancelAll();
        continue;
      }
      if (i.started) this.deliver(name, { type: 'shutdown' });
    }
    for (const [name, i] of this.inst) if (!keep.has(name)) i.timers.cancelAll();
    this.announcer.stop();
    const trackingDone = this.tracking.stop();
    const grace = this.opts.stopGraceMs ?? 5000;
    const leaving = [...this.inst.entries()].filter(([n]) => !keep.has(n)).map(([, i]) => i.vips.idle());
    await this.within(Promise.all([...leaving, ...[...this.inst.entries()].filter(([n]) => keep.has(n)).map(([, i]) => i.vips.idle())]), grace);
    await this.notifier.drain(grace);
    await trackingDone;
    this.closeSockets();
    await this.within(this.removeVlinks((n) => !keep.has(n)), grace);
    for (const [name, i] of this.inst) {
      if (!keep.has(name)) continue;
      const c: CarriedInstance = { st: i.st, counters: { ...i.counters }, installed: i.vips.installedSpecs(), held: i.vips.held, routing: i.vips.installedRouting() };
      if (i.ah) c.ah = { ...i.ah.counter };
      const base = i.rc.vlink ? this.vlinks.savedBase(i.rc.vlink.base) : undefined;
      if (base) c.vlinkBase = base;
      out.set(name, c);
    }
    const groups = new Map<string, VrrpStateName>();
    for (const [g, rt] of this.groups) if (rt.cfg.members.every((m) => keep.has(m))) groups.set(g, rt.state);
    this.phase = 'stopped';
    this.stopping = Promise.resolve();
    this.bus.emit('vrrp.stopped', { instances: [...this.inst.keys()].filter((n) => !keep.has(n)), durationMs: this.ports.clock.now() - t0 });
    return { instances: out, groups };
  }

  /** Resolves true when `p` settles within `ms` on the node's clock, false otherwise. */
  private async within(p: Promise<unknown>, ms: number): Promise<boolean> {
    let h: ReturnType<Clock['setTimer']> | undefined;
    const late = new Promise<boolean>((r) => (h = this.ports.clock.setTimer(() => r(false), ms)));
    const ok = await Promise.race([p.then(() => true, () => true), late]);
    if (h !== undefined) this.ports.clock.clearTimer(h);
    return ok;
  }

  /* ---------------- tracking ---------------- */

  private tryStart(i: InstRt): void {
    if (i.started || this.phase !== 'running') return;
    const t = this.tracking.compute(i.rc);
    // keepalived holds an instance until every tracked script has a first result.
    if (t.pending) return;
    i.started = true;
    const name = i.rc.core.name;
    if (t.fault || t.priority !== i.rc.core.priority) this.bus.emit('vrrp.track', { instance: name, priority: t.priority, fault: t.fault, faultBy: t.faultBy });
    if (t.priority !== i.st.effectivePriority) this.deliver(name, { type: 'priority', priority: t.priority });
    if (t.fault) this.deliver(name, { type: 'fault', fault: true });
    this.deliver(name, { type: 'startup' });
  }

  private trackingChanged(names: string[]): void {
    if (this.phase !== 'running') return;
    for (const name of names) {
      const i = this.inst.get(name);
      if (!i) continue;
      if (!i.started) {
        this.tryStart(i);
        continue;
      }
      const t = this.tracking.compute(i.rc);
      // A carried instance (reload) waits for its scripts' first results before its priority moves.
      if (t.pending) continue;
      this.bus.emit('vrrp.track', { instance: name, priority: t.priority, fault: t.fault, faultBy: t.faultBy });
      if (t.priority !== i.st.effectivePriority) this.deliver(name, { type: 'priority', priority: t.priority });
      if (t.fault !== i.st.ownFault) this.deliver(name, { type: 'fault', fault: t.fault });
    }
  }

  /* ---------------- receive ---------------- */

  private receive(k: string, p: ReceivedPacket): void {
    if (this.phase !== 'running') return;
    // The advert's time is when it arrived: the kernel's stamp when the socket has one (rxAgeMs), not
    // when the event loop got to it, nor when decoding and validation are done.
    const at = this.ports.clock.now() - (p.rxAgeMs ?? 0);
    const link = k.endsWith('|ah') ? k.slice(0, -3) : k;
    const out = classifyPacket(p, this.onLink.get(link) ?? [], (n) => this.inst.get(n)?.ah?.counter.seq ?? 0);
    switch (out.kind) {
      case 'own':
        return;
      case 'unknown_vrid':
        this.unknownVrid++;
        this.bus.emit('vrrp.drop', { instance: null, ifname: p.ifname, src: p.src, reason: 'unknown_vrid', counter: null, message: out.message });
        return;
      case 'drop': {
        const i = this.inst.get(out.instance)!;
        if (out.ahSeq !== undefined && i.ah) acceptSeq(i.ah.counter, out.ahSeq, i.st.state === 'BACKUP');
        for (const c of out.counters) this.count(i, c);
        this.bus.emit('vrrp.drop', { instance: out.instance, ifname: p.ifname, src: p.src, reason: out.reason, counter: out.counters.at(-1) ?? null, message: out.message });
        return;
      }
      case 'advert': {
        const i = this.inst.get(out.instance)!;
        if (out.ahSeq !== undefined && i.ah) acceptSeq(i.ah.counter, out.ahSeq, i.st.state === 'BACKUP');
        for (const c of out.counters) this.count(i, c);
        this.deliver(out.instance, { type: 'advert', advert: out.advert }, at);
        return;
      }
    }
  }

  /* ---------------- core ---------------- */

  /**
   * Rehearsal of `timer` due at `at` (timers.ts): runs the pure step as if it fired, and the send path of
   * the adverts it would send up to the system call, then drops the result: no state, action or packet
   * (AH instances run the step only: wrapping takes a sequence number).
   */
  private rehearse(name: string, timer: TimerName, at: number): void {
    const i = this.inst.get(name);
    if (this.phase !== 'running' || !i || !i.sock) return;
    const gname = this.groupOf.get(name);
    let actions: Action[];
    if (gname === undefined) actions = step(i.rc.core, i.st, { type: 'timer', timer }, at).actions;
    else {
      const g = this.groups.get(gname)!;
      const members: Record<string, { cfg: RuntimeInstance['core']; state: InstanceState }> = {};
      for (const m of g.cfg.members) members[m] = { cfg: this.inst.get(m)!.rc.core, state: this.inst.get(m)!.st };
      actions = groupStep(g.cfg, g.state, members, name, { type: 'timer', timer }, at).actions.flatMap((a) => (a.type === 'instance' && a.instance === name ? [a.action] : []));
    }
    if (i.ah) return;
    for (const a of actions) if (a.type === 'sendAdvert') rehearseAdverts(i.sock, i.rc.core.primaryAddress, i.adverts.get(a.priority));
  }

  /** Feed one event to an instance (or its sync group); events raised while executing are queued. */
  private deliver(name: string, ev: Event, at?: number): void {
    this.queue.push([name, ev, at]);
    if (this.draining) return;
    this.draining = true;
    try {
      for (let job = this.queue.shift(); job; job = this.queue.shift()) this.deliverNow(job[0], job[1], job[2]);
    } finally {
      this.draining = false;
    }
  }

  private deliverNow(name: string, ev: Event, at?: number): void {
    const now = at ?? this.ports.clock.now();
    const gname = this.groupOf.get(name);
    if (gname !== undefined) {
      const g = this.groups.get(gname)!;
      const members: Record<string, { cfg: RuntimeInstance['core']; state: InstanceState }> = {};
      for (const m of g.cfg.members) {
        const rt = this.inst.get(m)!;
        members[m] = { cfg: rt.rc.core, state: rt.st };
      }
      const r = groupStep(g.cfg, g.state, members, name, ev, now);
      g.state = r.groupState;
      for (const [m, st] of Object.entries(r.members)) this.inst.get(m)!.st = st;
      // Adverts first (RFC 5798 §6.4.2 sends the ADVERTISEMENT before anything else); then the rest in order.
      for (const a of r.actions) if (a.type === 'instance' && a.action.type === 'sendAdvert') this.execute(this.inst.get(a.instance)!, a.action);
      for (const a of r.actions) {
        if (a.type === 'instance') {
          if (a.action.type !== 'sendAdvert') this.execute(this.inst.get(a.instance)!, a.action);
        } else {
          this.bus.emit('vrrp.group', { group: a.group, state: a.state });
          this.notifier.notify('GROUP', a.group, g.cfg.notify, a.state, 0);
        }
      }
      return;
    }
    const i = this.inst.get(name)!;
    const r = step(i.rc.core, i.st, ev, now);
    i.st = r.state;
    // The advert leaves before VIPs, announcements, notify and logs are even started.
    for (const a of r.actions) if (a.type === 'sendAdvert') this.execute(i, a);
    for (const a of r.actions) if (a.type !== 'sendAdvert') this.execute(i, a);
  }

  private count(i: InstRt, c: CounterName): void {
    i.counters[c]++;
    this.bus.emit('vrrp.counter', { instance: i.rc.core.name, counter: c, value: i.counters[c] });
  }

  private execute(i: InstRt, a: Action): void {
    const rc = i.rc;
    const name = rc.core.name;
    switch (a.type) {
      case 'sendAdvert': {
        if (!i.sock) return;
        const msgs = i.adverts.get(a.priority);
        const errs = sendAdverts(i.sock, rc.core.primaryAddress, i.ah ? i.ah.wrap(msgs, i.st.state === 'MASTER') : msgs);
        const msg = errs.length > 0 ? errs.map((e) => e.message).join('; ') : null;
        // One error event per change of error, not one per advert.
        if (msg !== null && msg !== i.lastSendError) this.bus.emit('vrrp.error', { instance: name, code: 'send_failed', message: msg });
        i.lastSendError = msg;
        return;
      }
      case 'addVips':
        void i.vips.add();
        return;
      case 'removeVips':
        void i.vips.remove();
        return;
      case 'announce': {
        const gen = i.vips.generation;
        const req = {
          instance: name,
          vips: rc.vips,
          repeat: a.repeat,
          reason: a.reason,
          garpIntervalMs: rc.garpIntervalMs,
          gnaIntervalMs: rc.gnaIntervalMs,
          current: () => i.vips.held && i.vips.generation === gen,
        };
        // After the VIPs are in place (the chain), never before; nothing waits for this.
        void i.vips.idle().then(() => this.announcer.announce(req));
        return;
      }
      case 'setTimer':
        i.timers.set(a.timer, a.at);
        return;
      case 'cancelTimer':
        i.timers.cancel(a.timer);
        return;
      case 'notify':
        this.notifier.notify('INSTANCE', name, rc.notify, a.state, a.priority);
        return;
      case 'count':
        this.count(i, a.counter);
        return;
      case 'transition':
        this.bus.emit('vrrp.transition', { instance: name, vrid: rc.core.vrid, from: a.from, to: a.to, reason: a.reason, priority: i.st.effectivePriority, master: i.st.masterAddress });
        return;
      case 'priorityChanged':
        this.bus.emit('vrrp.priority', { instance: name, from: a.from, to: a.to });
        return;
      case 'conflict':
        this.bus.emit('vrrp.conflict', { instance: name, vrid: rc.core.vrid, peer: a.peer, peerPriority: a.peerPriority, ourPriority: a.ourPriority });
        if (a.peerPriority < a.ourPriority) this.notifier.lowerPriority(name, rc.notify);
        return;
    }
  }

  /* ---------------- status ---------------- */

  status(): InstanceStatus[] {
    return [...this.inst.values()].map((i) => ({
      name: i.rc.core.name,
      vrid: i.rc.core.vrid,
      ifname: i.rc.ifname,
      state: i.st.state,
      priority: i.st.effectivePriority,
      master: i.st.masterAddress,
      vipsHeld: i.st.vipsSet,
      counters: { ...i.counters },
    }));
  }

  instanceStatus(name: string): InstanceStatus | undefined {
    return this.status().find((s) => s.name === name);
  }

  /** Timers armed for an instance (tests and debugging). */
  armedTimers(name: string): string[] {
    return this.inst.get(name)?.timers.armed() ?? [];
  }

  get running(): boolean {
    return this.phase === 'running';
  }
}
