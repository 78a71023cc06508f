// Composition: what lvsd cannot run among the resolved checkers, for `lvsd check-config` to report
// (BFD_CHECK, fwmark, bind_if on IPv4, PCRE options JavaScript lacks, PING_CHECK without the
// probes addon). Builds each checker without running it; nothing is opened or probed.
import type { ResolvedLvs } from '../config/resolve-lvs.js';
import { buildChecker, type FactoryContext } from './factory.js';
import { probesAddon, probesAddonPath } from './native.js';
import { CheckError } from './types.js';

export interface CheckerProblem {
  severity: 'error' | 'warning';
  /** keepalived FMT_VS of the virtual server. */
  vs: string;
  /** "address:port" of the real server. */
  rs: string;
  type: string;
  code: string;
  message: string;
}

/**
 * Whether a checker can be built depends on its settings and on the families and kinds around it,
 * not on the real server's address: one build per distinct shape stands for all checkers of that
 * shape (a configuration of 100,000 real servers has a handful of shapes). A shape that fails is
 * built again for each checker, so every message names its own real server.
 */
function shapeKey(ck: object, vs: ResolvedLvs['virtual_servers'][number], rsAddress: string): string {
  return JSON.stringify([ck, vs.family, vs.services[0]?.kind, vs.protocol, rsAddress.includes(':')]);
}

export function checkerProblems(lvs: ResolvedLvs, ctx: FactoryContext = {}): CheckerProblem[] {
  const out: CheckerProblem[] = [];
  const fine = new Set<string>();
  for (const vs of lvs.virtual_servers) {
    for (const rs of vs.real_servers) {
      for (const ck of rs.checkers) {
        const where = { vs: vs.id, rs: `${rs.address}:${rs.port}`, type: ck.type };
        if (ck.type === 'FILE_CHECK' && !ctx.trackFiles) continue; // needs the track_file blocks
        const key = shapeKey(ck, vs, rs.address);
        try {
          if (!fine.has(key)) {
            const b = buildChecker(ck, vs, rs, ctx);
            b.checker.close?.();
            fine.add(key);
          }
        } catch (e) {
          if (!(e instanceof CheckError)) throw e;
          out.push({ ...where, severity: 'error', code: e.code, message: `${ck.type} of real server ${where.rs} (virtual server ${vs.id}): ${e.message}` });
          continue;
        }
        if (ck.type === 'PING_CHECK' && !probesAddon())
          out.push({ ...where, severity: 'error', code: 'LVSD_CHECK_RUNTIME', message: `PING_CHECK of real server ${where.rs}: needs the probes addon ${probesAddonPath()}, which is not built` });
      }
    }
  }
  return out;
}
