// Pure policy: what a reload keeps. A VRRP instance is kept (its state, timers, VIPs and counters
// carried into the new configuration, no transition, no extra advert or GARP) when everything that
// shapes its behaviour is identical: its own settings, the scripts and files it tracks, and its
// sync group with every member of it. Anything else is restarted: the old one stops as at
// SIGTERM, the new one starts from INIT. The IPVS side needs no such list: the new desired table
// goes to the same reconciler, which changes only the entries that differ.
import type { RuntimeConfig } from '../vrrp/from-config.js';

export interface VrrpReloadPlan {
  /** Instances carried over unchanged. */
  keep: Set<string>;
  /** Instances of the old configuration that stop (removed or changed). */
  stop: string[];
  /** Instances of the new configuration that start from INIT (added or changed). */
  start: string[];
}

/** Deterministic JSON (keys sorted) so a reordered object is not a change. */
function canon(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x));
}

/** Each instance's fingerprint: its settings plus the scripts and files it tracks. */
function ownPrints(c: RuntimeConfig): Map<string, string> {
  const scripts = new Map(c.scripts.map((s) => [s.name, s]));
  const files = new Map(c.trackFiles.map((f) => [f.name, f]));
  const out = new Map<string, string>();
  for (const rc of c.instances) {
    out.set(
      rc.core.name,
      canon({
        rc,
        scripts: rc.trackScripts.map((t) => scripts.get(t.name) ?? null),
        files: rc.trackFiles.map((t) => files.get(t.name) ?? null),
        startupDelayMs: c.startupDelayMs,
      }),
    );
  }
  return out;
}

/** Fingerprints with the sync group folded in: a member changes when its group or any member does. */
export function instancePrints(c: RuntimeConfig): Map<string, string> {
  const own = ownPrints(c);
  const out = new Map(own);
  for (const g of c.syncGroups) {
    const p = canon({ group: g, members: g.members.map((m) => own.get(m) ?? null) });
    for (const m of g.members) out.set(m, p);
  }
  return out;
}

export function planVrrpReload(old: RuntimeConfig, next: RuntimeConfig): VrrpReloadPlan {
  const a = instancePrints(old);
  const b = instancePrints(next);
  const keep = new Set<string>();
  for (const [name, p] of b) if (a.get(name) === p) keep.add(name);
  return {
    keep,
    stop: [...a.keys()].filter((n) => !keep.has(n)),
    start: [...b.keys()].filter((n) => !keep.has(n)),
  };
}
