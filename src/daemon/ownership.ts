// Pure policy: which virtual services a director programs. With `follow_vrrp` (lvsd's default) a
// service whose address is a VIP of a VRRP instance is in the kernel only while that VIP is on this
// director: programmed just before the VIP is added (so the first packet to it is forwarded, never
// refused) and withdrawn just after it is removed. A service whose address no instance manages
// (fwmark services, addresses held by other means) is always programmed. With `always` every
// director programs every service, as keepalived does: a takeover needs no IPVS programming and a
// connection-sync backup has the services its synced connections need.
import type { VirtualServer } from '../ipvs/types.js';
import { canonicalAddr } from '../vrrp/addr.js';

export type IpvsProgram = 'follow_vrrp' | 'always';

export class Ownership {
  private readonly managed: Set<string>;
  private readonly heldSet = new Set<string>();

  /** `managed`: every VIP the VRRP instances install (virtual_ipaddress and _excluded). */
  constructor(
    readonly mode: IpvsProgram,
    managed: Iterable<string>,
    held: Iterable<string> = [],
  ) {
    this.managed = new Set([...managed].map(canonicalAddr));
    for (const a of held) this.heldSet.add(canonicalAddr(a));
  }

  /** Records that the VIP is (or is no longer) on this director; true when that is a change. */
  setHeld(address: string, held: boolean): boolean {
    const a = canonicalAddr(address);
    const had = this.heldSet.has(a);
    if (held) this.heldSet.add(a);
    else this.heldSet.delete(a);
    return had !== held;
  }

  held(address: string): boolean {
    return this.heldSet.has(canonicalAddr(address));
  }

  /** Whether some VRRP instance installs this address. */
  isManaged(address: string): boolean {
    return this.managed.has(canonicalAddr(address));
  }

  heldAddresses(): string[] {
    return [...this.heldSet];
  }

  /** The address of a service managed by VRRP, or undefined (fwmark, or no instance has it). */
  managedAddress(vs: VirtualServer): string | undefined {
    const k = vs.service.key;
    if (k.kind !== 'addr') return undefined;
    const a = canonicalAddr(k.address);
    return this.managed.has(a) ? a : undefined;
  }

  /** Whether this service belongs in the kernel now. */
  programmed(vs: VirtualServer): boolean {
    if (this.mode === 'always') return true;
    const a = this.managedAddress(vs);
    return a === undefined || this.heldSet.has(a);
  }

  /** The part of the desired table that belongs in the kernel now. */
  filter(servers: readonly VirtualServer[]): VirtualServer[] {
    return this.mode === 'always' ? [...servers] : servers.filter((s) => this.programmed(s));
  }

  /** Services of the table whose programming depends on this address. */
  servicesOf(servers: readonly VirtualServer[], address: string): number {
    const a = canonicalAddr(address);
    return servers.filter((s) => this.managedAddress(s) === a).length;
  }
}
