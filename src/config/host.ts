// Config layer (edge): host checks of a loaded configuration against this machine.
import { Diagnostics, type Diagnostic } from './diagnostics.js';
import { hostChecks, type HostInfo } from './host-checks.js';
import { nodeHostInfo } from './host-info.js';
import type { ParsedConfig } from './keepalived/parse.js';

export function runHostChecks(cfg: ParsedConfig, host: HostInfo = nodeHostInfo()): Diagnostic[] {
  const diags = new Diagnostics();
  hostChecks(cfg.model, cfg.locs, host, diags);
  return diags.list;
}
