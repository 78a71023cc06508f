// Runtime: one instance's virtual addresses through the AddressManager port. Operations run one after
// another on a chain that nobody in the advert path awaits. A release removes exactly what this instance
// installed: an address that was already there when it became master (an operator's) is left alone.
import type { AddressManager, AddressSpec } from '../../net/ports.js';
import type { VrrpBus } from '../../events/vrrp.js';

const key = (a: AddressSpec): string => `${a.ifname}|${a.address}/${a.prefix}`;

export class VipController {
  private chain: Promise<void> = Promise.resolve();
  private readonly installed = new Map<string, AddressSpec>();
  /** Bumped on every add/remove request: a queued announcement checks it is still current. */
  generation = 0;
  held = false;

  constructor(
    private readonly instance: string,
    private readonly specs: readonly AddressSpec[],
    private readonly am: AddressManager,
    private readonly bus: VrrpBus,
  ) {}

  private enqueue(f: () => Promise<void>): Promise<void> {
    this.chain = this.chain.then(f, f);
    return this.chain;
  }

  private fail(op: string, a: AddressSpec, e: unknown): void {
    this.bus.emit('vrrp.error', { instance: this.instance, code: `vip_${op}_failed`, message: `${op} ${a.address}/${a.prefix} on ${a.ifname}: ${(e as Error).message ?? String(e)}` });
  }

  /** Install every VIP (becoming master). */
  add(): Promise<void> {
    this.generation++;
    this.held = true;
    return this.enqueue(async () => {
      for (const a of this.specs) {
        try {
          const changed = await this.am.add(a);
          if (changed) this.installed.set(key(a), a);
          this.bus.emit('vrrp.vip', { instance: this.instance, op: 'add', ifname: a.ifname, address: a.address, prefix: a.prefix, changed });
        } catch (e) {
          this.fail('add', a, e);
        }
      }
    });
  }

  /** Remove what add() installed (leaving master, stopping). */
  remove(): Promise<void> {
    this.generation++;
    this.held = false;
    return this.enqueue(async () => {
      for (const [k, a] of [...this.installed]) {
        try {
          const changed = await this.am.remove(a);
          this.installed.delete(k);
          this.bus.emit('vrrp.vip', { instance: this.instance, op: 'remove', ifname: a.ifname, address: a.address, prefix: a.prefix, changed });
        } catch (e) {
          this.fail('remove', a, e);
        }
      }
    });
  }

  /**
   * keepalived at startup (vrrp_restore_interface with force): a VIP of this instance found on the
   * interface was left by an earlier run that did not stop cleanly; a backup must not hold it.
   */
  removeStale(): Promise<void> {
    return this.enqueue(async () => {
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

  /** Takes over what another controller of the same instance installed (a reload keeps the VIPs). */
  adopt(installed: readonly AddressSpec[], held: boolean): void {
    for (const a of installed) this.installed.set(key(a), a);
    this.held = held;
  }

  installedSpecs(): AddressSpec[] {
    return [...this.installed.values()];
  }
}
