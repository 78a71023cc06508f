// Pure mapping: keepalived's use_vmac / use_ipvlan of a resolved instance -> the interface the VRRP runtime
// creates for it (src/vrrp/runtime/vmac.ts): its kind, name, MAC or address, and where adverts go.
import type { ResolvedInstance, ResolvedVrrp } from '../config/resolve-vrrp.js';
import { canonicalAddr } from './addr.js';
import type { InterfaceAddresses } from './from-config.js';

/** keepalived use_vmac (a macvlan, mode private, with the VRRP virtual MAC) or use_ipvlan (an L2 ipvlan). */
export interface VirtualLinkSpec {
  kind: 'macvlan' | 'ipvlan';
  name: string;
  /** The instance's `interface`: the VMAC's parent. */
  base: string;
  family: 'ipv4' | 'ipv6';
  /** macvlan: 00:00:5e:00:01:VRID (IPv4) or 00:00:5e:00:02:VRID (IPv6) (RFC 5798 §7.3), or the configured one. */
  mac?: string;
  /** ipvlan mode flag. */
  ipvlanFlag?: 'bridge' | 'private' | 'vepa';
  /** ipvlan: the address given to it. */
  address?: { address: string; prefix: number };
  /** IPv6: the link-local address put on the VMAC (the base's) for adverts to be sent from. */
  linkLocal?: string;
  /** vmac_xmit_base: adverts are sent and received on the base interface, not the VMAC. */
  xmitBase: boolean;
}

/** RFC 5798 §7.3: the virtual router MAC, 00-00-5E-00-01-{VRID} (IPv4) or 00-00-5E-00-02-{VRID} (IPv6). */
export function virtualMac(vrid: number, family: 'ipv4' | 'ipv6'): string {
  return `00:00:5e:00:0${family === 'ipv4' ? 1 : 2}:${vrid.toString(16).padStart(2, '0')}`;
}

/** use_vmac / use_ipvlan as the runtime creates it (keepalived's names and addresses). */
export function virtualLink(r: ResolvedInstance, v: ResolvedVrrp, fam: 'ipv4' | 'ipv6', ifa: InterfaceAddresses, warn: (code: string, message: string) => void): VirtualLinkSpec | undefined {
  const base = r.interface!;
  // keepalived's default name: vmac_prefix (default "vrrp") "." VRID, for use_ipvlan as for use_vmac.
  const dflt = `${v.global.vmac_prefix ?? 'vrrp'}.${r.vrid}`;
  if (r.use_vmac) {
    const given = r.use_vmac.mac;
    // A MAC of 5 octets takes the VRID as its sixth (keepalived).
    const mac = given === undefined ? virtualMac(r.vrid, fam) : given.split(':').length === 5 ? `${given}:${r.vrid.toString(16).padStart(2, '0')}` : given;
    if (r.use_vmac.addr) warn('ignored-option', `vrrp_instance ${r.name}: use_vmac_addr is not supported; VIPs on other interfaces are installed on those interfaces`);
    if ([...r.vips, ...r.excluded_vips].some((a) => a.use_vmac && a.dev !== undefined && a.dev !== base)) {
      warn('ignored-option', `vrrp_instance ${r.name}: use_vmac on a virtual_ipaddress of another interface is not supported; it is installed on that interface`);
    }
    const out: VirtualLinkSpec = { kind: 'macvlan', name: r.use_vmac.name ?? dflt, base, family: fam, mac, xmitBase: r.use_vmac.xmit_base };
    return out;
  }
  if (r.use_ipvlan) {
    const u = r.use_ipvlan;
    const out: VirtualLinkSpec = { kind: 'ipvlan', name: u.name ?? dflt, base, family: fam, ipvlanFlag: u.mode ?? 'bridge', xmitBase: false };
    if (u.address) {
      const a = canonicalAddr(u.address.address);
      out.address = { address: a, prefix: u.address.prefix ?? (a.includes(':') ? 128 : 32) };
    }
    if (fam === 'ipv4' && !out.address && ifa.ipv4 === undefined) warn('no-source-address', `vrrp_instance ${r.name}: use_ipvlan without an address and ${base} has no IPv4 address`);
    return out;
  }
  return undefined;
}
