// Pure codec: the HTTP/1.x that HTTP_GET and SSL_GET need (RFC 9112), no I/O. keepalived's GET
// request (check_http.c http_request_thread), and an incremental parser of one response: status
// line, header fields, and the body framed by Content-Length, chunked transfer coding, or the
// end of the connection, handed piece by piece to a sink (MD5, regex) and never held whole.
// The head is bounded (MAX_HEAD_BYTES); the body only by the probe's deadline, as keepalived's.

export type HttpProtocol = '1.0' | '1.0C' | '1.1';

/** Largest response head (status line and header fields) accepted, bytes. */
export const MAX_HEAD_BYTES = 64 * 1024;
/** Largest chunk-size line or trailer line accepted, bytes. */
const MAX_LINE_BYTES = 4096;

/**
 * keepalived's Host value: the virtualhost as configured, else the address and port the probe
 * connects to (an IPv6 address in brackets, RFC 9110 §7.2 / RFC 3986 §3.2.2).
 */
export function hostHeader(address: string, port: number, virtualhost?: string): string {
  if (virtualhost) return virtualhost;
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/**
 * The request bytes. keepalived's template: "GET <path> HTTP/1.<0|1>", User-Agent,
 * "Connection: close" for 1.0C and 1.1 (none for plain 1.0, whose connections close anyway,
 * RFC 9112 §9.3), then Host.
 */
export function buildRequest(path: string, host: string, protocol: HttpProtocol, userAgent: string): Buffer {
  const version = protocol === '1.1' ? '1.1' : '1.0';
  const close = protocol === '1.0' ? '' : 'Connection: close\r\n';
  return Buffer.from(`GET ${path} HTTP/${version}\r\nUser-Agent: ${userAgent}\r\n${close}Host: ${host}\r\n\r\n`, 'latin1');
}

/** Receives body bytes buf[start, end) (after any transfer coding is removed). */
export type BodySink = (buf: Buffer, start: number, end: number) => void;

const enum S {
  Head,
  Length,
  Close,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailers,
  Done,
}

const CR = 13;
const LF = 10;
const SP = 32;
const HT = 9;
const COLON = 58;
const HTTP1 = Buffer.from('HTTP/1.', 'latin1');
const CONTENT_LENGTH = Buffer.from('content-length', 'latin1');
const TRANSFER_ENCODING = Buffer.from('transfer-encoding', 'latin1');

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 48 && c <= 57;
}

function startsWith(b: Buffer, at: number, prefix: Buffer): boolean {
  for (let k = 0; k < prefix.length; k++) if (b[at + k] !== prefix[k]) return false;
  return true;
}

/** Index of the LF ending the line that starts at `i` (or `stop`). */
function lineEnd(b: Buffer, i: number, stop: number): number {
  const j = b.indexOf(LF, i);
  return j < 0 || j > stop ? stop : j;
}

/** The field name b[i, colon) (optional whitespace before the colon aside) equals `lower`, any case. */
function nameIs(b: Buffer, i: number, colon: number, lower: Buffer): boolean {
  let e = colon;
  while (e > i && (b[e - 1] === SP || b[e - 1] === HT)) e--;
  if (e - i !== lower.length) return false;
  for (let k = 0; k < lower.length; k++) {
    const c = b[i + k] as number;
    if (c !== lower[k] && !(c >= 65 && c <= 90 && (c | 0x20) === lower[k])) return false;
  }
  return true;
}

/** The value of b[start, end) when it is 1 to 15 digits between optional SP / HT, else -1. */
function plainDigits(b: Buffer, start: number, end: number): number {
  while (start < end && (b[start] === SP || b[start] === HT)) start++;
  while (end > start && (b[end - 1] === SP || b[end - 1] === HT)) end--;
  if (end === start || end - start > 15) return -1;
  let v = 0;
  for (let k = start; k < end; k++) {
    const c = b[k] as number;
    if (c < 48 || c > 57) return -1;
    v = v * 10 + (c - 48);
  }
  return v;
}

/** One response, fed as it arrives. `error` set means the bytes are not an HTTP/1.x response. */
export class ResponseParser {
  /** Status code of the final (non-1xx) response, 0 until its head is read. */
  status = 0;
  /** Body bytes seen (decoded). */
  bodyBytes = 0;
  /** Bytes received in all (head and body, as sent). */
  received = 0;
  error: string | undefined;
  private s = S.Head;
  private head: Buffer[] = [];
  private headLen = 0;
  private left = 0;
  private line = '';

  constructor(private readonly onBody?: BodySink) {}

  /** Forgets everything: the parser reads a new response. */
  reset(): void {
    this.status = 0;
    this.bodyBytes = 0;
    this.received = 0;
    this.error = undefined;
    this.s = S.Head;
    if (this.head.length) this.head = [];
    this.headLen = 0;
    this.left = 0;
    this.line = '';
  }

  get complete(): boolean {
    return this.s === S.Done;
  }

  /** True once a head has been read and the body needs the end of the connection to end. */
  get closeDelimited(): boolean {
    return this.s === S.Close;
  }

  /** Feeds buf[start, end); returns true when the response is complete (later bytes are ignored). */
  push(buf: Buffer, start: number, end: number): boolean {
    this.received += end - start;
    let i = start;
    while (i < end && this.s !== S.Done && this.error === undefined) {
      switch (this.s) {
        case S.Head:
          i = this.readHead(buf, i, end);
          break;
        case S.Length: {
          const n = Math.min(this.left, end - i);
          this.body(buf, i, i + n);
          i += n;
          this.left -= n;
          if (this.left === 0) this.s = S.Done;
          break;
        }
        case S.Close:
          this.body(buf, i, end);
          i = end;
          break;
        case S.ChunkData: {
          const n = Math.min(this.left, end - i);
          this.body(buf, i, i + n);
          i += n;
          this.left -= n;
          if (this.left === 0) this.s = S.ChunkDataEnd;
          break;
        }
        default:
          i = this.readLine(buf, i, end);
      }
    }
    return this.s === S.Done;
  }

  /**
   * The connection ended. A close-delimited body is then complete (RFC 9112 §6.3 item 8);
   * anything else unfinished is a truncated response, reported by `truncated`.
   */
  end(): void {
    if (this.s === S.Close) this.s = S.Done;
  }

  /** Why an ended response is incomplete, or undefined when it is complete. */
  truncated(): string | undefined {
    if (this.s === S.Done) return undefined;
    if (this.s === S.Head) return this.received === 0 ? 'no response' : 'the response head ended early';
    if (this.s === S.Length) return `${this.left} body bytes missing`;
    return 'the chunked body ended early';
  }

  private body(buf: Buffer, start: number, end: number): void {
    if (end <= start) return;
    this.bodyBytes += end - start;
    this.onBody?.(buf, start, end);
  }

  /** Collects the head up to its empty line (CRLF CRLF, or bare LF LF: RFC 9112 §2.2). */
  private readHead(buf: Buffer, start: number, end: number): number {
    let stop = -1;
    // The terminator may straddle two pieces: look back over what is kept.
    const prev = this.headLen;
    for (let i = start; i < end; i++) {
      if (buf[i] !== LF) continue;
      const b1 = i - 1 >= start ? buf[i - 1] : this.lastHeadByte(1 - (i - start));
      if (b1 === LF) {
        stop = i + 1;
        break;
      }
      if (b1 === CR) {
        const b2 = i - 2 >= start ? buf[i - 2] : this.lastHeadByte(2 - (i - start));
        if (b2 === LF) {
          stop = i + 1;
          break;
        }
      }
    }
    const take = (stop < 0 ? end : stop) - start;
    if (prev + take > MAX_HEAD_BYTES) {
      this.error = `response head larger than ${MAX_HEAD_BYTES} bytes`;
      return end;
    }
    if (stop < 0) {
      this.head.push(Buffer.from(buf.subarray(start, end)));
      this.headLen += take;
      return end;
    }
    if (prev === 0) this.parseHead(buf, start, stop);
    else {
      const whole = Buffer.concat([...this.head, buf.subarray(start, stop)]);
      this.parseHead(whole, 0, whole.length);
    }
    this.head = [];
    this.headLen = 0;
    return stop;
  }

  /** Byte `back` positions before the end of the kept head (1 = last), or -1. */
  private lastHeadByte(back: number): number {
    for (let k = this.head.length - 1; k >= 0; k--) {
      const b = this.head[k] as Buffer;
      if (back <= b.length) return b[b.length - back] as number;
      back -= b.length;
    }
    return -1;
  }

  /** The head in buf[start, stop), read from the bytes: only two field values become strings. */
  private parseHead(b: Buffer, start: number, stop: number): void {
    let eol = lineEnd(b, start, stop);
    const sl = eol > start && b[eol - 1] === CR ? eol - 1 : eol;
    // RFC 9112 §4: status-line = HTTP-version SP status-code SP [ reason-phrase ]
    const st = start + 9;
    if (sl - start < 12 || !startsWith(b, start, HTTP1) || !isDigit(b[start + 7]) || b[start + 8] !== SP || !isDigit(b[st]) || !isDigit(b[st + 1]) || !isDigit(b[st + 2]) || (sl - start > 12 && b[st + 3] !== SP)) {
      this.error = `not an HTTP/1.x status line: ${JSON.stringify(b.toString('latin1', start, Math.min(sl, start + 60)))}`;
      return;
    }
    const status = ((b[st] as number) - 48) * 100 + ((b[st + 1] as number) - 48) * 10 + ((b[st + 2] as number) - 48);
    let length: number | undefined;
    let chunked = false;
    let coded = false;
    for (let i = eol + 1; i < stop; i = eol + 1) {
      eol = lineEnd(b, i, stop);
      let e = eol;
      if (e > i && b[e - 1] === CR) e--;
      if (e === i) continue;
      // RFC 9112 §5.2: obs-fold continues the previous field; neither field read here uses it.
      if (b[i] === SP || b[i] === HT) continue;
      const colon = b.indexOf(COLON, i);
      if (colon < 0 || colon >= e || colon === i) {
        this.error = `malformed header field: ${JSON.stringify(b.toString('latin1', i, Math.min(e, i + 60)))}`;
        return;
      }
      if (nameIs(b, i, colon, CONTENT_LENGTH)) {
        // The usual value, digits between optional whitespace, read from the bytes.
        const v = plainDigits(b, colon + 1, e);
        if (v >= 0 && (length === undefined || length === v)) {
          length = v;
          continue;
        }
        // RFC 9110 §8.6: a list of identical values may be read as one; anything else is an error.
        const value = b.toString('latin1', colon + 1, e);
        for (const v of value.split(',')) {
          const t = v.trim();
          if (!/^\d{1,15}$/.test(t) || (length !== undefined && length !== Number(t))) {
            this.error = `invalid Content-Length: ${JSON.stringify(value.trim().slice(0, 40))}`;
            return;
          }
          length = Number(t);
        }
      } else if (nameIs(b, i, colon, TRANSFER_ENCODING)) {
        coded = true;
        const codings = b.toString('latin1', colon + 1, e).split(',');
        let last = '';
        for (const c of codings) if (c.trim()) last = c.trim().toLowerCase();
        chunked = last === 'chunked';
      }
    }
    // RFC 9110 §15.2: 1xx responses are interim; the final response follows.
    if (status >= 100 && status < 200) return;
    this.status = status;
    // RFC 9112 §6.3: 204 and 304 have no body; Transfer-Encoding overrides Content-Length;
    // a response coded other than chunked last, or with neither, ends with the connection.
    if (status === 204 || status === 304) this.s = S.Done;
    else if (coded) this.s = chunked ? S.ChunkSize : S.Close;
    else if (length !== undefined) {
      this.left = length;
      this.s = length === 0 ? S.Done : S.Length;
    } else this.s = S.Close;
  }

  /** Chunk-size lines, the CRLF after chunk data, and trailer lines (RFC 9112 §7.1). */
  private readLine(buf: Buffer, start: number, end: number): number {
    let i = start;
    while (i < end && buf[i] !== LF) i++;
    if (i === end) {
      this.line += buf.toString('latin1', start, end);
      if (this.line.length > MAX_LINE_BYTES) this.error = 'chunked body line too long';
      return end;
    }
    const line = (this.line + buf.toString('latin1', start, i)).replace(/\r$/, '');
    this.line = '';
    const next = i + 1;
    if (this.s === S.ChunkDataEnd) {
      if (line !== '') this.error = 'chunk data not followed by CRLF';
      else this.s = S.ChunkSize;
    } else if (this.s === S.ChunkSize) {
      // chunk-size [ chunk-ext ]: hex digits, then extensions after ';' (ignored).
      const m = /^([0-9a-fA-F]{1,12})[ \t]*(?:;.*)?$/.exec(line);
      if (!m) {
        this.error = `invalid chunk size line: ${JSON.stringify(line.slice(0, 40))}`;
        return next;
      }
      this.left = parseInt(m[1] as string, 16);
      this.s = this.left === 0 ? S.Trailers : S.ChunkData;
    } else if (this.s === S.Trailers) {
      if (line === '') this.s = S.Done;
    }
    return next;
  }
}
