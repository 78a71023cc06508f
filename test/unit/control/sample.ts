// Test fixtures: hand-built DaemonStatus values for the control socket and formatter tests.
import { emptyCounters, type Counters } from '../../../src/vrrp/counters.js';
import type { DaemonStatus, InstanceReport } from '../../../src/daemon/status.js';

export function counters(over: Partial<Counters> = {}): Counters {
  return { ...emptyCounters(), ...over };
}

/** 2026-11-23 06:26:15.691924 UTC, the reference capture's first transition. */
export const T0 = 1795415175691.924;

/** A full-mode director: two instances (one in a sync group), two virtual servers. */
export function sampleStatus(): DaemonStatus {
  const vi1: InstanceReport = {
    name: 'VI_1',
    vrid: 51,
    interface: 'eth0',
    state: 'MASTER',
    priority: 150,
    effectivePriority: 140,
    master: '192.0.2.1',
    vips: ['192.0.2.100/24', '192.0.2.101/24'],
    vipsHeld: true,
    since: T0,
    lastReason: 'master down timer expired',
    syncGroup: 'G1',
    counters: counters({ advert_rcvd: 12, advert_sent: 3456, become_master: 2, release_master: 1, pri_zero_sent: 1, chk_err: 4 }),
  };
  const vi2: InstanceReport = {
    name: 'VI_2',
    vrid: 52,
    interface: 'eth1',
    state: 'BACKUP',
    priority: 100,
    effectivePriority: 100,
    master: null,
    vips: ['2001:db8::100/64'],
    vipsHeld: false,
    since: T0 + 3_725_000,
    lastReason: null,
    counters: counters({ advert_rcvd: 99, ip_ttl_err: 5, addr_list_err: 6, auth_failure: 7, pri_zero_rcvd: 8 }),
  };
  return {
    version: '0.1.0',
    pid: 4242,
    startedAt: T0 - 120_000,
    now: T0 + 3_725_000 + 7_000,
    configFile: '/etc/keepalived/keepalived.conf',
    lastReload: { at: T0 + 3_600_000, ok: true, message: '1 weight changed' },
    mode: 'full',
    ipvsProgram: 'follow_vrrp',
    ipvsUnavailable: null,
    instances: [vi1, vi2],
    virtualServers: [
      {
        id: '[192.0.2.100]:tcp:80',
        quorumUp: true,
        sorryActive: false,
        liveWeight: 3,
        totalWeight: 4,
        programmed: true,
        realServers: [
          { address: '10.0.0.11', port: 80, alive: true, weight: 3, configured: 3, checkers: [{ type: 'HTTP_GET', target: 'HTTP_GET http://10.0.0.11:80/health', up: true }] },
          {
            address: '10.0.0.12',
            port: 80,
            alive: false,
            weight: 0,
            configured: 1,
            checkers: [
              { type: 'HTTP_GET', target: 'HTTP_GET http://10.0.0.12:80/health', up: false },
              { type: 'TCP_CHECK', target: 'TCP_CHECK 10.0.0.12:80', up: true },
            ],
          },
        ],
      },
      {
        id: '[2001:db8::100]:tcp:443',
        quorumUp: false,
        sorryActive: true,
        liveWeight: 0,
        totalWeight: 1,
        programmed: false,
        realServers: [{ address: '2001:db8::11', port: 443, alive: false, weight: 0, configured: 1, checkers: [] }],
      },
    ],
    syncDaemon: { state: 'master', interface: 'eth0' },
  };
}

/** The two instances of the keepalived 2.2.7 reference capture (test/unit/control/fixtures). */
export function referenceStatus(): DaemonStatus {
  const inst = (name: string, vrid: number, prio: number, since: number, vip: string, sent: number): InstanceReport => ({
    name,
    vrid,
    interface: 'v0',
    state: 'MASTER',
    priority: prio,
    effectivePriority: prio,
    master: null,
    vips: [vip],
    vipsHeld: true,
    since,
    lastReason: null,
    counters: counters({ advert_sent: sent, become_master: 1 }),
  });
  return {
    ...sampleStatus(),
    instances: [
      inst('VI_1', 51, 150, 1795415175691.924, '10.9.9.1/24 dev v0 scope global', 3),
      inst('VI_2', 52, 100, 1795415175887.242, '10.9.9.2/24 dev v0 scope global', 2),
    ],
    virtualServers: [],
  };
}
