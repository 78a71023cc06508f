// Kernel edge: the AddressManager port over rtnetlink (RTM_NEWADDR / RTM_DELADDR / RTM_GETADDR),
// message bodies encoded with the `netlink` package's rtnetlink structs. "Already there" on add
// (EEXIST) and "not there" on delete (EADDRNOTAVAIL) are answers, not errors: they return false.
import { rt, AttrStream } from 'netlink';
import type { AddressManager, AddressSpec } from './ports.js';
import { RtnlSocket, type RtnlOptions } from './rtnl.js';
import { KernelError, NetError } from './errors.js';
import * as K from './constants.js';
import { canonicalAddr, familyOf, parseAddr, formatAddr, type Family as AddrFamily } from '../vrrp/addr.js';
import type { NlMsg } from './nlmsg.js';

export interface ListedAddress {
  address: string;
  prefix: number;
  label?: string;
}

function fam(addr: string): AddrFamily {
  return familyOf(addr);
}

function bytes(addr: string, family: AddrFamily, what: string): Buffer {
  try {
    if (familyOf(addr) !== family) throw new Error(`not an ${family} address`);
    return Buffer.from(parseAddr(addr, family));
  } catch (e) {
    throw new NetError('LVSD_NET_BAD_ARGUMENT', `${what} "${addr}": ${(e as Error).message}`, { cause: e });
  }
}

function scopeNumber(s: AddressSpec['scope']): number {
  if (s === undefined) return 0;
  if (typeof s === 'number') {
    if (!Number.isInteger(s) || s < 0 || s > 255) throw new NetError('LVSD_NET_BAD_ARGUMENT', `scope ${s}: must be 0..255`);
    return s;
  }
  const n = K.SCOPES[s];
  if (n === undefined) throw new NetError('LVSD_NET_BAD_ARGUMENT', `scope "${String(s)}" is unknown`);
  return n;
}

/** The RTM_NEWADDR / RTM_DELADDR body for `a` on interface `index`. Exported for unit tests. */
export function addressBody(a: AddressSpec, index: number, forDelete: boolean): Buffer {
  const family = fam(a.address);
  const max = family === 'ipv4' ? 32 : 128;
  if (!Number.isInteger(a.prefix) || a.prefix < 0 || a.prefix > max) {
    throw new NetError('LVSD_NET_BAD_ARGUMENT', `prefix /${a.prefix} of ${a.address}: must be 0..${max}`);
  }
  const local = bytes(a.address, family, 'address');
  const attrs: rt.AddressAttrs = { local, address: a.peer !== undefined ? bytes(a.peer, family, 'peer') : local };
  if (!forDelete) {
    if (a.broadcast !== undefined) {
      if (family !== 'ipv4') throw new NetError('LVSD_NET_BAD_ARGUMENT', `broadcast on IPv6 address ${a.address}`);
      attrs.broadcast = bytes(a.broadcast, family, 'broadcast');
    }
    // Linux keeps labels for IPv4 only (IFA_LABEL); keepalived's `label` applies there.
    if (a.label !== undefined && family === 'ipv4') {
      if (a.label.length === 0 || a.label.length > 15) throw new NetError('LVSD_NET_BAD_ARGUMENT', `label "${a.label}": 1..15 characters`);
      attrs.label = a.label;
    }
    const flags: rt.AddressFlags = {};
    if (a.nodad && family === 'ipv6') flags.nodad = true;
    if (a.noprefixroute) flags.noprefixroute = true;
    if (a.home && family === 'ipv6') flags.homeaddress = true;
    attrs.flags = flags;
    if (a.preferredLft !== undefined) {
      if (!Number.isInteger(a.preferredLft) || a.preferredLft < 0) throw new NetError('LVSD_NET_BAD_ARGUMENT', `preferred_lft ${a.preferredLft}`);
      attrs.cacheInfo = { ifaPrefered: a.preferredLft, ifaValid: K.INFINITY_LIFE_TIME, cstamp: 0, tstamp: 0 };
    }
  }
  const s = new AttrStream();
  rt.formatAddressMessage(
    {
      kind: 'address',
      data: { family: family === 'ipv4' ? K.AF_INET : K.AF_INET6, prefixlen: a.prefix, flags: {}, scope: forDelete ? 0 : scopeNumber(a.scope), index },
      attrs,
    },
    s,
  );
  return Buffer.concat(s.bufs);
}

/** Reads one RTM_NEWADDR message into (index, address, prefix, label). */
export function parseAddressMessage(m: NlMsg): { index: number; family: AddrFamily; address: string; prefix: number; label?: string } | undefined {
  const msg = rt.parseMessage(m.type, m.payload);
  if (msg.kind !== 'address') return undefined;
  const family: AddrFamily | undefined = msg.data.family === K.AF_INET ? 'ipv4' : msg.data.family === K.AF_INET6 ? 'ipv6' : undefined;
  const raw = msg.attrs.local ?? msg.attrs.address;
  if (!family || !raw) return undefined;
  const out: { index: number; family: AddrFamily; address: string; prefix: number; label?: string } = {
    index: msg.data.index ?? 0,
    family,
    address: formatAddr(raw, family),
    prefix: msg.data.prefixlen ?? 0,
  };
  if (msg.attrs.label !== undefined) out.label = msg.attrs.label;
  return out;
}

export class RtnlAddressManager implements AddressManager {
  private readonly rtnl: RtnlSocket;

  constructor(opts: RtnlOptions = {}) {
    this.rtnl = new RtnlSocket({ ...opts, groups: [] });
  }

  get socket(): RtnlSocket {
    return this.rtnl;
  }

  async add(a: AddressSpec): Promise<boolean> {
    const index = this.rtnl.ifindex(a.ifname);
    const body = addressBody(a, index, false);
    try {
      await this.rtnl.request(K.RTM_NEWADDR, K.NLM_F_CREATE | K.NLM_F_EXCL, body, `add ${a.address}/${a.prefix} on ${a.ifname}`);
      return true;
    } catch (e) {
      if (e instanceof KernelError && e.errno === 'EEXIST') return false;
      throw e;
    }
  }

  async remove(a: AddressSpec): Promise<boolean> {
    const index = this.rtnl.ifindex(a.ifname);
    const body = addressBody(a, index, true);
    try {
      await this.rtnl.request(K.RTM_DELADDR, 0, body, `delete ${a.address}/${a.prefix} from ${a.ifname}`);
      return true;
    } catch (e) {
      if (e instanceof KernelError && e.errno === 'EADDRNOTAVAIL') return false;
      throw e;
    }
  }

  async list(ifname: string): Promise<ListedAddress[]> {
    const index = this.rtnl.ifindex(ifname);
    const s = new AttrStream();
    rt.formatAddressMessage({ kind: 'address', data: { family: K.AF_UNSPEC, index }, attrs: {} }, s);
    let msgs: NlMsg[] = [];
    for (let attempt = 0; ; attempt++) {
      try {
        msgs = await this.rtnl.request(K.RTM_GETADDR, K.NLM_F_DUMP, Buffer.concat(s.bufs), `list addresses of ${ifname}`);
        break;
      } catch (e) {
        // A dump interrupted by a concurrent change is read again (a few times).
        if (!(e instanceof NetError && e.code === 'LVSD_NET_RESYNC') || attempt >= 3) throw e;
      }
    }
    const out: ListedAddress[] = [];
    for (const m of msgs) {
      if (m.type !== K.RTM_NEWADDR) continue;
      const a = parseAddressMessage(m);
      if (!a || a.index !== index) continue;
      out.push(a.label !== undefined ? { address: canonicalAddr(a.address), prefix: a.prefix, label: a.label } : { address: canonicalAddr(a.address), prefix: a.prefix });
    }
    return out;
  }

  close(): void {
    this.rtnl.close();
  }
}
