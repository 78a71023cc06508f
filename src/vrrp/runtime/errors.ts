// Runtime definitions: typed errors of the VRRP runtime with stable codes.

export type VrrpRuntimeErrorCode =
  /** A raw socket could not be opened (`cause.code` EPERM: not root / no CAP_NET_RAW). */
  | 'socket_open_failed'
  /** Joining the multicast group failed. */
  | 'multicast_join_failed'
  /** A use_vmac / use_ipvlan interface could not be created or configured. */
  | 'vlink_failed'
  /** The configuration cannot run (see the message). */
  | 'bad_config'
  /** start() after stop(), or twice. */
  | 'bad_lifecycle';

export class VrrpRuntimeError extends Error {
  readonly code: VrrpRuntimeErrorCode;
  /** errno-style code of the underlying failure (EPERM, ENODEV...) when there is one. */
  readonly errno: string | undefined;
  constructor(code: VrrpRuntimeErrorCode, message: string, cause?: unknown) {
    super(message, cause !== undefined ? { cause } : undefined);
    this.name = 'VrrpRuntimeError';
    this.code = code;
    const c = cause as { code?: unknown } | undefined;
    this.errno = typeof c?.code === 'string' ? c.code : undefined;
  }
}
