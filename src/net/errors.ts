// Kernel edge (definitions): typed errors of src/net, each with a stable code.

export type NetErrorCode =
  /** The native shim (native/build/Release/lvsd_net.node) is not built or does not load. */
  | 'LVSD_NET_ADDON_MISSING'
  /** No interface of that name in the socket's network namespace. */
  | 'LVSD_NET_NO_INTERFACE'
  /** An address, MAC or namespace name that does not parse. */
  | 'LVSD_NET_BAD_ARGUMENT'
  /** A received packet cannot be used (no Hop Limit, truncated); the socket stays open. */
  | 'LVSD_NET_BAD_PACKET'
  /** A netlink request got no answer before its deadline. */
  | 'LVSD_NET_TIMEOUT'
  /** The kernel's replies were lost (receive buffer overflow): the caller must read the state again. */
  | 'LVSD_NET_RESYNC'
  /** Too many requests waiting for a slot. */
  | 'LVSD_NET_BUSY'
  /** The kernel refused a netlink request (see `errno`). */
  | 'LVSD_NET_KERNEL'
  /** The network namespace to open a socket in does not exist. */
  | 'LVSD_NET_NO_NAMESPACE'
  /** A /proc/sys setting could not be written. */
  | 'LVSD_NET_SYSCTL'
  /** Used after close(). */
  | 'LVSD_NET_CLOSED';

export class NetError extends Error {
  readonly code: NetErrorCode;
  /** True when the object that reported it can no longer work (socket gone). */
  readonly fatal: boolean;
  constructor(code: NetErrorCode, message: string, opts: { cause?: unknown; fatal?: boolean } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.fatal = opts.fatal ?? false;
  }
}

/** The kernel refused a netlink request: `errno` is its name ("EINVAL"), `detail` the extended-ACK text. */
export class KernelError extends NetError {
  constructor(
    readonly errno: string,
    readonly op: string,
    readonly detail?: string,
  ) {
    super('LVSD_NET_KERNEL', `${op}: ${errno}${detail ? ` (${detail})` : ''}`);
  }
}

/** A failed system call as the native shim throws it (Node's own shape). */
export interface SysError extends Error {
  /** errno name, e.g. "ENOBUFS". */
  code: string;
  /** Negative errno, as Node's own errors. */
  errno: number;
  syscall: string;
  /** Set when the socket's event-loop watcher could not be restarted. */
  fatal?: boolean;
}

export function isSysError(e: unknown): e is SysError {
  return e instanceof Error && typeof (e as SysError).syscall === 'string' && typeof (e as SysError).code === 'string';
}
