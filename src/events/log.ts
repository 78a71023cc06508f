// Observability: VRRP events -> log lines. Each line carries `event` (the stable event name) and the
// event's fields; the level says how loud. Drops are rate-limited per (instance, reason) so a flood of bad
// packets cannot flood the log. Takes any pino-like logger; nothing here reads configuration, so secrets
// (auth_pass) never reach a log line.
import type { VrrpBus, VrrpEvents } from './vrrp.js';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/** The part of a pino logger this module uses. */
export interface LogSink {
  trace(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** A repeated drop is logged at most once per this many ms (with the count of the ones not logged). */
export const DROP_LOG_INTERVAL_MS = 60_000;

type Line = [LogLevel, string];

function line<K extends keyof VrrpEvents>(name: K, p: VrrpEvents[K]): Line {
  switch (name) {
    case 'vrrp.started': {
      const e = p as VrrpEvents['vrrp.started'];
      return ['info', `VRRP started: ${e.instances.length} instance(s) on ${e.interfaces.join(', ')}`];
    }
    case 'vrrp.stopped':
      return ['info', 'VRRP stopped'];
    case 'vrrp.transition': {
      const e = p as VrrpEvents['vrrp.transition'];
      return ['info', `(${e.instance}) ${e.from} -> ${e.to} (${e.reason})`];
    }
    case 'vrrp.conflict': {
      const e = p as VrrpEvents['vrrp.conflict'];
      return ['error', `(${e.instance}) SPLIT BRAIN: ${e.peer} also advertises VRID ${e.vrid} as master (priority ${e.peerPriority}, ours ${e.ourPriority})`];
    }
    case 'vrrp.priority': {
      const e = p as VrrpEvents['vrrp.priority'];
      return ['info', `(${e.instance}) priority ${e.from} -> ${e.to}`];
    }
    case 'vrrp.vip': {
      const e = p as VrrpEvents['vrrp.vip'];
      return ['info', `(${e.instance}) ${e.op === 'add' ? 'added' : 'removed'} ${e.address}/${e.prefix} on ${e.ifname}${e.changed ? '' : e.op === 'add' ? ' (already present: left in place on release)' : ' (was not present)'}`];
    }
    case 'vrrp.route': {
      const e = p as VrrpEvents['vrrp.route'];
      return ['info', `(${e.instance}) ${e.op === 'add' ? 'added' : 'removed'} ${e.what}${e.changed ? '' : e.op === 'add' ? ' (already present: left in place on release)' : ' (was not present)'}`];
    }
    case 'vrrp.vlink': {
      const e = p as VrrpEvents['vrrp.vlink'];
      const what = e.kind === 'macvlan' ? 'VMAC' : 'ipvlan';
      const verb = { create: 'created', adopt: 'kept', remove: 'removed', 'remove-stale': 'removed the stale' }[e.op];
      return ['info', `(${e.instance}) ${verb} ${what} interface ${e.ifname} on ${e.base}`];
    }
    case 'vrrp.firewall': {
      const e = p as VrrpEvents['vrrp.firewall'];
      return ['info', `(${e.instance}) ${e.op === 'add' ? 'dropping' : 'no longer dropping'} traffic to ${e.addresses.join(', ')} (no accept mode)`];
    }
    case 'vrrp.firewall_table': {
      const e = p as VrrpEvents['vrrp.firewall_table'];
      return ['info', `nftables table inet ${e.table} ${e.op === 'create' ? 'created' : 'deleted'}`];
    }
    case 'vrrp.announce':
      return ['debug', 'announce'];
    case 'vrrp.counter':
      return ['trace', 'counter'];
    case 'vrrp.drop': {
      const e = p as VrrpEvents['vrrp.drop'];
      return ['warn', `${e.instance ? `(${e.instance}) ` : ''}dropped advert from ${e.src} on ${e.ifname}: ${e.message}`];
    }
    case 'vrrp.notify': {
      const e = p as VrrpEvents['vrrp.notify'];
      const ok = e.exitCode === 0 && !e.timedOut && !e.error;
      return [ok ? 'info' : 'warn', `notify ${e.target} ${e.name} ${e.state}: ${e.error ?? (e.timedOut ? 'timed out' : `exit ${e.exitCode ?? e.signal}`)}`];
    }
    case 'vrrp.script': {
      const e = p as VrrpEvents['vrrp.script'];
      return [e.status === 'up' && !e.timedOut ? 'info' : 'warn', `script ${e.script} ${e.timedOut ? 'timed out, ' : ''}${e.status}`];
    }
    case 'vrrp.track': {
      const e = p as VrrpEvents['vrrp.track'];
      return ['info', `(${e.instance}) tracking: priority ${e.priority}${e.fault ? `, FAULT by ${e.faultBy.join(', ')}` : ''}`];
    }
    case 'vrrp.group': {
      const e = p as VrrpEvents['vrrp.group'];
      return ['info', `sync group ${e.group} -> ${e.state}`];
    }
    case 'vrrp.error': {
      const e = p as VrrpEvents['vrrp.error'];
      return ['error', `${e.instance ? `(${e.instance}) ` : ''}${e.message}`];
    }
    default:
      return ['info', String(name)];
  }
}

/** Log every VRRP event on `bus` through `log`. Returns the unsubscribe function. */
export function logVrrpEvents(bus: VrrpBus, log: LogSink, now: () => number = () => performance.now()): () => void {
  const lastDrop = new Map<string, { at: number; suppressed: number }>();
  return bus.onAny((payload, name) => {
    const [level, msg] = line(name as keyof VrrpEvents, payload as never);
    const fields: Record<string, unknown> = { event: name, ...(payload as object) };
    if (name === 'vrrp.drop') {
      const d = payload as VrrpEvents['vrrp.drop'];
      const k = `${d.instance}|${d.reason}|${d.src}`;
      const seen = lastDrop.get(k);
      const t = now();
      if (seen && t - seen.at < DROP_LOG_INTERVAL_MS) {
        seen.suppressed++;
        return;
      }
      if (seen?.suppressed) fields.suppressed = seen.suppressed;
      lastDrop.set(k, { at: t, suppressed: 0 });
    }
    log[level === 'fatal' ? 'error' : level](fields, msg);
  });
}
