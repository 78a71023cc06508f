// OS edge: UDP_CHECK. One probe = one datagram on a connected UDP socket (keepalived
// check_udp.c). An ICMP error (port unreachable) fails it. With require_reply a reply must come
// before the deadline, of min..max_reply_length bytes, and match the given bytes where given
// ('x' nibbles match anything); without it, silence until the deadline passes.
import { randomBytes } from 'node:crypto';
import { checkConnectionSupported, type ConnectionOptions } from './connect.js';
import { fail, hostPort, ok, type Checker, type Deadline, type ProbeResult } from './types.js';
import { udpExchange } from './udp-exchange.js';

export interface UdpCheckOptions {
  payload?: string;
  require_reply: boolean;
  /** Hex with 'x' for any nibble, compared with the start of the reply. */
  reply_data?: string;
  min_reply_length: number;
  max_reply_length: number;
}

/** Bytes and masks of a hex pattern; a mask bit set means "any value here". */
export function parsePattern(hex: string): { data: Buffer; mask: Buffer } {
  const n = hex.length >> 1;
  const data = Buffer.alloc(n);
  const mask = Buffer.alloc(n);
  for (let i = 0; i < n; i++) {
    for (const [k, shift] of [[0, 4], [1, 0]] as const) {
      const c = hex[2 * i + k] as string;
      if (c === 'x' || c === 'X') mask[i] = (mask[i] as number) | (0xf << shift);
      else data[i] = (data[i] as number) | (parseInt(c, 16) << shift);
    }
  }
  return { data, mask };
}

/** keepalived check_udp_reply, with the length bounds applied to every required reply. */
export function replyProblem(reply: Buffer, o: UdpCheckOptions, pattern?: { data: Buffer; mask: Buffer }): string | undefined {
  if (reply.length < o.min_reply_length || reply.length > o.max_reply_length)
    return `reply of ${reply.length} bytes outside ${o.min_reply_length}..${o.max_reply_length}`;
  if (!pattern) return undefined;
  const n = Math.min(reply.length, pattern.data.length);
  for (let i = 0; i < n; i++) {
    if (((reply[i] as number) ^ (pattern.data[i] as number)) & ~(pattern.mask[i] as number) & 0xff) return `reply byte ${i} is 0x${(reply[i] as number).toString(16).padStart(2, '0')}, not as required`;
  }
  return undefined;
}

export class UdpChecker implements Checker {
  readonly type = 'UDP_CHECK';
  readonly key: string;
  readonly target: string;
  private readonly pattern?: { data: Buffer; mask: Buffer };
  private readonly fixedPayload?: Buffer;

  constructor(
    private readonly conn: ConnectionOptions,
    readonly budgetMs: number,
    private readonly o: UdpCheckOptions,
  ) {
    checkConnectionSupported(this.type, conn);
    if (o.reply_data) this.pattern = parsePattern(o.reply_data);
    if (o.payload) this.fixedPayload = Buffer.from(o.payload, 'hex');
    this.target = `UDP_CHECK ${hostPort(conn.address, conn.port)}`;
    this.key = ['UDP_CHECK', conn.address, conn.port, conn.bindto ?? '', conn.bind_port ?? '', conn.bind_if ?? '', budgetMs, JSON.stringify(o)].join('|');
  }

  probe(signal: AbortSignal, deadline: Deadline): Promise<ProbeResult> {
    const where = hostPort(this.conn.address, this.conn.port);
    return udpExchange({
      conn: this.conn,
      signal,
      deadline,
      label: 'UDP',
      payload: () => this.fixedPayload ?? randomBytes(8),
      onReply: (msg, ms) => {
        if (!this.o.require_reply) return ok(`UDP to ${where}: ${msg.length}-byte reply`);
        const problem = replyProblem(msg, this.o, this.pattern);
        return problem ? fail('protocol', `UDP to ${where}: ${problem}`) : ok(`UDP to ${where}: ${msg.length}-byte reply in ${ms.toFixed(0)} ms`);
      },
      onSilence: (ms) =>
        this.o.require_reply ? fail('timeout', `UDP to ${where}: no reply in ${ms.toFixed(0)} ms`) : ok(`UDP to ${where}: no ICMP error in ${ms.toFixed(0)} ms`),
    });
  }
}
