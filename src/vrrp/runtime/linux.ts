// Runtime edge: the production ports on Linux: raw VRRP sockets, rtnetlink addresses, routes, rules and link events,
// AF_PACKET GARP / unsolicited NA (src/net/), the shared script runner (src/exec/run.ts), the monotonic
// clock, and track_file access through node:fs.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { runScript } from '../../exec/run.js';
import { RtnlAddressManager } from '../../net/addresses.js';
import { PacketAnnouncer } from '../../net/announce.js';
import { RtnlLinkMonitor } from '../../net/links.js';
import { RtnlRouteManager } from '../../net/routes.js';
import { RtnlVirtualLinks } from '../../net/virtual-links.js';
import type { AddressManager, LinkMonitor, RouteManager, VirtualLinkManager } from '../../net/ports.js';
import { LinuxVrrpSocketFactory } from '../../net/vrrp-socket.js';
import { canonicalAddr, isIpv6LinkLocal } from '../addr.js';
import type { InterfaceAddresses } from '../from-config.js';
import { realClock } from './clock.js';
import type { VrrpNodePorts } from './node.js';
import type { FileAccess } from './ports.js';

export const nodeFiles: FileAccess = {
  read(path) {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
  write(path, text) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  },
};

export interface LinuxPorts extends VrrpNodePorts {
  addresses: AddressManager;
  routes: RouteManager;
  links: LinkMonitor;
  vlinks: VirtualLinkManager;
  /** Close the netlink and packet sockets (after the node stopped). */
  close(): void;
}

/** Open the Linux ports. Throws when the native shim is missing or netlink cannot be opened. */
export async function linuxPorts(): Promise<LinuxPorts> {
  const made: { close(): void }[] = [];
  try {
    const addresses = new RtnlAddressManager();
    made.push(addresses);
    // Same socket as the VIPs: one sequence of requests, so a route after its VIP is sent after it.
    const routes = new RtnlRouteManager({ socket: addresses.socket });
    // Same socket again: a VMAC is created before the addresses that go on it.
    const vlinks = new RtnlVirtualLinks({ socket: addresses.socket });
    const announcer = new PacketAnnouncer();
    made.push(announcer);
    const links = await RtnlLinkMonitor.open();
    made.push(links);
    return {
      sockets: new LinuxVrrpSocketFactory(),
      addresses,
      routes,
      vlinks,
      announcer,
      links,
      clock: realClock(),
      runScript,
      files: nodeFiles,
      close() {
        for (const m of made) m.close();
      },
    };
  } catch (e) {
    for (const m of made) m.close();
    throw e;
  }
}

/**
 * Each interface's first IPv4 address that is not one of our VIPs, and its IPv6 link-local address
 * (RFC 5798 §5.1.2.1: the IPv6 source of adverts). Missing interfaces are left out.
 */
export async function interfaceAddresses(ports: Pick<LinuxPorts, 'addresses' | 'links'>, names: readonly string[], vips: ReadonlySet<string>): Promise<Map<string, InterfaceAddresses>> {
  const out = new Map<string, InterfaceAddresses>();
  const skip = new Set([...vips].map(canonicalAddr));
  for (const n of names) {
    if (!ports.links.get(n)) continue;
    let list: { address: string; prefix: number }[];
    try {
      list = await ports.addresses.list(n);
    } catch {
      continue;
    }
    const a: InterfaceAddresses = {};
    const v4 = list.find((x) => !x.address.includes(':') && !skip.has(canonicalAddr(x.address)));
    const ll = list.find((x) => x.address.includes(':') && isIpv6LinkLocal(x.address));
    if (v4) a.ipv4 = canonicalAddr(v4.address);
    if (ll) a.ipv6LinkLocal = canonicalAddr(ll.address);
    out.set(n, a);
  }
  return out;
}
