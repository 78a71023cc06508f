// OS edge: TCP_CHECK. One probe = one TCP connect before the deadline, closed at once
// (keepalived check_tcp.c: success is the connect completing, nothing is sent).
import { checkConnectionSupported, openConnection, type ConnectionOptions } from './connect.js';
import { hostPort, ok, type Checker, type Deadline, type ProbeResult } from './types.js';

export class TcpChecker implements Checker {
  readonly type = 'TCP_CHECK';
  readonly key: string;
  readonly target: string;

  constructor(
    private readonly conn: ConnectionOptions,
    readonly budgetMs: number,
  ) {
    checkConnectionSupported(this.type, conn);
    this.target = `TCP_CHECK ${hostPort(conn.address, conn.port)}`;
    this.key = `TCP_CHECK|${conn.address}|${conn.port}|${conn.bindto ?? ''}|${conn.bind_port ?? ''}|${conn.bind_if ?? ''}|${budgetMs}`;
  }

  async probe(signal: AbortSignal, deadline: Deadline): Promise<ProbeResult> {
    const o = await openConnection(this.conn, deadline, signal);
    if ('result' in o) return o.result;
    o.socket.destroy();
    return ok(`connected to ${hostPort(this.conn.address, this.conn.port)}`);
  }
}
