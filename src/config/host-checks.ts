// Config layer (pure over an injected HostInfo): checks of a configuration against the machine it
// will run on, with keepalived's verdicts: a missing interface is an error (keepalived -t: "Non-
// existent interface specified in configuration", exit status 5; keepalived refuses to start),
// a missing vrrp_script program a warning (keepalived disables the script).
import type { Diagnostics } from './diagnostics.js';
import type { ConfigModel } from './model/index.js';
import type { LocationTable, SourceLoc } from './source.js';
import { cidrText } from './keepalived/vrrp-ip.js';

export interface HostInfo {
  /** Names of the network interfaces that exist now. */
  interfaces: ReadonlySet<string>;
  /** Whether the path names an executable file. */
  fileExecutable(path: string): boolean;
}

/** keepalived's DFLT_INT: the interface of static addresses without dev or default_interface. */
const DEFAULT_INTERFACE = 'eth0';

/** The program of a command line: its first word (single quotes group words, as keepalived splits). */
export function programOf(command: string): string {
  const m = /^\s*(?:'([^']*)'|(\S+))/.exec(command);
  return m ? (m[1] ?? m[2] ?? '') : '';
}

export function hostChecks(model: ConfigModel, locs: LocationTable, host: HostInfo, diags: Diagnostics): void {
  const g = model.global_defs;
  // With dynamic_interfaces keepalived waits for interfaces to appear: a note, not a problem.
  const dynamic = g?.dynamic_interfaces !== undefined;
  const iface = (name: string | undefined, what: string, loc: SourceLoc | undefined): void => {
    if (name === undefined || host.interfaces.has(name)) return;
    if (dynamic) diags.info('interface-missing', `interface ${name} ${what} does not exist yet (dynamic_interfaces: waiting for it)`, loc);
    else diags.error('interface-missing', `interface ${name} ${what} doesn't exist`, loc);
  };
  const at = (o: object | undefined, f = ''): SourceLoc | undefined => (o ? locs.get(o, f) : undefined);

  for (const v of model.vrrp_instances) {
    iface(v.interface, `for vrrp_instance ${v.name}`, at(v, 'interface'));
    iface(v.vrf, `(vrf) for vrrp_instance ${v.name}`, at(v, 'vrf'));
    for (const t of v.track_interface ?? []) iface(t.name, `tracked by vrrp_instance ${v.name}`, at(t, 'name') ?? at(v, 'track_interface'));
    for (const a of [...(v.virtual_ipaddress ?? []), ...(v.virtual_ipaddress_excluded ?? [])]) {
      iface(a.dev, `for ip address ${cidrText(a)} of vrrp_instance ${v.name}`, at(a, 'dev') ?? at(a));
    }
    for (const r of v.virtual_routes ?? []) {
      iface(r.dev, `for route ${cidrText(r.to)} of vrrp_instance ${v.name}`, at(r, 'dev') ?? at(r));
      for (const h of r.nexthops ?? []) iface(h.dev, `for a nexthop of route ${cidrText(r.to)}`, at(r, 'nexthops') ?? at(r));
    }
    for (const r of v.virtual_rules ?? []) {
      iface(r.iif, `for a rule of vrrp_instance ${v.name}`, at(r, 'iif') ?? at(r));
      iface(r.oif, `for a rule of vrrp_instance ${v.name}`, at(r, 'oif') ?? at(r));
    }
  }
  for (const sg of model.vrrp_sync_groups) {
    for (const t of sg.track_interface ?? []) iface(t.name, `tracked by sync group ${sg.name}`, at(t, 'name') ?? at(sg, 'track_interface'));
  }
  const st = model.static;
  if (st) {
    const dflt = g?.default_interface ?? DEFAULT_INTERFACE;
    for (const a of st.static_ipaddress ?? []) {
      iface(a.dev ?? dflt, `for static address ${cidrText(a)}${a.dev ? '' : ' (the default interface)'}`, at(a, 'dev') ?? at(a));
    }
    for (const r of st.static_routes ?? []) {
      iface(r.dev, `for static route ${cidrText(r.to)}`, at(r, 'dev') ?? at(r));
      for (const h of r.nexthops ?? []) iface(h.dev, `for a nexthop of static route ${cidrText(r.to)}`, at(r, 'nexthops') ?? at(r));
    }
    for (const r of st.static_rules ?? []) {
      iface(r.iif, 'for a static rule', at(r, 'iif') ?? at(r));
      iface(r.oif, 'for a static rule', at(r, 'oif') ?? at(r));
    }
  }
  if (g?.lvs_sync_daemon) iface(g.lvs_sync_daemon.interface, 'for lvs_sync_daemon', at(g, 'lvs_sync_daemon'));

  // keepalived: "Disabling track script NAME since not found/accessible".
  const used = new Set<string>();
  for (const v of model.vrrp_instances) for (const t of v.track_script ?? []) used.add(t.name);
  for (const sg of model.vrrp_sync_groups) for (const t of sg.track_script ?? []) used.add(t.name);
  for (const s of model.vrrp_scripts) {
    if (!s.script) continue;
    const prog = programOf(s.script);
    if (!prog.startsWith('/') || host.fileExecutable(prog)) continue;
    const note = used.has(s.name) ? '' : ' (no instance tracks it)';
    diags.warn('script-missing', `disabling track script ${s.name} since ${prog} is not found or not executable${note}`, at(s, 'script') ?? at(s, 'name'));
  }
}
