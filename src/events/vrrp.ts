// Pure definitions: the VRRP runtime's events (state changes, counters, drops, scripts) that logs and
// metrics subscribe to. Names are stable: they are the `event` field of lvsd's JSON log lines.
import type { CounterName } from '../vrrp/counters.js';
import type { NotifyState, TransitionReason } from '../vrrp/state.js';
import type { VrrpStateName } from '../vrrp/types.js';
import { EventBus } from './bus.js';

export interface VrrpEvents {
  /** The node opened its sockets and started its instances. */
  'vrrp.started': { instances: string[]; interfaces: string[] };
  /** Graceful stop finished: adverts with priority 0 sent, VIPs removed, notify_stop run. */
  'vrrp.stopped': { instances: string[]; durationMs: number };
  'vrrp.transition': {
    instance: string;
    vrid: number;
    from: VrrpStateName;
    to: VrrpStateName;
    reason: TransitionReason;
    priority: number;
    /** The master we last heard (for a move to BACKUP). */
    master: string | null;
  };
  /** One counter of one instance moved (keepalived's counter names). */
  'vrrp.counter': { instance: string; counter: CounterName; value: number };
  /** A received packet was dropped; `counter` is what it bumped (null: keepalived counts nothing). */
  'vrrp.drop': {
    instance: string | null;
    ifname: string;
    src: string;
    reason: string;
    counter: CounterName | null;
    message: string;
  };
  'vrrp.priority': { instance: string; from: number; to: number };
  /** Split brain: another router advertises for our VRID while we are master (scenario 5). */
  'vrrp.conflict': { instance: string; vrid: number; peer: string; peerPriority: number; ourPriority: number };
  /** VIP installed or removed; `changed` false: it was already there / already gone. */
  'vrrp.vip': { instance: string; op: 'add' | 'remove'; ifname: string; address: string; prefix: number; changed: boolean };
  /** A virtual_route or virtual_rule installed or removed; `changed` false: it was already there (an operator's, left in place). */
  'vrrp.route': { instance: string; op: 'add' | 'remove'; kind: 'route' | 'rule'; what: string; changed: boolean };
  /** A VMAC (macvlan) or ipvlan interface created, adopted on reload, removed at stop, or a stale one removed at start. */
  'vrrp.vlink': { instance: string; op: 'create' | 'adopt' | 'remove' | 'remove-stale'; ifname: string; base: string; kind: 'macvlan' | 'ipvlan' };
  /** An instance's VIPs entered (add) or left (remove) the nftables drop sets (RFC 5798 §6.4.3 Accept_Mode False). */
  'vrrp.firewall': { instance: string; op: 'add' | 'remove'; addresses: string[] };
  /** The nftables table was created (start) or deleted (stop). */
  'vrrp.firewall_table': { table: string; op: 'create' | 'delete' };
  /** GARP / unsolicited NA sent for a VIP. */
  'vrrp.announce': { instance: string; ifname: string; address: string; reason: string };
  /** A notify script ran (or failed to). */
  'vrrp.notify': {
    target: 'INSTANCE' | 'GROUP';
    name: string;
    state: NotifyState;
    argv: string[];
    exitCode: number | null;
    signal: string | null;
    timedOut: boolean;
    durationMs: number;
    error?: string;
  };
  /** A tracked script settled up or down (rise/fall), or ran past its timeout. */
  'vrrp.script': {
    script: string;
    status: 'up' | 'down';
    exitCode: number | null;
    timedOut: boolean;
    durationMs: number;
    output?: string;
  };
  /** A tracked interface or file changed. */
  'vrrp.track': { instance: string; priority: number; fault: boolean; faultBy: string[] };
  'vrrp.group': { group: string; state: NotifyState | VrrpStateName };
  /** A runtime failure that does not stop the node (netlink refused a VIP, a send failed...). */
  'vrrp.error': { instance: string | null; code: string; message: string };
}

export type VrrpEventName = keyof VrrpEvents;
export type VrrpBus = EventBus<VrrpEvents>;

export function vrrpBus(): VrrpBus {
  return new EventBus<VrrpEvents>();
}
