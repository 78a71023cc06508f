// Kernel edge (interfaces only): what the VRRP runtime needs from the kernel, as small ports.
// Implementations live beside this file (raw sockets, AF_PACKET, rtnetlink); unit tests use
// in-memory fakes that record what was asked.

export type Family = 4 | 6;

/** One VRRP packet as received, the IP header already read and stripped. */
export interface ReceivedPacket {
  ifindex: number;
  ifname: string;
  family: Family;
  /** Source and destination addresses, canonical text. */
  src: string;
  dst: string;
  /** IPv4 TTL or IPv6 Hop Limit as received (RFC 5798 §7.1: must be 255). */
  ttl: number;
  /** The VRRP packet (no IP header). */
  payload: Buffer;
}

/** A raw IP socket for protocol 112 on one interface and one family. */
export interface VrrpSocket {
  readonly ifname: string;
  readonly family: Family;
  /** Join / leave a multicast group on this socket's interface. */
  join(group: string): void;
  leave(group: string): void;
  /** Send one VRRP packet to `dst` with TTL / Hop Limit 255, from `src` when given. */
  send(dst: string, payload: Buffer, src?: string): void;
  /** Called for every packet received on this interface (any VRID). */
  onPacket(cb: (p: ReceivedPacket) => void): void;
  /** Called when a receive fails (the socket stays open unless `fatal`). */
  onError(cb: (e: Error & { fatal?: boolean }) => void): void;
  close(): void;
}

export interface VrrpSocketFactory {
  open(ifname: string, family: Family): VrrpSocket;
}

/** A virtual address as the VRRP runtime installs it. */
export interface AddressSpec {
  ifname: string;
  address: string;
  prefix: number;
  broadcast?: string;
  scope?: 'global' | 'site' | 'link' | 'host' | 'nowhere' | number;
  label?: string;
  /** IPv6: skip duplicate address detection. */
  nodad?: boolean;
  noprefixroute?: boolean;
  /** IPv6: preferred lifetime 0 (deprecated address, keepalived's `preferred_lft 0`). */
  preferredLft?: number;
  peer?: string;
  home?: boolean;
}

export interface AddressManager {
  /** Add; an address that is already there is not an error (returns false). */
  add(a: AddressSpec): Promise<boolean>;
  /** Delete; an address that is not there is not an error (returns false). */
  remove(a: AddressSpec): Promise<boolean>;
  /** Addresses on an interface, canonical text with prefix length. */
  list(ifname: string): Promise<{ address: string; prefix: number; label?: string }[]>;
}

/** Gratuitous ARP (IPv4) and unsolicited Neighbour Advertisements (IPv6). */
export interface Announcer {
  /** RFC 5227 §3 ARP announcement for `address`, from the interface's (or `mac`'s) hardware address. */
  garp(ifname: string, address: string, mac?: string): void;
  /** RFC 4861 §7.2.6 unsolicited NA to ff02::1, override flag set, router flag as configured. */
  unsolicitedNa(ifname: string, address: string, router?: boolean): void;
}

export interface LinkState {
  ifname: string;
  ifindex: number;
  up: boolean;
  mac?: string;
}

/** Interface existence and up/down state, from rtnetlink events. */
export interface LinkMonitor {
  get(ifname: string): LinkState | undefined;
  onChange(cb: (s: LinkState) => void): void;
  close(): void;
}
