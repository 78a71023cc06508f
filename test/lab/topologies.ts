// Test lab: the standard topologies. `vrrpPair`/`vrrpTrio`: directors and an observer on one
// LAN. `lvs`: a client, two directors, a router and real servers, routed for LVS-NAT and LVS-DR.
import type { Host, Lab, HostSpec, IfSpec } from './netns.js';

export interface VrrpLan {
  lab: Lab;
  /** d1, d2 (and d3): interface eth0 on the LAN, addresses .1, .2, .3. */
  directors: Host[];
  /** obs: a quiet host on the same LAN for captures (.250). */
  observer: Host;
  ifname: 'eth0';
  /** A free address of the LAN to use as a virtual IP. */
  vip: string;
  prefixLen: 24;
  addrOf(h: Host): string;
}

/** `count` directors and an observer on one bridge, subnet 10.77.N.0/24 (N = `net`, default 0). */
export async function vrrpLan(lab: Lab, count: number, net = 0): Promise<VrrpLan> {
  const base = `10.77.${net}.`;
  const names = Array.from({ length: count }, (_, i) => `d${i + 1}`);
  const addr = new Map<string, string>(names.map((n, i) => [n, `${base}${i + 1}`]));
  addr.set('obs', `${base}250`);
  await lab.build({
    hosts: [...names, 'obs'].map((name) => ({ name })),
    lans: [{ name: 'lan', members: [...names, 'obs'].map((host) => ({ host, ifname: 'eth0', addrs: [`${addr.get(host)}/24`] })) }],
  });
  return {
    lab,
    directors: names.map((n) => lab.host(n)),
    observer: lab.host('obs'),
    ifname: 'eth0',
    vip: `${base}100`,
    prefixLen: 24,
    addrOf: (h) => addr.get(h.name)!,
  };
}

export const vrrpPair = (lab: Lab, net = 0): Promise<VrrpLan> => vrrpLan(lab, 2, net);
export const vrrpTrio = (lab: Lab, net = 0): Promise<VrrpLan> => vrrpLan(lab, 3, net);

export type LvsMode = 'nat' | 'dr';

export interface LvsTopology {
  lab: Lab;
  client: Host;
  directors: [Host, Host];
  /** Joins both LANs; real servers route replies through it in DR mode. */
  router: Host;
  realServers: Host[];
  /** The virtual IP on the front LAN (held by the active director). */
  vip: string;
  /** The real servers' gateway in NAT mode (held by the active director). */
  backGateway: string;
  clientAddr: string;
  routerFront: string;
  routerBack: string;
  directorFront(i: number): string;
  directorBack(i: number): string;
  rsAddr(i: number): string;
  mode: LvsMode;
  /** Puts the VIP (front, eth0) and the NAT gateway (back, eth1) on `d`, as a VRRP master would. */
  activate(d: Host): Promise<void>;
  deactivate(d: Host): Promise<void>;
  /** Routes the real servers for NAT (default via backGateway) or DR (VIP on lo, default via router). */
  setMode(mode: LvsMode): Promise<void>;
}

export interface LvsOptions {
  realServers?: number;
  mode?: LvsMode;
}

/**
 * Front LAN 10.88.0.0/24: client .10, d1 .2, d2 .3, router .254, VIP .100.
 * Back LAN 10.88.1.0/24: d1 .2, d2 .3, router .254, real servers .11, .12, ...; NAT gateway .1.
 * Directors and router forward; real servers have arp_ignore=1 / arp_announce=2.
 */
export async function lvs(lab: Lab, opts: LvsOptions = {}): Promise<LvsTopology> {
  const n = opts.realServers ?? 2;
  const front = '10.88.0.';
  const back = '10.88.1.';
  const vip = `${front}100`;
  const backGateway = `${back}1`;
  const rsNames = Array.from({ length: n }, (_, i) => `rs${i + 1}`);
  const fwd = { 'net.ipv4.ip_forward': 1, 'net.ipv4.conf.all.rp_filter': 0, 'net.ipv4.conf.default.rp_filter': 0 };
  const dr = {
    // Real servers must not answer ARP for the VIP on lo, nor use it as ARP source (LVS-DR).
    'net.ipv4.conf.all.arp_ignore': 1,
    'net.ipv4.conf.all.arp_announce': 2,
    'net.ipv4.conf.lo.arp_ignore': 1,
    'net.ipv4.conf.lo.arp_announce': 2,
    'net.ipv4.conf.all.rp_filter': 0,
  };
  const mode = opts.mode ?? 'nat';
  const hosts: HostSpec[] = [
    { name: 'client' },
    { name: 'd1', sysctls: fwd },
    { name: 'd2', sysctls: fwd },
    { name: 'router', sysctls: fwd },
    ...rsNames.map((name) => ({ name, sysctls: dr, ip: rsRoutes(mode, vip, backGateway, `${back}254`, false) })),
  ];
  const frontMembers: IfSpec[] = [
    { host: 'client', ifname: 'eth0', addrs: [`${front}10/24`] },
    { host: 'd1', ifname: 'eth0', addrs: [`${front}2/24`] },
    { host: 'd2', ifname: 'eth0', addrs: [`${front}3/24`] },
    { host: 'router', ifname: 'eth0', addrs: [`${front}254/24`] },
  ];
  const backMembers: IfSpec[] = [
    { host: 'd1', ifname: 'eth1', addrs: [`${back}2/24`] },
    { host: 'd2', ifname: 'eth1', addrs: [`${back}3/24`] },
    { host: 'router', ifname: 'eth1', addrs: [`${back}254/24`] },
    ...rsNames.map((host, i) => ({ host, ifname: 'eth0', addrs: [`${back}${11 + i}/24`] })),
  ];
  await lab.build({ hosts, lans: [{ name: 'front', members: frontMembers }, { name: 'back', members: backMembers }] });
  const topo: LvsTopology = {
    lab,
    client: lab.host('client'),
    directors: [lab.host('d1'), lab.host('d2')],
    router: lab.host('router'),
    realServers: rsNames.map((r) => lab.host(r)),
    vip,
    backGateway,
    clientAddr: `${front}10`,
    routerFront: `${front}254`,
    routerBack: `${back}254`,
    directorFront: (i) => `${front}${2 + i}`,
    directorBack: (i) => `${back}${2 + i}`,
    rsAddr: (i) => `${back}${11 + i}`,
    mode,
    activate: (d) => d.ip([`addr add ${vip}/24 dev eth0`, `addr add ${backGateway}/24 dev eth1`]),
    deactivate: (d) => d.ip([`addr del ${vip}/24 dev eth0`, `addr del ${backGateway}/24 dev eth1`]),
    async setMode(m) {
      if (m === topo.mode) return;
      await Promise.all(topo.realServers.map((rs) => rs.ip(rsRoutes(m, vip, backGateway, `${back}254`, true))));
      topo.mode = m;
    },
  };
  return topo;
}

function rsRoutes(mode: LvsMode, vip: string, gw: string, router: string, change: boolean): string[] {
  if (mode === 'nat') {
    return [`route replace default via ${gw}`, ...(change ? [`addr del ${vip}/32 dev lo`] : [])];
  }
  return [`addr add ${vip}/32 dev lo`, `route replace default via ${router}`];
}
