// Config layer (pure): keepalived.conf writer for global_defs.
import type { ConfigModel } from '../model/index.js';
import type { ConfWriter } from './emit-util.js';

export function emitGlobal(m: ConfigModel, w: ConfWriter): void {
  const g = m.global_defs;
  if (!g) return;
  w.block('global_defs', [], () => {
    if (g.router_id !== undefined) w.line('router_id', g.router_id);
  });
  w.blank();
}
