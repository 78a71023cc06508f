// Test harness (pure, deterministic): N lvsd nodes on a simulated LAN. Each node runs the real pure VRRP
// core (state machine, sync groups, tracking); adverts go through the real codec and receive validation.
// The LAN has seeded random delay and loss, partitions, crashes (silent) and graceful stops (priority 0).
import { buildIpv4Packet, buildIpv6Packet, decodeIpv4Packet, decodeIpv6Packet, encodeAdvert, AUTH_NONE, AUTH_PASS } from '../../../src/vrrp/codec.js';
import { emptyCounters, type Counters } from '../../../src/vrrp/counters.js';
import { VrrpDecodeError } from '../../../src/vrrp/errors.js';
import { initialInstanceState, step, type Action, type Event, type InstanceState, type TransitionReason } from '../../../src/vrrp/state.js';
import { groupStep, type SyncAction, type SyncGroupConfig } from '../../../src/vrrp/sync-group.js';
import { computeTracking, initialScriptState, scriptResult, type ScriptTrackConfig, type ScriptTrackState } from '../../../src/vrrp/tracking.js';
import type { InstanceConfig, VrrpStateName } from '../../../src/vrrp/types.js';
import { validateAdvert } from '../../../src/vrrp/validate.js';

/** Seeded PRNG (mulberry32): the same seed gives the same run. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SimScript {
  track: ScriptTrackConfig;
  intervalMs: number;
  /** Instances tracking it (with track.weight). */
  instances: string[];
}

export interface NodeSpec {
  name: string;
  /** Primary address of the node (the instances' primaryAddress should be it). */
  address: string;
  instances: InstanceConfig[];
  syncGroups?: SyncGroupConfig[];
  scripts?: SimScript[];
}

export interface Transition { t: number; node: string; inst: string; from: VrrpStateName; to: VrrpStateName; reason: TransitionReason }
export interface VipEvent { t: number; node: string; inst: string; op: 'add' | 'remove' }

interface InstRt { cfg: InstanceConfig; st: InstanceState; counters: Counters; vips: boolean }
interface ScriptRt { cfg: SimScript; st: ScriptTrackState; healthy: boolean }
interface GroupRt { cfg: SyncGroupConfig; state: VrrpStateName }
interface NodeRt {
  spec: NodeSpec;
  up: boolean;
  gen: number;
  inst: Map<string, InstRt>;
  groups: Map<string, GroupRt>;
  groupOf: Map<string, string>;
  scripts: Map<string, ScriptRt>;
  ipId: number;
  unknownVrid: number;
  decodeErrors: number;
}

type Job = { at: number; seq: number; run: () => void };

export interface SimOptions {
  seed: number;
  /** One-way delay range in ms, uniform. */
  delayMs?: [number, number];
  /** Probability that one packet to one receiver is lost. */
  loss?: number;
}

export class LanSim {
  now = 0;
  private seq = 0;
  private heap: Job[] = [];
  private readonly rand: () => number;
  delay: [number, number];
  loss: number;
  private segment = new Map<string, number>();
  readonly nodes = new Map<string, NodeRt>();
  readonly transitions: Transition[] = [];
  readonly vipEvents: VipEvent[] = [];
  readonly actionsLog: Array<{ t: number; node: string; inst: string; action: Action }> = [];
  readonly groupNotifies: Array<{ t: number; node: string; group: string; state: string }> = [];

  constructor(opts: SimOptions) {
    this.rand = mulberry32(opts.seed);
    this.delay = opts.delayMs ?? [1, 5];
    this.loss = opts.loss ?? 0;
  }

  addNode(spec: NodeSpec): void {
    const groupOf = new Map<string, string>();
    for (const g of spec.syncGroups ?? []) for (const m of g.members) groupOf.set(m, g.name);
    this.nodes.set(spec.name, {
      spec, up: false, gen: 0, inst: new Map(), groups: new Map(), groupOf, scripts: new Map(), ipId: 0, unknownVrid: 0, decodeErrors: 0,
    });
    this.segment.set(spec.name, 0);
  }

  /* ---------- scheduling ---------- */

  schedule(at: number, run: () => void): void {
    const job = { at, seq: this.seq++, run };
    const h = this.heap;
    h.push(job);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (less(h[p]!, h[i]!)) break;
      [h[p], h[i]] = [h[i]!, h[p]!];
      i = p;
    }
  }

  private pop(): Job | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && less(h[l]!, h[m]!)) m = l;
        if (r < h.length && less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i]!, h[m]!];
        i = m;
      }
    }
    return top;
  }

  /** Run every job due up to and including time t, then set the clock to t. */
  runUntil(t: number): void {
    for (;;) {
      const top = this.heap[0];
      if (!top || top.at > t) break;
      this.pop();
      this.now = top.at;
      top.run();
    }
    this.now = t;
  }

  /* ---------- operator actions ---------- */

  start(name: string): void {
    const n = this.node(name);
    n.up = true;
    n.gen++;
    n.inst.clear();
    n.groups.clear();
    for (const c of n.spec.instances) n.inst.set(c.name, { cfg: c, st: initialInstanceState(c), counters: emptyCounters(), vips: false });
    for (const g of n.spec.syncGroups ?? []) n.groups.set(g.name, { cfg: g, state: 'INIT' });
    const health = new Map([...n.scripts].map(([k, v]) => [k, v.healthy]));
    n.scripts.clear();
    for (const s of n.spec.scripts ?? []) {
      n.scripts.set(s.track.name, { cfg: s, st: initialScriptState(s.track), healthy: health.get(s.track.name) ?? true });
    }
    // keepalived runs the track scripts at once and holds instances until they have a result.
    for (const s of n.scripts.values()) this.runScript(n, s, n.gen);
    for (const c of n.spec.instances) this.deliver(n, c.name, { type: 'startup' });
  }

  /** The node's daemon dies (SIGKILL of its process group, host gone): silence, nothing released. */
  crash(name: string): void {
    const n = this.node(name);
    n.up = false;
    n.gen++;
  }

  /** Graceful stop (SIGTERM): masters send priority 0 and release their VIPs, then the daemon exits. */
  stop(name: string): void {
    const n = this.node(name);
    for (const c of n.spec.instances) this.deliver(n, c.name, { type: 'shutdown' });
    n.up = false;
    n.gen++;
  }

  setHealthy(name: string, script: string, healthy: boolean): void {
    const n = this.node(name);
    const s = n.scripts.get(script);
    if (s) s.healthy = healthy;
    else {
      const spec = (n.spec.scripts ?? []).find((x) => x.track.name === script);
      if (!spec) throw new Error(`${name} has no script ${script}`);
      n.scripts.set(script, { cfg: spec, st: initialScriptState(spec.track), healthy });
    }
  }

  /** Split the LAN: each list is one segment; nodes not listed form segment 0 together. */
  partition(groups: string[][]): void {
    for (const k of this.segment.keys()) this.segment.set(k, 0);
    groups.forEach((g, i) => g.forEach((n) => this.segment.set(n, i + 1)));
  }

  heal(): void {
    this.partition([]);
  }

  /** Live nodes grouped by segment. */
  segments(): string[][] {
    const by = new Map<number, string[]>();
    for (const [name, n] of this.nodes) {
      if (!n.up) continue;
      const s = this.segment.get(name)!;
      by.set(s, [...(by.get(s) ?? []), name]);
    }
    return [...by.values()];
  }

  /* ---------- observation ---------- */

  state(node: string, inst: string): VrrpStateName | 'DOWN' {
    const n = this.node(node);
    if (!n.up) return 'DOWN';
    return n.inst.get(inst)!.st.state;
  }

  instance(node: string, inst: string): InstRt {
    return this.node(node).inst.get(inst)!;
  }

  nodeInfo(node: string): { unknownVrid: number; decodeErrors: number } {
    const n = this.node(node);
    return { unknownVrid: n.unknownVrid, decodeErrors: n.decodeErrors };
  }

  /** Live nodes whose instance `inst` is MASTER. */
  masters(inst: string, among?: string[]): string[] {
    const out: string[] = [];
    for (const [name, n] of this.nodes) {
      if (!n.up || (among && !among.includes(name))) continue;
      if (n.inst.get(inst)?.st.state === 'MASTER') out.push(name);
    }
    return out;
  }

  /** Live nodes holding the VIPs of instance `inst`. */
  holders(inst: string): string[] {
    return [...this.nodes].filter(([, n]) => n.up && n.inst.get(inst)?.vips).map(([name]) => name);
  }

  /* ---------- internals ---------- */

  private node(name: string): NodeRt {
    const n = this.nodes.get(name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  }

  private deliver(n: NodeRt, inst: string, ev: Event): void {
    const gname = n.groupOf.get(inst);
    if (gname !== undefined) {
      const g = n.groups.get(gname)!;
      const members: Record<string, { cfg: InstanceConfig; state: InstanceState }> = {};
      for (const m of g.cfg.members) {
        const rt = n.inst.get(m)!;
        members[m] = { cfg: rt.cfg, state: rt.st };
      }
      const r = groupStep(g.cfg, g.state, members, inst, ev, this.now);
      g.state = r.groupState;
      for (const [m, st] of Object.entries(r.members)) n.inst.get(m)!.st = st;
      for (const a of r.actions as SyncAction[]) {
        if (a.type === 'instance') this.execute(n, a.instance, a.action);
        else this.groupNotifies.push({ t: this.now, node: n.spec.name, group: a.group, state: a.state });
      }
      return;
    }
    const rt = n.inst.get(inst)!;
    const r = step(rt.cfg, rt.st, ev, this.now);
    rt.st = r.state;
    for (const a of r.actions) this.execute(n, inst, a);
  }

  private execute(n: NodeRt, inst: string, a: Action): void {
    const rt = n.inst.get(inst)!;
    const name = n.spec.name;
    this.actionsLog.push({ t: this.now, node: name, inst, action: a });
    switch (a.type) {
      case 'sendAdvert':
        this.send(n, rt.cfg, a.priority);
        break;
      case 'setTimer': {
        const gen = n.gen;
        this.schedule(a.at, () => {
          if (n.up && n.gen === gen) this.deliver(n, inst, { type: 'timer', timer: a.timer });
        });
        break;
      }
      case 'addVips':
        rt.vips = true;
        this.vipEvents.push({ t: this.now, node: name, inst, op: 'add' });
        break;
      case 'removeVips':
        rt.vips = false;
        this.vipEvents.push({ t: this.now, node: name, inst, op: 'remove' });
        break;
      case 'count':
        rt.counters[a.counter]++;
        break;
      case 'transition':
        this.transitions.push({ t: this.now, node: name, inst, from: a.from, to: a.to, reason: a.reason });
        break;
      default:
        break; // notify, announce, cancelTimer, conflict, priorityChanged: recorded in actionsLog only
    }
  }

  private send(n: NodeRt, cfg: InstanceConfig, priority: number): void {
    const dsts = cfg.unicastPeers.length > 0 ? cfg.unicastPeers : [cfg.mcastGroup];
    for (const dst of dsts) {
      const msg = encodeAdvert(
        {
          version: cfg.version, vrid: cfg.vrid, priority, adverIntCs: cfg.advertIntervalCs, addresses: cfg.virtualAddresses,
          authType: cfg.version === 2 && cfg.auth.type === 'pass' ? AUTH_PASS : AUTH_NONE,
          authData: cfg.auth.type === 'pass' ? cfg.auth.password : null,
        },
        { family: cfg.family, src: cfg.primaryAddress, dst, v3ChecksumAsV2: cfg.v3ChecksumAsV2 },
      );
      n.ipId = (n.ipId % 0xffff) + 1;
      const bytes =
        cfg.family === 'ipv4'
          ? buildIpv4Packet({ src: cfg.primaryAddress, dst, id: n.ipId }, msg)
          : buildIpv6Packet({ src: cfg.primaryAddress, dst }, msg);
      const unicast = cfg.unicastPeers.length > 0;
      for (const [rname, r] of this.nodes) {
        if (r === n || !r.up || this.segment.get(rname) !== this.segment.get(n.spec.name)) continue;
        const wants = unicast
          ? r.spec.address === dst
          : r.spec.instances.some((c) => c.family === cfg.family && c.unicastPeers.length === 0 && c.mcastGroup === dst);
        if (!wants || this.rand() < this.loss) continue;
        const d = this.delay[0] + this.rand() * (this.delay[1] - this.delay[0]);
        this.schedule(this.now + d, () => this.receive(r, bytes, dst, unicast));
      }
    }
  }

  private receive(n: NodeRt, bytes: Uint8Array, dst: string, unicast: boolean): void {
    if (!n.up) return;
    const v6 = bytes[0]! >> 4 === 6;
    let decoded;
    try {
      decoded = v6 ? decodeIpv6Packet(bytes) : decodeIpv4Packet(bytes);
    } catch (e) {
      if (e instanceof VrrpDecodeError) {
        n.decodeErrors++;
        return;
      }
      throw e;
    }
    const ttl = 'ttl' in decoded.ip ? decoded.ip.ttl : decoded.ip.hopLimit;
    // keepalived's dispatcher: one socket per (family, interface, unicast); instances found by VRID.
    const target = [...n.inst.values()].find(
      (i) =>
        i.cfg.vrid === decoded.advert.vrid &&
        i.cfg.family === (v6 ? 'ipv6' : 'ipv4') &&
        (unicast ? i.cfg.unicastPeers.length > 0 : i.cfg.unicastPeers.length === 0 && i.cfg.mcastGroup === dst),
    );
    if (!target) {
      n.unknownVrid++; // keepalived: "Unknown VRID ... ignoring" (log_unknown_vrids)
      return;
    }
    const r = validateAdvert(target.cfg, decoded.advert, { ttl, src: decoded.ip.src, dst: decoded.ip.dst });
    for (const c of r.counters) target.counters[c]++;
    if (r.ok) this.deliver(n, target.cfg.name, { type: 'advert', advert: r.advert });
  }

  private runScript(n: NodeRt, s: ScriptRt, gen: number): void {
    if (!n.up || n.gen !== gen) return;
    s.st = scriptResult(s.cfg.track, s.st, s.healthy);
    for (const inst of s.cfg.instances) this.applyTracking(n, inst);
    this.schedule(this.now + s.cfg.intervalMs, () => this.runScript(n, s, gen));
  }

  private applyTracking(n: NodeRt, inst: string): void {
    const rt = n.inst.get(inst);
    if (!rt) return;
    const trackers = [...n.scripts.values()]
      .filter((s) => s.cfg.instances.includes(inst))
      .map((s) => ({ name: s.cfg.track.name, weight: s.cfg.track.weight, reverse: s.cfg.track.reverse ?? false, status: s.st.status }));
    const t = computeTracking(rt.cfg.priority, trackers);
    if (t.priority !== rt.st.effectivePriority) this.deliver(n, inst, { type: 'priority', priority: t.priority });
    if (t.fault !== rt.st.ownFault) this.deliver(n, inst, { type: 'fault', fault: t.fault });
  }
}

function less(a: Job, b: Job): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
