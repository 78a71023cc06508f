// Config layer (pure): a VRRP master without Accept_Mode drops traffic addressed to its VIPs
// (RFC 5798 §6.4.3; lvsd, like keepalived, does it with nftables at priority filter - 1, before IPVS
// sees the packet). A virtual_server on such a VIP would then receive nothing while VRRP looks healthy:
// the classic strict-mode trap (vrrp_strict turns `accept` off, and resets it on VRRPv2).
import { canonicalAddr, compareAddr, familyOf } from '../vrrp/addr.js';
import type { ResolvedLvs } from './resolve-lvs.js';
import type { ResolvedVrrp } from './resolve-vrrp-types.js';

export interface AcceptConflict {
  /** The vrrp_instance whose master drops the traffic. */
  instance: string;
  vip: string;
  /** keepalived's names of the virtual servers on that address (`[10.0.0.1]:tcp:80`, `group NAME`). */
  services: string[];
  /** The instance runs vrrp_strict (which is why accept is off). */
  strict: boolean;
  version: 2 | 3;
}

function inRange(a: string, first: string, last: string): boolean {
  if (familyOf(a) !== familyOf(first)) return false;
  return compareAddr(first, a) <= 0 && compareAddr(a, last) <= 0;
}

/** Each VIP of a no-accept, non-owner instance that a virtual server (by address) serves. */
export function acceptModeConflicts(vrrp: ResolvedVrrp, lvs: ResolvedLvs): AcceptConflict[] {
  const out: AcceptConflict[] = [];
  // The address ranges of the virtual servers, canonical, made once (only if some instance drops).
  let ranges: { id: string; first: string; last: string }[] | undefined;
  for (const inst of vrrp.instances) {
    if (inst.accept || inst.address_owner) continue;
    for (const vip of inst.vips) {
      let addr: string;
      try {
        addr = canonicalAddr(vip.address);
      } catch {
        continue; // an address the parser already reported
      }
      ranges ??= lvs.virtual_servers.flatMap((vs) => vs.services.flatMap((s) => (s.kind === 'address' ? [{ id: vs.id, first: canonicalAddr(s.first), last: canonicalAddr(s.last) }] : [])));
      const services = [...new Set(ranges.filter((r) => inRange(addr, r.first, r.last)).map((r) => r.id))];
      if (services.length > 0) out.push({ instance: inst.name, vip: addr, services, strict: inst.strict, version: inst.version });
    }
  }
  return out;
}

/** The check-config / start-up warning for one conflict. */
export function acceptConflictMessage(c: AcceptConflict): string {
  const why = c.strict ? (c.version === 2 ? 'vrrp_strict with VRRPv2 (accept cannot be set)' : 'vrrp_strict without `accept`') : '`no_accept`';
  const fix = c.strict && c.version === 2 ? 'use VRRP version 3 with `accept`, or no vrrp_strict' : 'add `accept` to the instance';
  const list = c.services.length > 3 ? `${c.services.slice(0, 3).join(', ')} and ${c.services.length - 3} more` : c.services.join(', ');
  return `vrrp_instance ${c.instance}: ${why}: as master it drops traffic to ${c.vip} (RFC 5798 §6.4.3), so virtual_server ${list} on that address receives nothing; ${fix}`;
}
