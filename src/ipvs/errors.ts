// Pure model: typed errors of the IPVS layer, each with a stable code.

/** Linux errno numbers the IPVS family returns (asm-generic/errno*.h). */
export const ERRNO: Readonly<Record<number, string>> = {
  1: 'EPERM',
  2: 'ENOENT',
  3: 'ESRCH',
  4: 'EINTR',
  5: 'EIO',
  11: 'EAGAIN',
  12: 'ENOMEM',
  13: 'EACCES',
  16: 'EBUSY',
  17: 'EEXIST',
  19: 'ENODEV',
  22: 'EINVAL',
  28: 'ENOSPC',
  34: 'ERANGE',
  90: 'EMSGSIZE',
  92: 'ENOPROTOOPT',
  95: 'EOPNOTSUPP',
  97: 'EAFNOSUPPORT',
  105: 'ENOBUFS',
  110: 'ETIMEDOUT',
};

export function errnoName(errno: number): string {
  return ERRNO[errno] ?? `errno ${errno}`;
}

export class IpvsError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A reply that does not parse: names the exact reason. */
export class IpvsDecodeError extends IpvsError {}

/** The kernel refused an operation: carries the errno and what was asked. */
export class IpvsKernelError extends IpvsError {
  constructor(
    readonly errno: number,
    /** The operation, e.g. "NEW_DEST tcp 10.0.0.1:80 -> 10.0.1.1:80". */
    readonly op: string,
  ) {
    super(`LVSD_IPVS_${errnoName(errno)}`, `${op}: ${errnoName(errno)} (${errno})`);
  }
  /** The errno's symbolic name, e.g. "EEXIST". */
  get errnoName(): string {
    return errnoName(this.errno);
  }
}

/** No reply before the request's deadline. */
export class IpvsTimeoutError extends IpvsError {
  constructor(
    readonly op: string,
    readonly ms: number,
  ) {
    super('LVSD_IPVS_TIMEOUT', `${op}: no reply from the kernel within ${ms} ms`);
  }
}

/** The running kernel has no IPVS (the generic netlink family "IPVS" does not resolve). */
export class IpvsUnavailableError extends IpvsError {
  constructor(detail: string) {
    super('LVSD_IPVS_UNAVAILABLE', `IPVS is not available in this kernel (${detail}); virtual servers are not programmed`);
  }
}

/** The socket closed, failed, or lost replies: what the kernel holds must be read again. */
export class IpvsResyncError extends IpvsError {
  constructor(reason: string) {
    super('LVSD_IPVS_RESYNC', `IPVS replies lost (${reason}); the table will be read again`);
  }
}
