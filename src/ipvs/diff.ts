// Pure policy: the fewest IPVS operations that turn the kernel's table into the desired one,
// touching only the services lvsd owns.
import { canonicalAddress } from './addr.js';
import type { IpvsOp } from './ops.js';
import {
  configFlags,
  destKeyId,
  type DestKey,
  serviceKeyId,
  type Destination,
  type Service,
  type ServiceKey,
  type VirtualServer,
} from './types.js';

/** A table as the diff reads it: a dump (with counters) or a model, keyed by service id. */
export type Table = ReadonlyMap<string, { service: Service; dests: ReadonlyMap<DestKey, Destination> }>;

export function tableOf(servers: Iterable<{ service: Service; dests: Iterable<Destination> }>): Map<string, { service: Service; dests: Map<DestKey, Destination> }> {
  const t = new Map<string, { service: Service; dests: Map<DestKey, Destination> }>();
  for (const s of servers) {
    const dests = new Map<DestKey, Destination>();
    for (const d of s.dests) dests.set(destKeyId(d), d);
    t.set(serviceKeyId(s.service.key), { service: s.service, dests });
  }
  return t;
}

/**
 * Canonical addresses and configuration-only fields, so equal intent compares equal. Objects that
 * are already canonical are kept, not copied (the reconciler treats desired tables as immutable).
 */
export function normalizeServer(vs: VirtualServer): VirtualServer {
  const s = vs.service;
  const k = s.key;
  let key: ServiceKey = k;
  if (k.kind === 'fwmark') {
    if (k.fwmark >>> 0 !== k.fwmark) key = { kind: 'fwmark', family: k.family, fwmark: k.fwmark >>> 0 };
  } else {
    const address = canonicalAddress(k.family, k.address);
    if (address !== k.address) key = { kind: 'addr', family: k.family, protocol: k.protocol, address, port: k.port };
  }
  const service: Service =
    key === k && configFlags(s.flags) === s.flags && s.netmask >>> 0 === s.netmask
      ? s
      : { key, scheduler: s.scheduler, flags: configFlags(s.flags), timeout: s.timeout, netmask: s.netmask >>> 0, pe: s.pe };
  let canonical = true;
  for (const d of vs.dests) if (canonicalAddress(d.family, d.address) !== d.address) canonical = false;
  if (canonical && !hasDuplicates(vs.dests)) return service === s ? vs : { service, dests: vs.dests };
  const seen = new Map<DestKey, Destination>();
  for (const d of vs.dests) {
    const dest: Destination = { ...d, address: canonicalAddress(d.family, d.address) };
    seen.set(destKeyId(dest), dest); // the last of duplicates wins
  }
  return { service, dests: [...seen.values()] };
}

function hasDuplicates(ds: readonly Destination[]): boolean {
  // Pairwise up to 32 destinations (496 comparisons, no allocation); a set of ids beyond.
  if (ds.length > 32) return new Set(ds.map(destKeyId)).size !== ds.length;
  for (let i = 0; i < ds.length; i++) {
    const a = ds[i] as Destination;
    for (let j = i + 1; j < ds.length; j++) {
      const b = ds[j] as Destination;
      if (a.port === b.port && a.address === b.address && a.family === b.family) return true;
    }
  }
  return false;
}

export function sameService(a: Service, b: Service): boolean {
  return (
    a.scheduler === b.scheduler &&
    configFlags(a.flags) === configFlags(b.flags) &&
    a.timeout === b.timeout &&
    a.netmask >>> 0 === b.netmask >>> 0 &&
    a.pe === b.pe
  );
}

export function sameDest(a: Destination, b: Destination): boolean {
  return (
    a.forwarding === b.forwarding &&
    a.weight === b.weight &&
    a.upperThreshold === b.upperThreshold &&
    a.lowerThreshold === b.lowerThreshold &&
    a.tunnelType === b.tunnelType &&
    a.tunnelPort === b.tunnelPort &&
    a.tunnelFlags === b.tunnelFlags
  );
}

export interface DiffOptions {
  /** lvs_flush: entries made by others are removed too. */
  flush?: boolean;
  /** Only these service ids changed (the rest is known to match): look at nothing else. */
  only?: ReadonlySet<string>;
}

/** Same key and configuration, field by field (no allocation): used to skip unchanged services. */
export function sameServer(a: VirtualServer, b: VirtualServer): boolean {
  const ka = a.service.key;
  const kb = b.service.key;
  if (ka.family !== kb.family || ka.kind !== kb.kind) return false;
  if (ka.kind === 'fwmark') {
    if (ka.fwmark !== (kb as typeof ka).fwmark) return false;
  } else {
    const k2 = kb as typeof ka;
    if (ka.protocol !== k2.protocol || ka.address !== k2.address || ka.port !== k2.port) return false;
  }
  if (!sameService(a.service, b.service) || a.dests.length !== b.dests.length) return false;
  for (let i = 0; i < a.dests.length; i++) {
    const x = a.dests[i] as Destination;
    const y = b.dests[i] as Destination;
    if (x.family !== y.family || x.address !== y.address || x.port !== y.port || !sameDest(x, y)) return false;
  }
  return true;
}

/**
 * Operations in this order: removed services (last added first), changed services, new services (each followed by
 * its destinations), then per kept service: destination edits, additions, removals. An
 * unchanged entry yields nothing; a changed weight is one edit. Services lvsd does not own
 * (not desired, not in `owned`) are left alone unless `flush`.
 */
export function diff(desired: Table, actual: Table, owned: ReadonlySet<string>, opts: DiffOptions = {}): IpvsOp[] {
  const delServices: IpvsOp[] = [];
  const editServices: IpvsOp[] = [];
  const addServices: IpvsOp[] = [];
  const destOps: IpvsOp[] = [];
  const only = opts.only;
  const actualIds = only ? [...only].filter((id) => actual.has(id)) : actual.keys();
  for (const id of actualIds) {
    const a = actual.get(id) as { service: Service };
    if (desired.has(id)) continue;
    if (opts.flush || owned.has(id)) delServices.push({ op: 'del-service', key: a.service.key });
  }
  const desiredIds = only ? [...only].filter((id) => desired.has(id)) : desired.keys();
  for (const id of desiredIds) {
    const d = desired.get(id) as { service: Service; dests: ReadonlyMap<DestKey, Destination> };
    const a = actual.get(id);
    if (!a) {
      addServices.push({ op: 'add-service', service: d.service });
      for (const dest of d.dests.values()) addServices.push({ op: 'add-dest', key: d.service.key, dest });
      continue;
    }
    if (!sameService(d.service, a.service)) editServices.push({ op: 'edit-service', service: d.service });
    let adds: IpvsOp[] | undefined;
    let dels: IpvsOp[] | undefined;
    // forEach: no entry arrays, which matters at 100,000 destinations
    d.dests.forEach((dest, did) => {
      const cur = a.dests.get(did);
      if (!cur) (adds ??= []).push({ op: 'add-dest', key: d.service.key, dest });
      else if (!sameDest(dest, cur)) destOps.push({ op: 'edit-dest', key: d.service.key, dest });
    });
    a.dests.forEach((cur, did) => {
      if (!d.dests.has(did)) (dels ??= []).push({ op: 'del-dest', key: d.service.key, dest: cur });
    });
    if (adds) destOps.push(...adds);
    if (dels) destOps.push(...dels);
  }
  // Removed services last added first (a withdrawal, a graceful stop). The kernel keeps removed
  // destinations in a per-namespace trash list for a while and searches it linearly on every
  // destination it adds; removed in reverse, the same services added again soon after (in
  // configuration order) find theirs at the head of the list instead of past every other one (at
  // 10,000 x 10, a restart right after a stop took minutes instead of seconds).
  delServices.reverse();
  return [...delServices, ...editServices, ...addServices, ...destOps];
}

/**
 * What the previous call of one run of applyToTable found: a service's destination operations come
 * one after another with the same key object, so its entry is looked up (and its id built) once.
 * Valid only while nothing else changes the table.
 */
export interface ApplyHint {
  key?: ServiceKey;
  entry?: { service: Service; dests: Map<DestKey, Destination> } | undefined;
}

/** What `op` does to a table once the kernel accepted it (keeps a known copy current without a dump). */
export function applyToTable(t: Map<string, { service: Service; dests: Map<DestKey, Destination> }>, o: IpvsOp, hint: ApplyHint = {}): void {
  if (o.op === 'add-dest' || o.op === 'edit-dest' || o.op === 'del-dest') {
    if (hint.key !== o.key) {
      hint.key = o.key;
      hint.entry = t.get(serviceKeyId(o.key));
    }
    const e = hint.entry;
    if (!e) return;
    if (o.op === 'del-dest') e.dests.delete(destKeyId(o.dest));
    else e.dests.set(destKeyId(o.dest), o.dest);
    return;
  }
  hint.key = hint.entry = undefined;
  switch (o.op) {
    case 'add-service':
      t.set(serviceKeyId(o.service.key), { service: o.service, dests: new Map() });
      return;
    case 'edit-service': {
      const e = t.get(serviceKeyId(o.service.key));
      if (e) e.service = o.service;
      return;
    }
    case 'del-service':
      t.delete(serviceKeyId(o.key));
      return;
    case 'flush':
      t.clear();
      return;
  }
}
