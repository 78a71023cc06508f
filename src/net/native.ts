// Kernel edge: loads the native socket shim (native/lvsd_net.c) and types its functions.
// Loaded on first use, so modules that only need the pure parts import without it.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { packageRoot } from '../util/paths.js';
import { NetError } from './errors.js';

export interface Cmsg {
  level: number;
  type: number;
  data: Buffer;
}

export interface RecvResult {
  data: Buffer;
  /** msg_name: the sender's socket address. */
  name: Buffer;
  /** msg_flags (MSG_TRUNC, MSG_CTRUNC). */
  flags: number;
  cmsgs: Cmsg[];
}

/** Opaque event-loop watcher handle. */
export type PollHandle = { readonly __poll: unique symbol };

/** The shim's functions; each throws a SysError (code, errno, syscall) when the call fails. */
export interface NativeNet {
  socket(domain: number, type: number, protocol: number): number;
  close(fd: number): void;
  setsockopt(fd: number, level: number, name: number, value: number | Uint8Array): void;
  getsockopt(fd: number, level: number, name: number, size: number): Buffer;
  bind(fd: number, sockaddr: Uint8Array): void;
  getsockname(fd: number): Buffer;
  sendmsg(fd: number, data: Uint8Array, name: Uint8Array | null, cmsgs: [number, number, Uint8Array][] | null): number;
  /** null when nothing is queued (EAGAIN). */
  recvmsg(fd: number): RecvResult | null;
  ifreq(fd: number, request: number, ifname: string, input: Uint8Array | null): Buffer;
  /** `cb` runs when fd is readable; with an error when the socket reported one (SO_ERROR). */
  poll(fd: number, cb: (err?: Error) => void): PollHandle;
  pollClose(h: PollHandle): void;
  pollRef(h: PollHandle, ref: boolean): void;
  withNetns<T>(path: string, fn: () => T): T;
}

/** Where `make build` puts the shim, under the package root (right in the per-file build and the bundle). */
export const ADDON_PATH = join(packageRoot(), 'native', 'build', 'Release', 'lvsd_net.node');

let cached: NativeNet | undefined;

export function native(): NativeNet {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  try {
    cached = require(ADDON_PATH) as NativeNet;
  } catch (e) {
    throw new NetError('LVSD_NET_ADDON_MISSING', `cannot load the native socket shim ${ADDON_PATH} (run make build): ${(e as Error).message}`, {
      cause: e,
      fatal: true,
    });
  }
  return cached;
}
