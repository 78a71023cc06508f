// Test support: keepalived.conf text -> runtime config (through the real parser, resolver and
// from-config), and VRRP nodes wired to the in-memory fakes of fakes.ts.
import { parseKeepalivedText } from '../../../src/config/keepalived/parse.js';
import { resolveVrrp } from '../../../src/config/resolve-vrrp.js';
import { vrrpBus } from '../../../src/events/vrrp.js';
import type { VrrpEvents } from '../../../src/events/vrrp.js';
import { runtimeConfig, type FromConfigIssue, type InterfaceAddresses, type RuntimeConfig } from '../../../src/vrrp/from-config.js';
import { VrrpNode, type VrrpNodeOptions } from '../../../src/vrrp/runtime/node.js';
import { memFs } from '../config/memfs.js';
import { FakeAddresses, FakeAnnouncer, FakeClock, FakeFiles, FakeLan, FakeLinks, FakeRunner } from './fakes.js';
import type { VirtualLinkManager } from '../../../src/net/ports.js';

export function configFrom(text: string, ifs: Record<string, InterfaceAddresses> = { eth0: { ipv4: '10.0.0.1', ipv6LinkLocal: 'fe80::1' } }): { config: RuntimeConfig; issues: FromConfigIssue[]; parseErrors: string[] } {
  const parsed = parseKeepalivedText(text, '/t.conf', memFs({}));
  const parseErrors = parsed.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message);
  const { config, issues } = runtimeConfig(resolveVrrp(parsed.model), (n) => ifs[n]);
  return { config, issues, parseErrors };
}

/** A keepalived.conf with the lab's usual global_defs and the given instance lines. */
export function conf(instances: string, globals: string[] = ['vrrp_garp_master_delay 0', 'vrrp_garp_master_repeat 1']): string {
  return `global_defs {\n  router_id t\n${globals.map((g) => `  ${g}\n`).join('')}}\n${instances}`;
}

export function instance(name: string, lines: string[]): string {
  return `vrrp_instance ${name} {\n${lines.map((l) => `  ${l}\n`).join('')}}\n`;
}

export interface TestNode {
  name: string;
  node: VrrpNode;
  addrs: FakeAddresses;
  announcer: FakeAnnouncer;
  links: FakeLinks;
  runner: FakeRunner;
  files: FakeFiles;
  events: Array<{ name: keyof VrrpEvents; payload: unknown; t: number }>;
  of<K extends keyof VrrpEvents>(k: K): VrrpEvents[K][];
}

export interface World {
  clock: FakeClock;
  lan: FakeLan;
  nodes: Map<string, TestNode>;
}

export function world(): World {
  const clock = new FakeClock();
  return { clock, lan: new FakeLan(clock), nodes: new Map() };
}

/** A node named `name` with primary address `address` on eth0 running `text`. */
export function addNode(w: World, name: string, address: string, text: string, opts: VrrpNodeOptions & { failOpen?: Error; ll?: string; vlinks?: VirtualLinkManager } = {}): TestNode {
  const ll = opts.ll ?? `fe80::${address.split('.').at(-1)}`;
  const { config, issues, parseErrors } = configFrom(text, { eth0: { ipv4: address, ipv6LinkLocal: ll }, eth1: { ipv4: address.replace(/^10\.0\./, '10.1.') } });
  const errs = [...parseErrors, ...issues.filter((i) => i.severity === 'error').map((i) => i.message)];
  if (errs.length > 0) throw new Error(`config errors: ${errs.join('; ')}`);
  const addrs = new FakeAddresses(w.clock);
  addrs.seed('eth0', address, 24);
  const announcer = new FakeAnnouncer(w.clock);
  const links = new FakeLinks(['eth0', 'eth1']);
  const runner = new FakeRunner(w.clock);
  const files = new FakeFiles();
  const bus = opts.bus ?? vrrpBus();
  const events: TestNode['events'] = [];
  bus.onAny((payload, n) => events.push({ name: n as keyof VrrpEvents, payload, t: w.clock.now() }));
  const sockets = w.lan.factory(name, [address, ll], opts.failOpen ? { failOpen: opts.failOpen } : {});
  const node = new VrrpNode(config, { sockets, addresses: addrs, announcer, links, clock: w.clock, runScript: runner.run, files, ...(opts.vlinks ? { vlinks: opts.vlinks } : {}) }, { ...opts, bus });
  const tn: TestNode = {
    name,
    node,
    addrs,
    announcer,
    links,
    runner,
    files,
    events,
    of: <K extends keyof VrrpEvents>(k: K) => events.filter((e) => e.name === k).map((e) => e.payload as VrrpEvents[K]),
  };
  w.nodes.set(name, tn);
  return tn;
}

export function stateOf(n: TestNode, inst = 'VI_1'): string {
  return n.node.instanceStatus(inst)!.state;
}

/** Stop a node while the fake clock moves (notify scripts and VIP removals run on it). */
export async function stopNode(w: World, n: TestNode, stepMs = 5, maxMs = 10_000): Promise<void> {
  let done = false;
  const p = n.node.stop().then(() => (done = true));
  for (let t = 0; !done && t < maxMs; t += stepMs) await w.clock.advance(stepMs);
  await p;
}
