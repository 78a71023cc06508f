// Kernel edge: the LinkMonitor port from rtnetlink. Joins RTNLGRP_LINK first, then dumps every
// link (RTM_GETLINK), so no change falls between the two; afterwards each RTM_NEWLINK /
// RTM_DELLINK updates the table. "Up" is IFF_UP and IFF_LOWER_UP: administratively up, with
// carrier. NB: keepalived tests IFF_UP and IFF_RUNNING; IFF_RUNNING follows the operational
// state, which the kernel's linkwatch publishes in a later notification (up to a second later
// for a veth whose peer has the same ifindex in another namespace), while IFF_LOWER_UP comes in
// the same notification as IFF_UP. Carrier loss arrives through linkwatch either way.
//
// Consistency: events that arrive while a dump runs are held and replayed on top of it (an
// event is a full snapshot of one link, so replaying the latest ones in order can only make
// the table newer). If the receive buffer overflows (ENOBUFS: events were lost), the table is
// read again the same way; listeners hear about every difference, once.
import { rt } from 'netlink';
import type { LinkMonitor, LinkState } from './ports.js';
import { RtnlSocket, type RtnlOptions } from './rtnl.js';
import * as K from './constants.js';
import { ifinfoBody, parseIfinfo, u32Attr, type NlMsg } from './nlmsg.js';
import { formatMac } from './frames.js';

export type LinkMonitorOptions = Omit<RtnlOptions, 'groups' | 'maxInFlight'>;

/** Link state from one RTM_NEWLINK (AF_UNSPEC); undefined for messages that are not about a link. */
export function parseLinkMessage(m: NlMsg): LinkState | undefined {
  if (m.type !== K.RTM_NEWLINK && m.type !== K.RTM_DELLINK) return undefined;
  const info = parseIfinfo(m.payload);
  // Bridge port notifications (AF_BRIDGE) share the group: they are not link state.
  if (info.family !== K.AF_UNSPEC) return undefined;
  const msg = rt.parseMessage(m.type, m.payload);
  if (msg.kind !== 'link' || msg.attrs.ifname === undefined) return undefined;
  const s: LinkState = {
    ifname: msg.attrs.ifname,
    ifindex: info.index,
    up: m.type === K.RTM_NEWLINK && (info.flags & K.IFF_UP) !== 0 && (info.flags & K.IFF_LOWER_UP) !== 0,
  };
  const hw = msg.attrs.address;
  if (hw && hw.length > 0) s.mac = hw.length === 6 ? formatMac(hw) : [...hw].map((x) => x.toString(16).padStart(2, '0')).join(':');
  return s;
}

function same(a: LinkState | undefined, b: LinkState | undefined): boolean {
  return a?.ifname === b?.ifname && a?.ifindex === b?.ifindex && a?.up === b?.up && a?.mac === b?.mac;
}

export class RtnlLinkMonitor implements LinkMonitor {
  private readonly rtnl: RtnlSocket;
  private byIndex = new Map<number, LinkState>();
  private byName = new Map<string, number>();
  private readonly cbs: ((s: LinkState) => void)[] = [];
  /** Events held while a dump runs; null when none runs. */
  private held: NlMsg[] | null = null;
  private again = false;
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;
  readonly counters = { events: 0, dumps: 0, resyncs: 0, dumpFailures: 0 };

  private constructor(opts: LinkMonitorOptions) {
    this.rtnl = new RtnlSocket({ recvBuffer: 4 << 20, ...opts, groups: [K.RTNLGRP_LINK], maxInFlight: 1 });
    this.rtnl.onEvent((m) => this.onEvent(m));
    this.rtnl.onLost(() => {
      this.counters.resyncs++;
      this.resync();
    });
  }

  /** Opens the monitor; resolves once the first dump is in. */
  static async open(opts: LinkMonitorOptions = {}): Promise<RtnlLinkMonitor> {
    const m = new RtnlLinkMonitor(opts);
    try {
      await m.dump();
    } catch (e) {
      m.close();
      throw e;
    }
    return m;
  }

  get(ifname: string): LinkState | undefined {
    const i = this.byName.get(ifname);
    return i === undefined ? undefined : this.byIndex.get(i);
  }

  /** Every link known, by index. */
  list(): LinkState[] {
    return [...this.byIndex.values()].sort((a, b) => a.ifindex - b.ifindex);
  }

  onChange(cb: (s: LinkState) => void): void {
    this.cbs.push(cb);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.rtnl.close();
  }

  private onEvent(m: NlMsg): void {
    if (m.type !== K.RTM_NEWLINK && m.type !== K.RTM_DELLINK) return;
    this.counters.events++;
    if (this.held) {
      this.held.push(m);
      return;
    }
    const next = new Map(this.byIndex);
    applyEvent(next, m);
    this.commit(next);
  }

  /** Reads the table again (after lost events); runs one dump at a time. */
  private resync(): void {
    if (this.closed) return;
    if (this.held) {
      this.again = true;
      return;
    }
    this.dump().catch(() => {
      // dump() already counted it and scheduled a retry
    });
  }

  private async dump(): Promise<void> {
    this.held = [];
    this.again = false;
    this.counters.dumps++;
    let msgs: NlMsg[];
    try {
      msgs = await this.rtnl.request(K.RTM_GETLINK, K.NLM_F_DUMP, Buffer.concat([ifinfoBody(), u32Attr(K.IFLA_EXT_MASK, K.RTEXT_FILTER_SKIP_STATS)]), 'dump links');
    } catch (e) {
      this.counters.dumpFailures++;
      const held = this.held;
      this.held = null;
      // Keep what the events said meanwhile; read again shortly.
      if (held.length) {
        const next = new Map(this.byIndex);
        for (const h of held) applyEvent(next, h);
        this.commit(next);
      }
      if (!this.closed) this.retryTimer = setTimeout(() => this.resync(), 50);
      throw e;
    }
    const next = new Map<number, LinkState>();
    for (const m of msgs) {
      const s = parseSafe(m);
      if (s) next.set(s.ifindex, s);
    }
    const held = this.held;
    this.held = null;
    for (const h of held) applyEvent(next, h);
    this.commit(next);
    if (this.again) this.resync();
  }

  /** Replaces the table and tells listeners about every link that changed or went away. */
  private commit(next: Map<number, LinkState>): void {
    const prev = this.byIndex;
    this.byIndex = next;
    this.byName = new Map([...next.values()].map((s) => [s.ifname, s.ifindex]));
    const changes: LinkState[] = [];
    for (const [i, old] of prev) {
      const now = next.get(i);
      if (!now || now.ifname !== old.ifname) changes.push({ ifname: old.ifname, ifindex: old.ifindex, up: false });
    }
    for (const [i, now] of next) {
      if (!same(prev.get(i), now)) changes.push(now);
    }
    for (const c of changes) {
      for (const cb of this.cbs) {
        try {
          cb(c);
        } catch (e) {
          process.emitWarning(`lvsd link listener threw: ${(e as Error).message}`, 'LvsdNetWarning');
        }
      }
    }
  }
}

function parseSafe(m: NlMsg): LinkState | undefined {
  try {
    return parseLinkMessage(m);
  } catch {
    return undefined;
  }
}

function applyEvent(table: Map<number, LinkState>, m: NlMsg): void {
  const s = parseSafe(m);
  if (!s) return;
  if (m.type === K.RTM_DELLINK) table.delete(s.ifindex);
  else table.set(s.ifindex, s);
}
