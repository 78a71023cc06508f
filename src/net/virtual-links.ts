// Kernel edge: the VirtualLinkManager port over rtnetlink: VMAC (macvlan) and ipvlan links created,
// brought up and deleted with RTM_NEWLINK / RTM_DELLINK (the bodies are src/net/link-msgs.ts), IPv4
// per-device settings through IFLA_AF_SPEC / IFLA_INET_CONF and the IPv6 address generation mode
// through IFLA_INET6_ADDR_GEN_MODE. The kernel takes no IPv6 devconf over netlink, so disable_ipv6 is
// written to /proc/sys (opened inside the namespace, as every socket here).
import { writeFileSync } from 'node:fs';
import type { Ipv4DevConf, VirtualLinkInfo, VirtualLinkManager } from './ports.js';
import { RtnlSocket, type RtnlOptions } from './rtnl.js';
import { inNetns } from './netns.js';
import { KernelError, NetError } from './errors.js';
import * as K from './constants.js';
import { addrGenModeBody, delLinkBody, getLinkByNameBody, ipv4ConfBody, linkUpBody, newIpvlanBody, newMacvlanBody, parseLinkDetails, LinkSpecError, type LinkDetails } from './link-msgs.js';

export interface VirtualLinksOptions extends Pick<RtnlOptions, 'netns' | 'timeoutMs'> {
  /** Share a socket (the address manager's): one ordered sequence of requests. */
  socket?: RtnlSocket;
}

const isNoDev = (e: unknown): boolean => e instanceof KernelError && (e.errno === 'ENODEV' || e.errno === 'ENOENT');

function info(d: LinkDetails): VirtualLinkInfo {
  const out: VirtualLinkInfo = { ifindex: d.index, ifname: d.name, up: (d.flags & K.IFF_UP) !== 0 };
  if (d.mac !== undefined) out.mac = d.mac;
  if (d.link !== undefined) out.parent = d.link;
  if (d.kind !== undefined) out.kind = d.kind;
  return out;
}

export class RtnlVirtualLinks implements VirtualLinkManager {
  readonly socket: RtnlSocket;
  private readonly own: boolean;
  private readonly netns: string | undefined;

  constructor(opts: VirtualLinksOptions = {}) {
    this.socket = opts.socket ?? new RtnlSocket({ ...(opts.netns !== undefined ? { netns: opts.netns } : {}), ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}) });
    this.own = opts.socket === undefined;
    this.netns = opts.netns;
  }

  private async details(ifname: string): Promise<LinkDetails | undefined> {
    let msgs;
    try {
      msgs = await this.socket.request(K.RTM_GETLINK, 0, wrap(() => getLinkByNameBody(ifname)), `get link ${ifname}`);
    } catch (e) {
      if (isNoDev(e)) return undefined;
      throw e;
    }
    const m = msgs.find((x) => x.type === K.RTM_NEWLINK);
    return m ? parseLinkDetails(m.payload) : undefined;
  }

  private async index(ifname: string): Promise<number> {
    const d = await this.details(ifname);
    if (!d) throw new NetError('LVSD_NET_NO_INTERFACE', `no interface ${ifname}`);
    return d.index;
  }

  async get(ifname: string): Promise<VirtualLinkInfo | undefined> {
    const d = await this.details(ifname);
    return d ? info(d) : undefined;
  }

  async createMacvlan(o: { name: string; base: string; mac: string }): Promise<VirtualLinkInfo> {
    const link = await this.index(o.base);
    await this.socket.request(K.RTM_NEWLINK, K.NLM_F_CREATE | K.NLM_F_EXCL, wrap(() => newMacvlanBody({ name: o.name, link, mac: o.mac })), `create macvlan ${o.name} on ${o.base}`);
    return (await this.get(o.name)) ?? missing(o.name);
  }

  async createIpvlan(o: { name: string; base: string; flag: 'bridge' | 'private' | 'vepa' }): Promise<VirtualLinkInfo> {
    const link = await this.index(o.base);
    await this.socket.request(K.RTM_NEWLINK, K.NLM_F_CREATE | K.NLM_F_EXCL, wrap(() => newIpvlanBody({ name: o.name, link, flag: o.flag })), `create ipvlan ${o.name} on ${o.base}`);
    return (await this.get(o.name)) ?? missing(o.name);
  }

  async remove(ifname: string): Promise<boolean> {
    const d = await this.details(ifname);
    if (!d) return false;
    try {
      await this.socket.request(K.RTM_DELLINK, 0, delLinkBody(d.index), `delete link ${ifname}`);
    } catch (e) {
      if (isNoDev(e)) return false;
      throw e;
    }
    return true;
  }

  async setUp(ifname: string, up: boolean): Promise<void> {
    await this.socket.request(K.RTM_NEWLINK, 0, linkUpBody(await this.index(ifname), up), `set ${ifname} ${up ? 'up' : 'down'}`);
  }

  async getIpv4Conf(ifname: string): Promise<Ipv4DevConf> {
    const d = await this.details(ifname);
    if (!d) throw new NetError('LVSD_NET_NO_INTERFACE', `no interface ${ifname}`);
    return d.ipv4Conf ?? {};
  }

  async setIpv4Conf(ifname: string, conf: Ipv4DevConf): Promise<void> {
    await this.socket.request(K.RTM_NEWLINK, 0, ipv4ConfBody(await this.index(ifname), conf), `set IPv4 settings of ${ifname}`);
  }

  async setAddrGenModeNone(ifname: string): Promise<void> {
    await this.socket.request(K.RTM_NEWLINK, 0, addrGenModeBody(await this.index(ifname), K.IN6_ADDR_GEN_MODE_NONE), `set addrgenmode none on ${ifname}`);
  }

  async setIpv6Disabled(ifname: string, disabled: boolean): Promise<void> {
    if (!/^[^/\s]{1,15}$/.test(ifname) || ifname === '.' || ifname === '..') throw new NetError('LVSD_NET_BAD_ARGUMENT', `"${ifname}" is not a valid interface name`);
    const path = `/proc/sys/net/ipv6/conf/${ifname}/disable_ipv6`;
    try {
      inNetns(this.netns, () => writeFileSync(path, disabled ? '1' : '0'));
    } catch (e) {
      // No IPv6 in this kernel (or namespace): nothing to disable.
      if ((e as { code?: string }).code === 'ENOENT' && disabled) return;
      throw new NetError('LVSD_NET_SYSCTL', `write ${path}: ${(e as Error).message}`, { cause: e });
    }
  }

  close(): void {
    if (this.own) this.socket.close();
  }
}

function wrap(f: () => Buffer): Buffer {
  try {
    return f();
  } catch (e) {
    if (e instanceof LinkSpecError) throw new NetError('LVSD_NET_BAD_ARGUMENT', e.message, { cause: e });
    throw e;
  }
}

function missing(name: string): never {
  throw new NetError('LVSD_NET_NO_INTERFACE', `${name} was created but cannot be read back`);
}
