// Runtime: one instance's virtual addresses, virtual_routes and virtual_rules through the AddressManager
// and RouteManager ports. Operations run one after another on a chain that nobody in the advert path
// awaits: becoming master adds the VIPs, then the routes, then the rules (keepalived's order: a route's
// `src` may be a VIP, a rule may point at the routes' table); a release removes the rules, the routes,
// then the VIPs. A release removes exactly what this instance installed: an address, route or rule that
// was already there when it became master (an operator's) is left alone.
// Accept_Mode False (RFC 5798 §6.4.3): with a firewall set, the VIPs enter its drop sets before the first
// address is added and leave them after the last one is removed, so no moment accepts traffic to them.
import type { AddressManager, AddressSpec, FirewallVip, RouteManager, RouteSpec, RuleSpec, VipFirewall } from '../../net/ports.js';
import type { VrrpBus } from '../../events/vrrp.js';

const key = (a: AddressSpec): string => `${a.ifname}|${a.address}/${a.prefix}`;
/** Short labels for messages (the route manager's own errors say the rest). */
const routeLabel = (r: RouteSpec): string => `route ${r.dst}/${r.dstLen} table ${r.table}`;
const ruleLabel = (r: RuleSpec): string => `rule${r.priority !== undefined ? ` ${r.priority}` : ''} (IPv${r.family})`;

/** The routes and rules of one instance, and the port that installs them. */
export interface RoutingSpecs {
  manager: RouteManager | undefined;
  routes: readonly RouteSpec[];
  rules: readonly RuleSpec[];
}

/** The routes and rules a controller installed (handed to its successor on reload). */
export interface InstalledRouting {
  routes: RouteSpec[];
  rules: RuleSpec[];
}

const specKey = (x: RouteSpec | RuleSpec): string => JSON.stringify(x);

export class VipController {
  private chain: Promise<void> = Promise.resolve();
  private readonly installed = new Map<string, AddressSpec>();
  private readonly routesIn = new Map<string, RouteSpec>();
  private readonly rulesIn = new Map<string, RuleSpec>();
  private readonly routing: RoutingSpecs;
  /** Bumped on every add/remove request: a queued announcement checks it is still current. */
  generation = 0;
  held = false;
  private firewall: VipFirewall | undefined;
  /** The VIPs are in the firewall's drop sets. */
  private dropping = false;

  constructor(
    private readonly instance: string,
    private readonly specs: readonly AddressSpec[],
    private readonly am: AddressManager,
    private readonly bus: VrrpBus,
    routing?: RoutingSpecs,
  ) {
    this.routing = routing ?? { manager: undefined, routes: [], rules: [] };
  }

  /** Drop traffic to the VIPs while they are held (the node sets it once the firewall's table exists). */
  useFirewall(fw: VipFirewall | undefined): void {
    this.firewall = fw;
  }

  /** The VIPs as firewall elements (also those of a carried instance, for the node's start). */
  firewallVips(): FirewallVip[] {
    return this.specs.map((a) => ({ ifname: a.ifname, address: a.address }));
  }

  private enqueue(f: () => Promise<void>): Promise<void> {
    this.chain = this.chain.then(f, f);
    return this.chain;
  }

  private fail(op: string, a: AddressSpec, e: unknown): void {
    this.bus.emit('vrrp.error', { instance: this.instance, code: `vip_${op}_failed`, message: `${op} ${a.address}/${a.prefix} on ${a.ifname}: ${(e as Error).message ?? String(e)}` });
  }

  private failRouting(code: string, label: string, e: unknown): void {
    this.bus.emit('vrrp.error', { instance: this.instance, code, message: `${label}: ${(e as Error).message ?? String(e)}` });
  }

  /** The route manager, or undefined after saying why routes and rules cannot be installed. */
  private manager(): RouteManager | undefined {
    const { manager, routes, rules } = this.routing;
    if (!manager && routes.length + rules.length > 0) {
      this.bus.emit('vrrp.error', { instance: this.instance, code: 'routes_unsupported', message: `${routes.length} virtual_routes and ${rules.length} virtual_rules not installed: no route manager` });
    }
    return manager;
  }

  /** Install every VIP, then the routes, then the rules (becoming master). */
  add(): Promise<void> {
    this.generation++;
    this.held = true;
    return this.enqueue(async () => {
      await this.applyDrop(true);
      for (const a of this.specs) {
        try {
          const changed = await this.am.add(a);
          if (changed) this.installed.set(key(a), a);
          this.bus.emit('vrrp.vip', { instance: this.instance, op: 'add', ifname: a.ifname, address: a.address, prefix: a.prefix, changed });
        } catch (e) {
          this.fail('add', a, e);
        }
      }
      const rm = this.manager();
      if (!rm) return;
      for (const r of this.routing.routes) {
        try {
          // false: an identical route was there already (an operator's): not ours to remove.
          const changed = await rm.addRoute(r);
          if (changed) this.routesIn.set(specKey(r), r);
          this.bus.emit('vrrp.route', { instance: this.instance, op: 'add', kind: 'route', what: routeLabel(r), changed });
        } catch (e) {
          this.failRouting('route_add_failed', routeLabel(r), e);
        }
      }
      for (const r of this.routing.rules) {
        try {
          const changed = await rm.addRule(r);
          if (changed) this.rulesIn.set(specKey(r), r);
          this.bus.emit('vrrp.route', { instance: this.instance, op: 'add', kind: 'rule', what: ruleLabel(r), changed });
        } catch (e) {
          this.failRouting('rule_add_failed', ruleLabel(r), e);
        }
      }
    });
  }

  /** Put the VIPs in (true) or take them out of (false) the Accept_Mode drop sets, once each way. */
  private async applyDrop(on: boolean): Promise<void> {
    const fw = this.firewall;
    if (!fw || this.dropping === on) return;
    try {
      await (on ? fw.add(this.firewallVips()) : fw.remove(this.firewallVips()));
      this.dropping = on;
      this.bus.emit('vrrp.firewall', { instance: this.instance, op: on ? 'add' : 'remove', addresses: this.specs.map((a) => a.address) });
    } catch (e) {
      const n = this.specs.length;
      if (on) this.failRouting('firewall_add_failed', `nftables: add ${n} VIP(s) to the drop sets`, e);
      else this.failRouting('firewall_remove_failed', `nftables: remove ${n} VIP(s) from the drop sets`, e);
    }
  }

  /** Remove the rules, routes and VIPs that add() installed (leaving master, stopping). */
  remove(): Promise<void> {
    this.generation++;
    this.held = false;
    return this.enqueue(async () => {
      await this.removeRouting();
      for (const [k, a] of [...this.installed]) {
        try {
          const changed = await this.am.remove(a);
          this.installed.delete(k);
          this.bus.emit('vrrp.vip', { instance: this.instance, op: 'remove', ifname: a.ifname, address: a.address, prefix: a.prefix, changed });
        } catch (e) {
          this.fail('remove', a, e);
        }
      }
      await this.applyDrop(false);
    });
  }

  /** Rules first, then routes; one that fails stays recorded and is tried again at the next release. */
  private async removeRouting(): Promise<void> {
    const rm = this.routing.manager;
    if (!rm) return;
    for (const [k, r] of [...this.rulesIn]) {
      try {
        const changed = await rm.removeRule(r);
        this.rulesIn.delete(k);
        this.bus.emit('vrrp.route', { instance: this.instance, op: 'remove', kind: 'rule', what: ruleLabel(r), changed });
      } catch (e) {
        this.failRouting('rule_remove_failed', ruleLabel(r), e);
      }
    }
    for (const [k, r] of [...this.routesIn]) {
      try {
        const changed = await rm.removeRoute(r);
        this.routesIn.delete(k);
        this.bus.emit('vrrp.route', { instance: this.instance, op: 'remove', kind: 'route', what: routeLabel(r), changed });
      } catch (e) {
        this.failRouting('route_remove_failed', routeLabel(r), e);
      }
    }
  }

  /**
   * keepalived at startup (vrrp_restore_interface with force): a VIP, route or rule of this instance found
   * in the kernel was left by an earlier run that did not stop cleanly; a backup must not hold it. Routes
   * and rules are deleted by their full description (protocol included), so only an identical entry goes.
   */
  removeStale(): Promise<void> {
    return this.enqueue(async () => {
      const rm = this.routing.manager;
      if (rm) {
        for (const r of this.routing.rules) {
          try {
            await rm.removeRule(r);
          } catch (e) {
            this.failRouting('rule_remove_failed', ruleLabel(r), e);
          }
        }
        for (const r of this.routing.routes) {
          try {
            await rm.removeRoute(r);
          } catch (e) {
            this.failRouting('route_remove_failed', routeLabel(r), e);
          }
        }
      }
      const byIf = new Map<string, { address: string; prefix: number }[]>();
      for (const a of this.specs) {
        try {
          if (!byIf.has(a.ifname)) byIf.set(a.ifname, await this.am.list(a.ifname));
        } catch (e) {
          this.fail('list', a, e);
          byIf.set(a.ifname, []);
        }
        const present = byIf.get(a.ifname)!.some((x) => x.address === a.address && x.prefix === a.prefix);
        if (!present) continue;
        try {
          const changed = await this.am.remove(a);
          this.bus.emit('vrrp.vip', { instance: this.instance, op: 'remove', ifname: a.ifname, address: a.address, prefix: a.prefix, changed });
        } catch (e) {
          this.fail('remove', a, e);
        }
      }
    });
  }

  /** Resolves when every queued operation has finished. */
  idle(): Promise<void> {
    return this.chain;
  }

  /** Takes over what another controller of the same instance installed (a reload keeps the VIPs, routes and rules). */
  adopt(installed: readonly AddressSpec[], held: boolean, routing?: InstalledRouting): void {
    for (const a of installed) this.installed.set(key(a), a);
    for (const r of routing?.routes ?? []) this.routesIn.set(specKey(r), r);
    for (const r of routing?.rules ?? []) this.rulesIn.set(specKey(r), r);
    this.held = held;
    // A carried master's VIPs are put back in the drop sets when the new node creates the table.
    this.dropping = held;
  }

  /** The node created the table with these VIPs in it already (a carried master), or without them. */
  setDropping(d: boolean): void {
    this.dropping = d;
  }

  installedSpecs(): AddressSpec[] {
    return [...this.installed.values()];
  }

  installedRouting(): InstalledRouting {
    return { routes: [...this.routesIn.values()], rules: [...this.rulesIn.values()] };
  }
}
