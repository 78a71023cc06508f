// Runtime: keepalived's use_vmac / use_ipvlan interfaces through the VirtualLinkManager and AddressManager
// ports. At start, before the sockets open, each instance's VMAC (a macvlan in mode private with the
// virtual router MAC) or L2 ipvlan is created on its base interface, configured and brought up; at stop,
// after the VIPs are gone and the sockets closed, it is deleted. What keepalived 2.2.7 does to them
// (vrrp_vmac.c netlink_link_add_vmac, vrrp_if_config.c set_interface_parameters), seen on a live one:
//   IPv4 VMAC: arp_ignore 1 (answer no ARP for the base's addresses), accept_local 1, rp_filter 0 (hear
//   the peers' adverts with no address of its own), promote_secondaries 1; IPv6 disabled (no link-local,
//   no MLD or router solicitations from the virtual MAC).
//   Base interface (IPv4): arp_ignore 1 and arp_filter 1, so it does not answer ARP for the VIPs with its
//   own MAC; the values found are put back when its last VMAC goes (NB: keepalived 2.2.7 leaves them).
//   NB, not keepalived: arp_announce 2 on the base too. Replies from a VIP are routed out of the base
//   (its prefix route comes first); with arp_announce 0 the ARP request the base sends for the client
//   carries the VIP as sender, and the client's entry for the VIP moves to the base's own MAC (seen with
//   keepalived 2.2.7: one UDP probe to a closed port of the VIP is enough). With 2 that request names the
//   base's own address, and the VIP stays on the virtual MAC.
//   IPv6 VMAC: address generation mode none (RFC 5798 §7.4: no link-local from the virtual MAC), the base's
//   link-local address added (nodad, deprecated) so adverts leave from it with the virtual MAC.
// A link of the same name left by an earlier run (a crash) is deleted and made again; one that is not a
// macvlan / ipvlan on the same base is never touched: the instance cannot start.
import type { AddressManager, AddressSpec, Ipv4DevConf, VirtualLinkManager } from '../../net/ports.js';
import type { VrrpBus } from '../../events/vrrp.js';
import type { VirtualLinkSpec } from '../from-config.js';
import { VrrpRuntimeError } from './errors.js';

/** keepalived's settings on an IPv4 VMAC. */
export const VMAC_IPV4_CONF: Readonly<Ipv4DevConf> = { arp_ignore: 1, accept_local: 1, rp_filter: 0, promote_secondaries: 1 };
/** keepalived's settings on the base interface of an IPv4 VMAC. */
export const BASE_IPV4_CONF: Readonly<Ipv4DevConf> = { arp_ignore: 1, arp_filter: 1, arp_announce: 2 };

const sameConf = (a: Ipv4DevConf, b: Ipv4DevConf): boolean => Object.entries(b).every(([k, v]) => a[k as keyof Ipv4DevConf] === v);

const llSpec = (s: VirtualLinkSpec): AddressSpec => ({ ifname: s.name, address: s.linkLocal!, prefix: 64, nodad: true, preferredLft: 0, scope: 'link' });

export class VirtualLinks {
  /** Links this node created (name -> spec). */
  private readonly made = new Map<string, VirtualLinkSpec>();
  /** Base interfaces whose arp_ignore / arp_filter we changed: the values found, and how many VMACs need them. */
  private readonly bases = new Map<string, { saved: Ipv4DevConf; users: number }>();

  constructor(
    private readonly links: VirtualLinkManager | undefined,
    private readonly addresses: AddressManager,
    private readonly bus: VrrpBus,
  ) {}

  /** Names of the links this node holds. */
  held(): string[] {
    return [...this.made.keys()];
  }

  /** Takes over a link a previous node (reload) created and configured. */
  adopt(instance: string, s: VirtualLinkSpec, baseSaved?: Ipv4DevConf): void {
    this.made.set(s.name, s);
    if (s.kind === 'macvlan' && s.family === 'ipv4') this.useBase(s.base, baseSaved ?? {});
    this.bus.emit('vrrp.vlink', { instance, op: 'adopt', ifname: s.name, base: s.base, kind: s.kind });
  }

  /** The base settings saved for `base` (handed to the next node on reload). */
  savedBase(base: string): Ipv4DevConf | undefined {
    return this.bases.get(base)?.saved;
  }

  private useBase(base: string, saved: Ipv4DevConf): void {
    const b = this.bases.get(base);
    if (b) b.users++;
    else this.bases.set(base, { saved, users: 1 });
  }

  /** Create, configure and bring up one instance's link; throws VrrpRuntimeError('vlink_failed') with the reason. */
  async create(instance: string, s: VirtualLinkSpec): Promise<void> {
    const links = this.links;
    if (!links) throw new VrrpRuntimeError('vlink_failed', `(${instance}) cannot create ${s.name}: no link manager`);
    const step = async <T>(what: string, f: () => Promise<T>): Promise<T> => {
      try {
        return await f();
      } catch (e) {
        throw new VrrpRuntimeError('vlink_failed', `(${instance}) ${what}: ${(e as Error).message}`, e);
      }
    };
    const base = await step(`read ${s.base}`, () => links.get(s.base));
    if (!base) throw new VrrpRuntimeError('vlink_failed', `(${instance}) interface ${s.base} does not exist`);
    const old = await step(`read ${s.name}`, () => links.get(s.name));
    if (old) {
      if (old.kind !== s.kind || old.parent !== base.ifindex) {
        throw new VrrpRuntimeError('vlink_failed', `(${instance}) interface ${s.name} exists and is not a ${s.kind} on ${s.base} (${old.kind ?? 'a device'}); lvsd will not touch it`);
      }
      // Left by an earlier run that did not stop: its addresses and settings are unknown.
      await step(`delete stale ${s.name}`, () => links.remove(s.name));
      this.bus.emit('vrrp.vlink', { instance, op: 'remove-stale', ifname: s.name, base: s.base, kind: s.kind });
    }
    if (s.kind === 'macvlan') await step(`create VMAC ${s.name} on ${s.base}`, () => links.createMacvlan({ name: s.name, base: s.base, mac: s.mac! }));
    else await step(`create ipvlan ${s.name} on ${s.base}`, () => links.createIpvlan({ name: s.name, base: s.base, flag: s.ipvlanFlag ?? 'bridge' }));
    this.made.set(s.name, s);
    if (s.family === 'ipv4') {
      if (s.kind === 'macvlan') {
        await step(`set IPv4 settings of ${s.name}`, () => links.setIpv4Conf(s.name, VMAC_IPV4_CONF));
        if (!this.bases.has(s.base)) {
          const found = await step(`read IPv4 settings of ${s.base}`, () => links.getIpv4Conf(s.base));
          const saved: Ipv4DevConf = { arp_ignore: found.arp_ignore ?? 0, arp_filter: found.arp_filter ?? 0, arp_announce: found.arp_announce ?? 0 };
          if (!sameConf(saved, BASE_IPV4_CONF)) await step(`set arp_ignore / arp_filter / arp_announce on ${s.base}`, () => links.setIpv4Conf(s.base, BASE_IPV4_CONF));
          this.useBase(s.base, saved);
        } else this.useBase(s.base, {});
      }
      await step(`set addrgenmode none on ${s.name}`, () => links.setAddrGenModeNone(s.name));
      await step(`disable IPv6 on ${s.name}`, () => links.setIpv6Disabled(s.name, true));
    } else {
      await step(`set addrgenmode none on ${s.name}`, () => links.setAddrGenModeNone(s.name));
    }
    await step(`bring ${s.name} up`, () => links.setUp(s.name, true));
    if (s.family === 'ipv6' && s.linkLocal) await step(`add ${s.linkLocal} to ${s.name}`, () => this.addresses.add(llSpec(s)));
    if (s.address) {
      const a = s.address;
      await step(`add ${a.address}/${a.prefix} to ${s.name}`, () => this.addresses.add({ ifname: s.name, address: a.address, prefix: a.prefix, ...(a.address.includes(':') ? { nodad: true } : {}) }));
    }
    this.bus.emit('vrrp.vlink', { instance, op: 'create', ifname: s.name, base: s.base, kind: s.kind });
  }

  /** Delete one link this node created (and put the base's ARP settings back after its last VMAC). */
  async remove(instance: string, name: string): Promise<void> {
    const s = this.made.get(name);
    if (!s || !this.links) return;
    this.made.delete(name);
    try {
      await this.links.remove(name);
      this.bus.emit('vrrp.vlink', { instance, op: 'remove', ifname: name, base: s.base, kind: s.kind });
    } catch (e) {
      this.bus.emit('vrrp.error', { instance, code: 'vlink_remove_failed', message: `delete ${name}: ${(e as Error).message}` });
    }
    const b = s.kind === 'macvlan' && s.family === 'ipv4' ? this.bases.get(s.base) : undefined;
    if (b && --b.users === 0) {
      this.bases.delete(s.base);
      if (Object.keys(b.saved).length > 0 && !sameConf(b.saved, BASE_IPV4_CONF)) {
        try {
          await this.links.setIpv4Conf(s.base, b.saved);
        } catch (e) {
          this.bus.emit('vrrp.error', { instance, code: 'vlink_remove_failed', message: `restore arp_ignore / arp_filter / arp_announce on ${s.base}: ${(e as Error).message}` });
        }
      }
    }
  }
}
