// Test support: resolved virtual servers, real servers and checkers built by hand.
import type { ResolvedChecker, ResolvedRealServer, ResolvedVirtualServer } from '../../../src/config/resolve-lvs.js';

export const tcpCk = (alpha = false): ResolvedChecker => ({
  type: 'TCP_CHECK', alpha, retry: 1, delay_before_retry: 1, delay_loop: 5, warmup: 0, log_all_failures: false,
  connection: { address: '10.0.1.1', port: 80, connect_timeout: 3 },
});

export function rs(last: number, o: Partial<ResolvedRealServer> = {}): ResolvedRealServer {
  return {
    address: `10.0.1.${last}`, port: 80, family: 'inet', weight: 1, method: { method: 'NAT' }, inhibit_on_failure: false,
    alpha: false, smtp_alert: false, checkers: [tcpCk()], ...o,
  };
}

export function vs(o: Partial<ResolvedVirtualServer> = {}): ResolvedVirtualServer {
  return {
    id: '[10.0.0.1]:tcp:80', family: 'inet', protocol: 'TCP',
    services: [{ kind: 'address', family: 'inet', first: '10.0.0.1', last: '10.0.0.1', port: 80, protocol: 'TCP' }],
    lvs_sched: 'wrr', flags: { flag_1: false, flag_2: false, flag_3: false, sh_port: false, sh_fallback: false, mh_port: false, mh_fallback: false, ops: false },
    method: { method: 'NAT' }, ha_suspend: false, alpha: false, omega: false, quorum: 1, hysteresis: 0, smtp_alert: false,
    real_servers: [rs(1), rs(2)], ...o,
  };
}

