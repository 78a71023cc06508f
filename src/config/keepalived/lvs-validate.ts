// Config layer (pure): cross-section checks of the LVS model after the whole file was read:
// duplicate names and services, group shapes and ranges, then keepalived's own fix-ups (reported
// by the resolver, which applies them) with file:line:col.
import type { ConfigModel } from '../model/index.js';
import type { VirtualServer } from '../model/lvs.js';
import { groupProblem, lvsFindings, rangeProblem, resolveLvs, serviceKey, vsId, type ResolvedLvs } from '../resolve-lvs.js';
import type { ParseContext } from './context.js';

/**
 * With `keep`, the resolved LVS half that made the findings is returned, for a caller that runs the
 * configuration (it would otherwise resolve the same 100,000 real servers a second time); without
 * it (check-config) the findings are made without holding a resolved copy.
 */
export function validateLvs(m: ConfigModel, ctx: ParseContext, keep = false): ResolvedLvs | undefined {
  const d = ctx.diags;
  const at = (obj: object, field = '') => ctx.locs.get(obj, field);

  // virtual_server_group: unique names, usable shape, ordered ranges.
  const groupNames = new Map<string, object>();
  for (const g of m.virtual_server_groups) {
    const first = groupNames.get(g.name);
    if (first) {
      d.error('duplicate-name', `virtual_server_group ${g.name} is already defined (line ${at(first)?.line ?? '?'}); this one is ignored`, at(g));
      continue;
    }
    groupNames.set(g.name, g);
    const problem = groupProblem(g);
    if (problem) d.error('unusable-group', `virtual_server_group ${g.name} ${problem}; keepalived removes it`, at(g));
    for (const a of g.addresses) {
      const bad = rangeProblem(a);
      if (bad) d.error('group-range', `virtual_server_group ${g.name}: range ${a.address}-${a.last} ${bad}; it is ignored`, at(a));
    }
  }
  // virtual_server: no two program the same service.
  const services = new Map<string, VirtualServer>();
  for (const vs of m.virtual_servers) {
    const key = serviceKey(vs);
    const first = services.get(key);
    if (first) {
      d.error('duplicate-virtual-server', `virtual_server ${vsId(vs)} is defined twice (first at line ${at(first)?.line ?? '?'}); the IPVS service can only be programmed once`, at(vs));
    } else services.set(key, vs);
  }

  // keepalived's fix-ups and refusals, applied by resolveLvs.
  const resolved = keep ? resolveLvs(m) : undefined;
  for (const f of resolved?.findings ?? lvsFindings(m)) {
    const loc = at(f.obj, f.field);
    if (f.severity === 'error') d.error(f.code, f.message, loc);
    else d.warn(f.code, f.message, loc);
  }
  return resolved;
}
