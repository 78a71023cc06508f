// Runtime: gratuitous ARP (RFC 5227 §3) and unsolicited Neighbour Advertisements (RFC 4861 §7.2.6) for a
// master's VIPs: `repeat` rounds over every VIP; on one interface, packets are spaced by keepalived's
// vrrp_garp_interval (IPv4) / vrrp_gna_interval (IPv6); 0 sends them back to back.
import type { Announcer, AddressSpec } from '../../net/ports.js';
import type { VrrpBus } from '../../events/vrrp.js';
import type { Clock, TimerHandle } from './ports.js';

export interface AnnounceRequest {
  instance: string;
  vips: readonly AddressSpec[];
  repeat: number;
  reason: string;
  garpIntervalMs: number;
  gnaIntervalMs: number;
  /** Checked before every packet: false once the instance released its VIPs. */
  current: () => boolean;
}

export class AnnounceScheduler {
  /** Per interface and family: earliest time the next packet may go. */
  private readonly nextAt = new Map<string, number>();
  private readonly pending = new Set<TimerHandle>();
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly announcer: Announcer,
    private readonly bus: VrrpBus,
  ) {}

  announce(r: AnnounceRequest): void {
    if (this.stopped || r.repeat <= 0) return;
    for (let round = 0; round < r.repeat; round++) {
      for (const vip of r.vips) {
        const v6 = vip.address.includes(':');
        const interval = v6 ? r.gnaIntervalMs : r.garpIntervalMs;
        const k = `${vip.ifname}|${v6 ? 6 : 4}`;
        const now = this.clock.now();
        const at = Math.max(now, this.nextAt.get(k) ?? 0);
        this.nextAt.set(k, at + interval);
        if (at <= now) this.send(r, vip);
        else {
          const h = this.clock.setTimer(() => {
            this.pending.delete(h);
            this.send(r, vip);
          }, at - now);
          this.pending.add(h);
        }
      }
    }
  }

  private send(r: AnnounceRequest, vip: AddressSpec): void {
    if (this.stopped || !r.current()) return;
    try {
      if (vip.address.includes(':')) this.announcer.unsolicitedNa(vip.ifname, vip.address);
      else this.announcer.garp(vip.ifname, vip.address);
      this.bus.emit('vrrp.announce', { instance: r.instance, ifname: vip.ifname, address: vip.address, reason: r.reason });
    } catch (e) {
      this.bus.emit('vrrp.error', { instance: r.instance, code: 'announce_failed', message: `announce ${vip.address} on ${vip.ifname}: ${(e as Error).message}` });
    }
  }

  stop(): void {
    this.stopped = true;
    for (const h of this.pending) this.clock.clearTimer(h);
    this.pending.clear();
  }
}
