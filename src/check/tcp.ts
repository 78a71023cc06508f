// OS edge: TCP_CHECK. One probe = one TCP connect before the deadline, closed at once
// (keepalived check_tcp.c: success is the connect completing, nothing is sent). With the probes
// addon built, the connect runs natively (socket, connect, epoll, getsockopt, close: the calls
// keepalived makes); otherwise through Node's net sockets.
import { checkConnectionSupported, isLinkLocal6, openConnection, type ConnectionOptions } from './connect.js';
import { atDeadline } from './deadline.js';
import { ERRNO_NAME, probesAddon, type ProbesAddon } from './native.js';
import { fail, hostPort, ok, reasonOfErrno, type Checker, type Deadline, type ProbeResult } from './types.js';

/** One batch-reporting native connect pool for every TCP_CHECK of the process. */
class NativeTcp {
  private readonly pending = new Map<number, (errno: number) => void>();
  private nextId = 0;
  readonly handle: unknown;

  constructor(readonly a: ProbesAddon) {
    this.handle = a.tcpOpen((ids, errnos) => {
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i] as number;
        const done = this.pending.get(id);
        if (!done) continue;
        this.pending.delete(id);
        done(errnos[i] as number);
      }
    });
  }

  connect(c: ConnectionOptions, signal: AbortSignal, deadline: Deadline, passed: ProbeResult, where: string): Promise<ProbeResult> {
    return new Promise<ProbeResult>((resolve) => {
      if (signal.aborted) return resolve(fail('aborted', `connect to ${where} aborted`));
      const id = (this.nextId = (this.nextId + 1) >>> 0);
      const scope = c.bind_if && (isLinkLocal6(c.address) || (c.bindto !== undefined && isLinkLocal6(c.bindto))) ? c.bind_if : '';
      const fd = this.a.tcpConnect(this.handle, id, c.address, c.port, c.bindto ?? '', c.bind_port ?? 0, scope);
      if (fd < 0) {
        const name = ERRNO_NAME[-fd] ?? `errno ${-fd}`;
        return resolve(fail(reasonOfErrno(name), `connect to ${where}: ${name}`));
      }
      const end = (r: ProbeResult): void => {
        this.pending.delete(id);
        this.a.tcpCancel(this.handle, fd);
        signal.removeEventListener('abort', onAbort);
        resolve(r);
      };
      const onAbort = (): void => {
        cancel();
        end(fail('aborted', `connect to ${where} aborted`));
      };
      const cancel = atDeadline(deadline, () => end(fail('timeout', `connect to ${where}: no answer before the deadline`)));
      signal.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, (errno) => {
        cancel();
        signal.removeEventListener('abort', onAbort);
        if (errno === 0) return resolve(passed);
        const name = ERRNO_NAME[errno] ?? `errno ${errno}`;
        resolve(fail(reasonOfErrno(name), `connect to ${where}: ${name}`));
      });
    });
  }
}

let native: NativeTcp | null | undefined;
function nativeTcp(): NativeTcp | undefined {
  if (native === undefined) {
    const a = probesAddon();
    native = a ? new NativeTcp(a) : null;
  }
  return native ?? undefined;
}

export class TcpChecker implements Checker {
  readonly type = 'TCP_CHECK';
  readonly key: string;
  readonly target: string;
  /** The same result object every time the server answers: no allocation per probe. */
  private readonly passed: ProbeResult;
  private readonly where: string;

  constructor(
    private readonly conn: ConnectionOptions,
    readonly budgetMs: number,
    /** Use the native connect when the addon is built (default); false forces net sockets. */
    private readonly useNative = true,
  ) {
    checkConnectionSupported(this.type, conn);
    this.where = hostPort(conn.address, conn.port);
    this.target = `TCP_CHECK ${this.where}`;
    this.passed = ok(`connected to ${this.where}`);
    this.key = `TCP_CHECK|${conn.address}|${conn.port}|${conn.bindto ?? ''}|${conn.bind_port ?? ''}|${conn.bind_if ?? ''}|${budgetMs}`;
  }

  async probe(signal: AbortSignal, deadline: Deadline): Promise<ProbeResult> {
    const n = this.useNative ? nativeTcp() : undefined;
    if (n) return n.connect(this.conn, signal, deadline, this.passed, this.where);
    const o = await openConnection(this.conn, deadline, signal);
    if ('result' in o) return o.result;
    o.socket.destroy();
    return this.passed;
  }
}
