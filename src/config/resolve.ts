// Config layer (pure): the whole model resolved: defaults, inheritance and keepalived's fix-ups
// applied. This is what the engines run and what `lvsd dump-config` prints.
import type { ConfigModel } from './model/index.js';
import { resolveLvs, type ResolvedLvs } from './resolve-lvs.js';
import { resolveVrrp, type ResolvedVrrp } from './resolve-vrrp.js';

export interface ResolvedConfig {
  vrrp: ResolvedVrrp;
  lvs: ResolvedLvs;
}

export function resolveConfig(m: ConfigModel): ResolvedConfig {
  return { vrrp: resolveVrrp(m), lvs: resolveLvs(m) };
}
