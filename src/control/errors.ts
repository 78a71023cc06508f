// Pure definitions: the typed errors of the local control socket (server and client), with stable codes.

export type ControlErrorCode =
  /** The socket path is unusable: not absolute, too long for sun_path, or not a socket. */
  | 'LVSD_CONTROL_PATH'
  /** Another live daemon answers on the socket path. */
  | 'LVSD_CONTROL_IN_USE'
  /** Client: no socket file at the path. */
  | 'LVSD_CONTROL_NO_SOCKET'
  /** Client: the file exists but nothing listens on it (a stopped daemon's stale socket). */
  | 'LVSD_CONTROL_REFUSED'
  /** Client: the socket (or its directory) is not accessible to this user. */
  | 'LVSD_CONTROL_DENIED'
  /** Client: no complete answer within the deadline. */
  | 'LVSD_CONTROL_TIMEOUT'
  /** Client: the answer was not one JSON response line (or was too large). */
  | 'LVSD_CONTROL_BAD_RESPONSE'
  /** A request line that is not one of the protocol's requests. */
  | 'LVSD_CONTROL_BAD_REQUEST'
  /** Client: any other socket failure. */
  | 'LVSD_CONTROL_IO';

export class ControlError extends Error {
  readonly code: ControlErrorCode;
  constructor(code: ControlErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ControlError';
    this.code = code;
  }
}
