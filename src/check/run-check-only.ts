// Composition: the body of `lvsd run --check-only -f FILE` (keepalived --check): the daemon with
// its LVS part only: programs IPVS from the virtual_server blocks, runs their health checks, and
// on SIGTERM/SIGINT removes what it programmed. Kept as a function for callers that pass a kernel,
// an abort signal or a log destination (tests, the lab).
import type { IpvsKernel } from '../ipvs/ops.js';
import type { CheckPool } from './scheduler.js';

export interface CheckOnlyIo {
  out: (s: string) => void;
  err: (s: string) => void;
}

export interface CheckOnlyOptions {
  file: string;
  configId?: string;
  logLevel?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  /** The IPVS kernel (tests pass a fake); default: generic netlink. */
  kernel?: IpvsKernel;
  /** Stops the run when aborted (tests); by default SIGTERM / SIGINT stop it. */
  signal?: AbortSignal;
  /** Where JSON log lines go (default stdout). */
  logDestination?: NodeJS.WritableStream;
  /** Called once the table is programmed and the checks run. */
  onReady?: (pool: CheckPool) => void;
}

export async function runCheckOnly(o: CheckOnlyOptions, io: CheckOnlyIo): Promise<number> {
  const { Daemon } = await import('../daemon/daemon.js');
  const d = new Daemon(
    {
      file: o.file,
      mode: 'check-only',
      ...(o.configId !== undefined ? { configId: o.configId } : {}),
      ...(o.logLevel ? { logLevel: o.logLevel } : {}),
      ...(o.kernel ? { kernel: o.kernel } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.logDestination ? { logDestination: o.logDestination } : {}),
      onReady: (dd) => {
        if (dd.pool) o.onReady?.(dd.pool);
      },
    },
    io,
  );
  if (!o.signal) {
    for (const s of ['SIGTERM', 'SIGINT'] as const) process.once(s, () => d.requestStop(s));
  }
  return d.run();
}
