// OS edge: loads the probes addon (native/lvsd_probes.c: ICMP echo sockets; native/lvsd_stream.h:
// TCP and HTTP stream probes on a worker thread) when it has been built. PING_CHECK needs it;
// TCP_CHECK and HTTP_GET use it when present (no net.Socket, stream or timer objects per probe,
// and no connect() on the event loop) and Node's net sockets otherwise.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../util/paths.js';
import { CheckError } from './types.js';

export interface ProbesAddon {
  open(family: 4 | 6, source: string, onReply: (from: string, seq: number, bytes: number) => void): { handle: unknown; raw: boolean; ident: number };
  send(handle: unknown, to: string, seq: number, payload: Buffer): number;
  close(handle: unknown): void;
  /**
   * The stream engine. `onDone` gets finished probes in batches: per probe its id, four numbers
   * in `info` (errno or 0, stage: 0 connect / 1 send / 2 read, more: 1 for a piece of a long
   * response that goes on, the microseconds it queued for the worker before its connect, and
   * the microseconds from its connect to its end) and its bytes, data[offs[i], offs[i + 1]).
   */
  streamOpen(onDone: (ids: Uint32Array, info: Int32Array, offs: Uint32Array, data: Buffer | undefined) => void, workers?: number): unknown;
  /** Queues a probe (started at the next flush): 0, or -errno when an address does not parse. */
  streamSubmit(handle: unknown, id: number, to: string, port: number, from: string, fromPort: number, ifname: string, request?: Buffer): number;
  /** Queues the cancellation of a probe in flight: it is reported with ECANCELED. */
  streamCancel(handle: unknown, id: number): void;
  /** Wakes the worker thread for everything queued since the last flush. */
  streamFlush(handle: unknown): void;
  streamClose(handle: unknown): void;
}

/** Where the addon is looked for: $LVSD_PROBES_ADDON, else where `make build` puts it. */
export function probesAddonPath(): string {
  return process.env.LVSD_PROBES_ADDON ?? join(packageRoot(), 'native', 'build', 'Release', 'lvsd_probes.node');
}

export const BUILD_HINT = 'make build (node-gyp builds native/lvsd_probes.c)';

let cached: ProbesAddon | null | undefined;

/** The addon, or undefined when it is not built (or LVSD_NO_NATIVE_PROBES=1). */
export function probesAddon(): ProbesAddon | undefined {
  if (cached !== undefined) return cached ?? undefined;
  const p = probesAddonPath();
  cached = process.env.LVSD_NO_NATIVE_PROBES === '1' || !existsSync(p) ? null : (createRequire(import.meta.url)(p) as ProbesAddon);
  return cached ?? undefined;
}

export function requireProbesAddon(what: string): ProbesAddon {
  const a = probesAddon();
  if (!a) throw new CheckError('LVSD_CHECK_RUNTIME', `${what} needs the probes addon ${probesAddonPath()} (build it: ${BUILD_HINT})`);
  return a;
}

/** Linux errno numbers a probe can meet, by name. */
export const ERRNO_NAME: Readonly<Record<number, string>> = {
  1: 'EPERM', 9: 'EBADF', 12: 'ENOMEM', 13: 'EACCES', 22: 'EINVAL', 23: 'ENFILE', 24: 'EMFILE', 32: 'EPIPE', 98: 'EADDRINUSE',
  99: 'EADDRNOTAVAIL', 100: 'ENETDOWN', 101: 'ENETUNREACH', 103: 'ECONNABORTED', 104: 'ECONNRESET', 110: 'ETIMEDOUT',
  111: 'ECONNREFUSED', 112: 'EHOSTDOWN', 113: 'EHOSTUNREACH', 125: 'ECANCELED',
};
