// OS edge: DNS_CHECK. One probe = one query over UDP (RFC 1035 §4.1), answered with the same ID,
// QR set and RCODE 0 before the deadline (keepalived check_dns.c: replies with another ID or
// without QR are ignored and the wait goes on; any RCODE but NOERROR fails).
import { randomInt } from 'node:crypto';
import { checkConnectionSupported, type ConnectionOptions } from './connect.js';
import { fail, hostPort, ok, type Checker, type Deadline, type ProbeResult } from './types.js';
import { udpExchange } from './udp-exchange.js';

/** RFC 1035 §3.2.2 / RFC 3596: the types keepalived's DNS_CHECK accepts. */
export const DNS_TYPE_CODES: Readonly<Record<string, number>> = { A: 1, NS: 2, CNAME: 5, SOA: 6, MX: 15, TXT: 16, AAAA: 28 };

/** A query as keepalived builds it: RD set, one question of class IN. */
export function encodeQuery(id: number, name: string, type: number): Buffer {
  const labels = name === '.' ? [] : name.replace(/\.$/, '').split('.');
  const qname = Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.of(l.length), Buffer.from(l, 'ascii')])), Buffer.of(0)]);
  const h = Buffer.alloc(12);
  h.writeUInt16BE(id, 0);
  h.writeUInt16BE(0x0100, 2); // RD (RFC 1035 §4.1.1)
  h.writeUInt16BE(1, 4); // QDCOUNT
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(type, 0);
  tail.writeUInt16BE(1, 2); // class IN
  return Buffer.concat([h, qname, tail]);
}

/** `ignore`: not the answer to this query (keep waiting); otherwise the verdict. */
export function judgeReply(id: number, msg: Buffer): 'ignore' | { rcode: number } {
  if (msg.length < 12) return 'ignore';
  if (msg.readUInt16BE(0) !== id) return 'ignore';
  const flags = msg.readUInt16BE(2);
  if ((flags & 0x8000) === 0) return 'ignore'; // QR clear: a query, not a response
  return { rcode: flags & 0x000f };
}

export class DnsChecker implements Checker {
  readonly type = 'DNS_CHECK';
  readonly key: string;
  readonly target: string;
  private readonly qtype: number;

  constructor(
    private readonly conn: ConnectionOptions,
    readonly budgetMs: number,
    private readonly queryType: string,
    private readonly name: string,
  ) {
    checkConnectionSupported(this.type, conn);
    this.qtype = DNS_TYPE_CODES[queryType] ?? 6;
    this.target = `DNS_CHECK ${hostPort(conn.address, conn.port)} ${name} ${queryType}`;
    this.key = ['DNS_CHECK', conn.address, conn.port, conn.bindto ?? '', conn.bind_port ?? '', conn.bind_if ?? '', budgetMs, queryType, name].join('|');
  }

  probe(signal: AbortSignal, deadline: Deadline): Promise<ProbeResult> {
    const where = hostPort(this.conn.address, this.conn.port);
    const id = randomInt(0, 65536);
    return udpExchange({
      conn: this.conn,
      signal,
      deadline,
      label: 'DNS query',
      payload: () => encodeQuery(id, this.name, this.qtype),
      onReply: (msg, ms) => {
        const v = judgeReply(id, msg);
        if (v === 'ignore') return undefined;
        if (v.rcode !== 0) return fail('protocol', `DNS query ${this.name} ${this.queryType} to ${where}: rcode ${v.rcode}`);
        return ok(`DNS ${this.name} ${this.queryType} answered by ${where} in ${ms.toFixed(0)} ms`);
      },
      onSilence: (ms) => fail('timeout', `DNS query ${this.name} ${this.queryType} to ${where}: no answer in ${ms.toFixed(0)} ms`),
    });
  }
}
