// OS edge: the control socket's client: one request, one response line, under a deadline.
import { connect } from 'node:net';
import { ControlError } from './errors.js';
import { encodeLine, parseResponse, type ControlRequest, type ControlResponse } from './protocol.js';

/** The largest response line the client reads (a status of thousands of real servers fits easily). */
export const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/** A socket failure as a ControlError that says which problem it is. */
export function connectError(path: string, e: unknown): ControlError {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const why = (e as Error | undefined)?.message ?? String(e);
  switch (code) {
    case 'ENOENT':
      return new ControlError('LVSD_CONTROL_NO_SOCKET', `no control socket at ${path} (is lvsd running?)`, { cause: e });
    case 'ECONNREFUSED':
      return new ControlError('LVSD_CONTROL_REFUSED', `connection refused on ${path}: no daemon listens there (a stopped daemon's stale socket?)`, { cause: e });
    case 'EACCES':
    case 'EPERM':
      return new ControlError('LVSD_CONTROL_DENIED', `permission denied on ${path}: the control socket is for root only`, { cause: e });
    case 'ENOTDIR':
      return new ControlError('LVSD_CONTROL_NO_SOCKET', `no control socket at ${path} (a part of the path is not a directory)`, { cause: e });
    default:
      return new ControlError('LVSD_CONTROL_IO', `control socket ${path}: ${why}`, { cause: e });
  }
}

/**
 * Sends one request to the daemon's control socket and returns its response. Throws ControlError:
 * NO_SOCKET, REFUSED, DENIED (cannot connect, and why), TIMEOUT (no full answer within timeoutMs),
 * BAD_RESPONSE (not a response line, or over MAX_RESPONSE_BYTES), IO (anything else).
 */
export function request(path: string, req: ControlRequest, timeoutMs = 5000): Promise<ControlResponse> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const sock = connect({ path });
    const finish = (err: ControlError | null, res?: ControlResponse): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(res as ControlResponse);
    };
    const timer = setTimeout(
      () => finish(new ControlError('LVSD_CONTROL_TIMEOUT', `no answer from ${path} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    let connected = false;
    sock.on('connect', () => {
      connected = true;
      sock.write(encodeLine(req));
    });
    sock.on('data', (chunk: Buffer) => {
      const nl = chunk.indexOf(0x0a);
      if (nl < 0) {
        chunks.push(chunk);
        size += chunk.length;
        if (size > MAX_RESPONSE_BYTES) finish(new ControlError('LVSD_CONTROL_BAD_RESPONSE', `response from ${path} exceeds ${MAX_RESPONSE_BYTES} bytes`));
        return;
      }
      chunks.push(chunk.subarray(0, nl));
      try {
        finish(null, parseResponse(Buffer.concat(chunks).toString('utf8')));
      } catch (e) {
        finish(e instanceof ControlError ? e : connectError(path, e));
      }
    });
    sock.on('end', () => finish(new ControlError('LVSD_CONTROL_BAD_RESPONSE', `${path} closed the connection without a response`)));
    sock.on('error', (e) => {
      if (connected) finish(new ControlError('LVSD_CONTROL_IO', `control socket ${path}: ${e.message}`, { cause: e }));
      else finish(connectError(path, e));
    });
  });
}
