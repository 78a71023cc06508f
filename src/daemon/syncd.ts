// Runtime: keepalived's lvs_sync_daemon. The IPVS connection sync daemon follows one VRRP instance:
// master on the director where that instance is MASTER, backup elsewhere, switched on every
// transition (keepalived ipvs_syncd_master / ipvs_syncd_backup), so the connections a master
// forwards are already known to the backup when it takes over. Without an instance both run.
// Operations are chained: one transition's stop/start never interleaves with the next one's.
import type { IpvsKernel } from '../ipvs/ops.js';
import type { SyncDaemon } from '../ipvs/types.js';

export interface SyncdConfig {
  interface: string;
  instance?: string;
  syncId: number;
  maxlen?: number;
  port?: number;
  ttl?: number;
  group?: string;
}

export type SyncdState = 'master' | 'backup' | 'both' | 'none';

export class SyncdFollower {
  private chain: Promise<void> = Promise.resolve();
  private running = new Set<'master' | 'backup'>();
  state: SyncdState = 'none';

  constructor(
    readonly cfg: SyncdConfig,
    private readonly kernel: Pick<IpvsKernel, 'daemons' | 'startDaemon' | 'stopDaemon'>,
    private readonly report: (state: SyncdState, error?: string) => void,
  ) {}

  private spec(state: 'master' | 'backup'): SyncDaemon {
    const c = this.cfg;
    return {
      state,
      mcastIfn: c.interface,
      syncId: c.syncId,
      ...(c.maxlen !== undefined ? { syncMaxLen: c.maxlen } : {}),
      ...(c.group !== undefined ? { mcastGroup: c.group } : {}),
      ...(c.port !== undefined ? { mcastPort: c.port } : {}),
      ...(c.ttl !== undefined ? { mcastTtl: c.ttl } : {}),
    };
  }

  /** Runs exactly the daemons in `want` (stopping the others first); resolves when the kernel answered. */
  set(want: SyncdState): Promise<void> {
    const target = new Set<'master' | 'backup'>(want === 'both' ? ['master', 'backup'] : want === 'none' ? [] : [want]);
    this.chain = this.chain.then(async () => {
      const errors: string[] = [];
      for (const s of ['master', 'backup'] as const) {
        if (this.running.has(s) && !target.has(s)) {
          try {
            await this.kernel.stopDaemon(s);
          } catch (e) {
            errors.push(`stop ${s}: ${(e as Error).message}`);
          }
          this.running.delete(s);
        }
      }
      for (const s of ['master', 'backup'] as const) {
        if (!this.running.has(s) && target.has(s)) {
          try {
            await this.kernel.startDaemon(this.spec(s));
            this.running.add(s);
          } catch (e) {
            // EEXIST: one left by an earlier run (a crash): restart it with this configuration.
            if ((e as { code?: string }).code === 'LVSD_IPVS_EEXIST') {
              try {
                await this.kernel.stopDaemon(s);
                await this.kernel.startDaemon(this.spec(s));
                this.running.add(s);
                continue;
              } catch (e2) {
                errors.push(`start ${s}: ${(e2 as Error).message}`);
                continue;
              }
            }
            errors.push(`start ${s}: ${(e as Error).message}`);
          }
        }
      }
      this.state = this.running.size === 2 ? 'both' : this.running.has('master') ? 'master' : this.running.has('backup') ? 'backup' : 'none';
      this.report(this.state, errors.length ? errors.join('; ') : undefined);
    });
    return this.chain;
  }

  /** Follow the instance's VRRP state (MASTER -> master, anything else -> backup). */
  follow(instance: string, vrrpState: string): Promise<void> | undefined {
    if (this.cfg.instance === undefined || instance !== this.cfg.instance) return undefined;
    return this.set(vrrpState === 'MASTER' ? 'master' : 'backup');
  }

  stop(): Promise<void> {
    return this.set('none');
  }
}
