// OS edge: TCP_CHECK. One probe = one TCP connect before the deadline, closed at once
// (keepalived check_tcp.c: success is the connect completing, nothing is sent). With the probes
// addon built, the connect runs on its worker thread (socket, connect, epoll, getsockopt, close:
// the calls keepalived makes; stream-engine.ts); otherwise through Node's net sockets.
import type { CallbackProbe } from './callback-probe.js';
import { checkConnectionSupported, openConnection, type ConnectionOptions } from './connect.js';
import { ERRNO_NAME } from './native.js';
import { streamEngine, type StreamEngine, type StreamSink } from './stream-engine.js';
import { fail, hostPort, ok, reasonOfErrno, type Checker, type Deadline, type ProbeResult } from './types.js';

export class TcpChecker implements Checker, CallbackProbe {
  readonly type = 'TCP_CHECK';
  readonly key: string;
  readonly target: string;
  /** The same result objects every time: no allocation per probe. */
  private readonly passed: ProbeResult;
  private readonly timedOut: ProbeResult;
  private readonly aborted: ProbeResult;
  private readonly where: string;
  /** The probe started by startProbe: its id in the engine (0: none) and where its result goes. */
  private cbId = 0;
  private cbDone: ((r: ProbeResult) => void) | undefined;
  private cbAbort: AbortController | undefined;
  /** How long the last callback probe queued for the worker thread, and how long it then took, ms (CallbackProbe). */
  startDelayMs = 0;
  probeMs: number | undefined;
  /** One sink for every startProbe of this checker, made once. */
  private readonly cbSink: StreamSink = {
    data: () => undefined,
    end: (errno, _stage, _buf, _s, _e, waitMs, runMs) => {
      this.startDelayMs = waitMs;
      this.probeMs = runMs;
      this.cbEnd(this.resultOf(errno));
    },
    expired: () => {
      this.startDelayMs = 0;
      this.probeMs = undefined;
      this.cbEnd(this.timedOut);
    },
  };

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
    this.timedOut = fail('timeout', `connect to ${this.where}: no answer before the deadline`);
    this.aborted = fail('aborted', `connect to ${this.where} aborted`);
    this.key = `TCP_CHECK|${conn.address}|${conn.port}|${conn.bindto ?? ''}|${conn.bind_port ?? ''}|${conn.bind_if ?? ''}|${budgetMs}`;
  }

  private engine(): StreamEngine | undefined {
    return this.useNative ? streamEngine() : undefined;
  }

  private resultOf(errno: number): ProbeResult {
    if (errno === 0) return this.passed;
    const name = ERRNO_NAME[errno] ?? `errno ${errno}`;
    return fail(reasonOfErrno(name), `connect to ${this.where}: ${name}`);
  }

  probe(signal: AbortSignal, deadline: Deadline): Promise<ProbeResult> {
    const eng = this.engine();
    if (!eng) return this.probeNet(signal, deadline);
    return new Promise<ProbeResult>((resolve) => {
      if (signal.aborted) return resolve(this.aborted);
      const settle = (r: ProbeResult): void => {
        signal.removeEventListener('abort', onAbort);
        resolve(r);
      };
      const sink: StreamSink = { data: () => undefined, end: (errno) => settle(this.resultOf(errno)), expired: () => settle(this.timedOut) };
      const id = eng.submit(sink, this.conn, undefined, deadline);
      if (id < 0) return resolve(this.resultOf(-id));
      const onAbort = (): void => {
        eng.cancel(id);
        resolve(this.aborted);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private async probeNet(signal: AbortSignal, deadline: Deadline): Promise<ProbeResult> {
    const o = await openConnection(this.conn, deadline, signal);
    if ('result' in o) return o.result;
    o.socket.destroy();
    return this.passed;
  }

  startProbe(deadline: Deadline, done: (r: ProbeResult) => void): void {
    this.cbDone = done;
    this.startDelayMs = 0;
    this.probeMs = undefined;
    const eng = this.engine();
    if (!eng) {
      const ac = (this.cbAbort = new AbortController());
      void this.probeNet(ac.signal, deadline).then((r) => {
        if (this.cbAbort === ac) this.cbEnd(r);
      });
      return;
    }
    const id = eng.submit(this.cbSink, this.conn, undefined, deadline);
    if (id < 0) return this.cbEnd(this.resultOf(-id));
    this.cbId = id;
  }

  cancelProbe(): void {
    if (this.cbId) this.engine()?.cancel(this.cbId);
    this.cbAbort?.abort();
    this.cbId = 0;
    this.cbAbort = undefined;
    this.cbDone = undefined;
  }

  private cbEnd(r: ProbeResult): void {
    const done = this.cbDone;
    this.cbId = 0;
    this.cbAbort = undefined;
    this.cbDone = undefined;
    done?.(r);
  }
}
