// Composition (pure apart from reading the host's users): turns a loaded configuration into the
// parts the daemon runs: the VRRP runtime configuration, the resolved virtual servers with their
// checker context, the sync daemon, and how IPVS follows VRRP. A reload builds a new Parts and
// compares it with the running one.
import type { ConfigModel } from '../config/model/index.js';
import { resolveLvs, type ResolvedLvs, type ResolvedVirtualServer } from '../config/resolve-lvs.js';
import { resolveVrrp } from '../config/resolve-vrrp.js';
import type { ResolvedVrrp } from '../config/resolve-vrrp-types.js';
import type { FactoryContext, TrackFileInfo } from '../check/factory.js';
import { resolveIds } from '../exec/users.js';
import type { IpvsProgram } from './ownership.js';
import type { SyncdConfig } from './syncd.js';

export type DaemonMode = 'full' | 'vrrp-only' | 'check-only';

export interface ScriptUser {
  user: string;
  group?: string;
}

export interface Parts {
  model: ConfigModel;
  vrrp: ResolvedVrrp | undefined;
  /** The resolved LVS half (undefined in vrrp-only mode); `virtualServers` are its virtual servers. */
  lvs: ResolvedLvs | undefined;
  virtualServers: ResolvedVirtualServer[];
  checkContext: FactoryContext;
  scriptUser: ScriptUser | undefined;
  syncd: SyncdConfig | undefined;
  program: IpvsProgram;
  /** Every VIP the instances install (for lvsd_ipvs_program follow_vrrp). */
  vips: string[];
}

function defaultScriptUser(): ScriptUser | undefined {
  try {
    resolveIds('keepalived_script');
    return { user: 'keepalived_script' };
  } catch {
    return undefined; // keepalived: root when keepalived_script does not exist
  }
}

/** `resolved`: the LVS half the load already resolved from this same model (loadToRun keeps it). */
export function buildParts(model: ConfigModel, mode: DaemonMode, programOverride?: IpvsProgram, resolved?: ResolvedLvs): Parts {
  const g = model.global_defs;
  const vrrp = mode === 'check-only' ? undefined : resolveVrrp(model);
  const lvs = mode === 'vrrp-only' ? undefined : (resolved ?? resolveLvs(model));
  const trackFiles = new Map<string, TrackFileInfo>();
  for (const t of model.vrrp_track_files) if (t.file) trackFiles.set(t.name, { file: t.file, weight: t.weight ?? 1, reverse: t.reverse === true });
  const su: ScriptUser | undefined = g?.script_user ? { user: g.script_user.user, ...(g.script_user.group ? { group: g.script_user.group } : {}) } : defaultScriptUser();
  const sd = vrrp?.lvs_sync_daemon ?? (mode === 'check-only' ? resolveVrrp(model).lvs_sync_daemon : undefined);
  // Without VRRP in this process nothing can follow it: every service is programmed (keepalived -C).
  const program: IpvsProgram = mode !== 'full' ? 'always' : (programOverride ?? g?.lvsd_ipvs_program ?? 'follow_vrrp');
  return {
    model,
    vrrp,
    lvs,
    virtualServers: lvs?.virtual_servers ?? [],
    checkContext: { ...(lvs?.ssl ? { ssl: lvs.ssl } : {}), ...(su ? { scriptUser: su } : {}), trackFiles },
    scriptUser: su,
    syncd: sd && mode !== 'vrrp-only' ? { interface: sd.interface, ...(sd.instance !== undefined && mode === 'full' ? { instance: sd.instance } : {}), syncId: sd.id, ...(sd.maxlen !== undefined ? { maxlen: sd.maxlen } : {}), port: sd.port, ...(sd.ttl !== undefined ? { ttl: sd.ttl } : {}), group: sd.group } : undefined,
    program,
    vips: (vrrp?.instances ?? []).flatMap((i) => [...i.vips, ...i.excluded_vips].map((v) => v.address)),
  };
}
