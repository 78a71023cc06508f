// Observability: LVS and daemon events -> log lines (stable `event` names, keepalived's wording where
// keepalived logs the same thing). Probes are not logged one by one (metrics count them).
import type { LogSink } from './log.js';
import type { LvsBus, LvsEvents } from './lvs.js';

type Level = 'debug' | 'info' | 'warn' | 'error';

function line<K extends keyof LvsEvents>(name: K, p: LvsEvents[K]): [Level, string] | undefined {
  switch (name) {
    case 'check.state': {
      const e = p as LvsEvents['check.state'];
      return ['info', `${e.target} ${e.state === 'up' ? 'succeeded' : e.state === 'down' ? 'failed' : 'failed (starting down)'}: ${e.detail}`];
    }
    case 'check.probe':
      return undefined;
    case 'lvs.rs': {
      const e = p as LvsEvents['lvs.rs'];
      return ['info', `${e.rs} of VS ${e.vs} is ${e.alive ? 'up' : 'down'}`];
    }
    case 'lvs.quorum': {
      const e = p as LvsEvents['lvs.quorum'];
      return [e.up ? 'info' : 'warn', `VS ${e.vs} ${e.up ? 'gained' : 'lost'} quorum`];
    }
    case 'lvs.reconcile': {
      const e = p as LvsEvents['lvs.reconcile'];
      if (e.ops === 0 && e.failed === 0) return ['debug', `IPVS: nothing to change (${e.reason})`];
      return [e.failed ? 'warn' : 'info', `IPVS: ${e.ops} operation(s) for ${e.reason}${e.failed ? `, ${e.failed} refused` : ''} in ${e.ms.toFixed(1)} ms`];
    }
    case 'lvs.drift': {
      const e = p as LvsEvents['lvs.drift'];
      return ['warn', `IPVS table changed by someone else; repaired ${e.repaired.length} entries`];
    }
    case 'lvs.error': {
      const e = p as LvsEvents['lvs.error'];
      return ['error', `IPVS: ${e.message}`];
    }
    case 'lvs.ownership': {
      const e = p as LvsEvents['lvs.ownership'];
      return ['info', `${e.programmed ? 'programming' : 'withdrawing'} the ${e.services} virtual service(s) of ${e.address}`];
    }
    case 'lvs.syncd': {
      const e = p as LvsEvents['lvs.syncd'];
      return [e.error ? 'error' : 'info', `IPVS sync daemon on ${e.interface}: ${e.state}${e.error ? ` (${e.error})` : ''}`];
    }
    case 'daemon.reload': {
      const e = p as LvsEvents['daemon.reload'];
      return [e.ok ? 'info' : 'error', e.message];
    }
    default:
      return ['info', String(name)];
  }
}

/** Log the LVS and daemon events on `bus` through `log`. Returns the unsubscribe function. */
export function logLvsEvents(bus: LvsBus, log: LogSink): () => void {
  return bus.onAny((payload, name) => {
    const l = line(name as keyof LvsEvents, payload as never);
    if (!l) return;
    log[l[0]]({ event: name, ...(payload as object) }, l[1]);
  });
}
