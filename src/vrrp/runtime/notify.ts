// Runtime: keepalived's notify scripts (notify_master / _backup / _fault / _stop, then `notify` with
// GROUP|INSTANCE, name, state and priority appended), run through the shared script runner. Each run is
// started and left to finish on its own: a slow notify script never delays an advert or a transition.
import type { VrrpBus } from '../../events/vrrp.js';
import type { CommandSpec, NotifyCommands } from '../from-config.js';
import type { NotifyState } from '../state.js';
import type { Clock, ScriptRunner } from './ports.js';

/** A notify script that runs longer than this is killed with its process group. */
export const NOTIFY_TIMEOUT_MS = 60_000;

const STATE_SCRIPT: Record<NotifyState, keyof NotifyCommands> = { MASTER: 'master', BACKUP: 'backup', FAULT: 'fault', STOP: 'stop' };

export class Notifier {
  private readonly running = new Set<Promise<void>>();
  private readonly abort = new AbortController();

  constructor(
    private readonly runScript: ScriptRunner,
    private readonly bus: VrrpBus,
    private readonly clock: Clock,
    private readonly timeoutMs = NOTIFY_TIMEOUT_MS,
  ) {}

  /** Run the scripts for `target` entering `state`. */
  notify(target: 'INSTANCE' | 'GROUP', name: string, cmds: NotifyCommands, state: NotifyState, priority: number): void {
    const own = cmds[STATE_SCRIPT[state]];
    if (own) this.start(target, name, state, own, own.argv);
    if (cmds.any) this.start(target, name, state, cmds.any, [...cmds.any.argv, target, name, state, String(priority)]);
  }

  /** keepalived notify_master_rx_lower_pri: a master heard a lower-priority advert. */
  lowerPriority(name: string, cmds: NotifyCommands): void {
    if (cmds.masterRxLowerPri) this.start('INSTANCE', name, 'MASTER', cmds.masterRxLowerPri, cmds.masterRxLowerPri.argv);
  }

  private start(target: 'INSTANCE' | 'GROUP', name: string, state: NotifyState, cmd: CommandSpec, argv: string[]): void {
    const t0 = this.clock.now();
    const p = this.runScript({
      argv,
      timeoutMs: this.timeoutMs,
      signal: this.abort.signal,
      maxOutputBytes: 4096,
      ...(cmd.user !== undefined ? { user: cmd.user } : {}),
      ...(cmd.group !== undefined ? { group: cmd.group } : {}),
    }).then(
      (r) =>
        this.bus.emit('vrrp.notify', {
          target, name, state, argv, exitCode: r.exitCode, signal: r.signal, timedOut: r.timedOut, durationMs: r.durationMs, ...(r.error ? { error: r.error.message } : {}),
        }),
      (e: unknown) =>
        this.bus.emit('vrrp.notify', {
          target, name, state, argv, exitCode: null, signal: null, timedOut: false, durationMs: this.clock.now() - t0, error: (e as Error).message ?? String(e),
        }),
    );
    this.running.add(p);
    void p.finally(() => this.running.delete(p));
  }

  /** Wait for running scripts, at most `graceMs`; then kill what is left. Resolves true when all ended in time. */
  async drain(graceMs: number): Promise<boolean> {
    if (this.running.size === 0) return true;
    let timer: ReturnType<Clock['setTimer']> | undefined;
    const all = Promise.all([...this.running]).then(() => true);
    const late = new Promise<boolean>((r) => (timer = this.clock.setTimer(() => r(false), graceMs)));
    const ok = await Promise.race([all, late]);
    if (timer !== undefined) this.clock.clearTimer(timer);
    if (!ok) {
      this.abort.abort();
      await Promise.all([...this.running]);
    }
    return ok;
  }

  get inFlight(): number {
    return this.running.size;
  }
}
