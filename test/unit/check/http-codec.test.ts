// The HTTP/1.x codec of HTTP_GET / SSL_GET: keepalived's request bytes per http_protocol, and the
// response parser over every framing (Content-Length, chunked, close-delimited), fed whole and
// split at every possible point, with the malformed cases it must refuse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildRequest, hostHeader, MAX_HEAD_BYTES, ResponseParser } from '../../../src/check/http-codec.js';

/** Feeds `pieces` in order; returns what the parser saw. */
function parse(pieces: Buffer[], eof = true) {
  const body: Buffer[] = [];
  const p = new ResponseParser((b, s, e) => body.push(Buffer.from(b.subarray(s, e))));
  let completeAt = -1;
  pieces.forEach((x, i) => {
    if (p.push(x, 0, x.length) && completeAt < 0) completeAt = i;
  });
  if (eof) p.end();
  return { p, body: Buffer.concat(body).toString('latin1'), completeAt };
}

/** Splits `b` at the given cut points. */
function split(b: Buffer, cuts: number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => c % (b.length + 1)))].sort((x, y) => x - y);
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of at) {
    out.push(b.subarray(prev, c));
    prev = c;
  }
  out.push(b.subarray(prev));
  return out;
}

test('request bytes follow keepalived per http_protocol; Host is the virtualhost or address:port', () => {
  assert.equal(buildRequest('/h', '10.0.0.1:80', '1.0', 'KeepAliveClient').toString(), 'GET /h HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: 10.0.0.1:80\r\n\r\n');
  assert.equal(buildRequest('/h', 'www', '1.0C', 'UA').toString(), 'GET /h HTTP/1.0\r\nUser-Agent: UA\r\nConnection: close\r\nHost: www\r\n\r\n');
  assert.equal(buildRequest('/h?a=1', 'www', '1.1', 'UA').toString(), 'GET /h?a=1 HTTP/1.1\r\nUser-Agent: UA\r\nConnection: close\r\nHost: www\r\n\r\n');
  assert.equal(hostHeader('10.0.0.1', 8080), '10.0.0.1:8080');
  assert.equal(hostHeader('2001:db8::1', 80), '[2001:db8::1]:80');
  assert.equal(hostHeader('2001:db8::1', 80, 'www.example.test'), 'www.example.test');
});

test('Content-Length: the body ends after that many bytes, complete before the connection closes', () => {
  const r = parse([Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX: y\r\n\r\nhello')], false);
  assert.equal(r.p.complete, true);
  assert.equal(r.p.status, 200);
  assert.equal(r.body, 'hello');
  // Bytes after the body (a server that keeps talking) are not body.
  const extra = parse([Buffer.from('HTTP/1.1 200 OK\r\ncontent-length:2\r\n\r\nokEXTRA')]);
  assert.equal(extra.body, 'ok');
  // Identical repeated values are one length (RFC 9110 §8.6); differing ones are an error.
  assert.equal(parse([Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok')]).body, 'ok');
  assert.match(parse([Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok')]).p.error ?? '', /Content-Length/);
  assert.match(parse([Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n')]).p.error ?? '', /Content-Length/);
  // Closed early: truncated, with the number of missing bytes.
  const short = parse([Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc')]);
  assert.equal(short.p.complete, false);
  assert.equal(short.p.truncated(), '7 body bytes missing');
});

test('chunked: decoded body, extensions and trailers; Transfer-Encoding wins over Content-Length', () => {
  const raw = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 999\r\n\r\n4;ext=1\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nTrailer: x\r\n\r\n';
  const r = parse([Buffer.from(raw)], false);
  assert.equal(r.p.complete, true);
  assert.equal(r.body, 'Wikipedia in\r\n\r\nchunks.');
  assert.match(parse([Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n')]).p.error ?? '', /chunk size/);
  assert.match(parse([Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokX\r\n')]).p.error ?? '', /CRLF/);
  const cut = parse([Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n')]);
  assert.equal(cut.p.truncated(), 'the chunked body ended early');
  // A coding other than chunked last: the body runs to the end of the connection (RFC 9112 §6.3).
  const gz = parse([Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\nraw bytes')], false);
  assert.equal(gz.p.complete, false);
  assert.equal(gz.p.closeDelimited, true);
});

test('close-delimited body completes at EOF; 204 and 304 have none; 1xx responses are skipped', () => {
  const r = parse([Buffer.from('HTTP/1.0 200 OK\r\nServer: x\r\n\r\nuntil'), Buffer.from(' the end')], false);
  assert.equal(r.p.complete, false);
  r.p.end();
  assert.equal(r.p.complete, true);
  assert.equal(r.body, 'until the end');
  assert.equal(parse([Buffer.from('HTTP/1.1 204 No Content\r\n\r\n')], false).p.complete, true);
  assert.equal(parse([Buffer.from('HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n')], false).p.complete, true);
  const cont = parse([Buffer.from('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 503 Busy\r\nContent-Length: 1\r\n\r\nx')], false);
  assert.equal(cont.p.status, 503);
  assert.equal(cont.body, 'x');
  // Bare LF line ends are accepted (RFC 9112 §2.2).
  assert.equal(parse([Buffer.from('HTTP/1.1 200 OK\nContent-Length: 2\n\nok')], false).body, 'ok');
  // A status line without a reason phrase.
  assert.equal(parse([Buffer.from('HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n')], false).p.status, 200);
});

test('malformed responses are refused with the reason; the head is bounded', () => {
  assert.match(parse([Buffer.from('SSH-2.0-OpenSSH_9.2\r\n\r\n')]).p.error ?? '', /status line/);
  assert.match(parse([Buffer.from('HTTP/2.0 200 OK\r\n\r\n')]).p.error ?? '', /status line/);
  assert.match(parse([Buffer.from('HTTP/1.1 20 OK\r\n\r\n')]).p.error ?? '', /status line/);
  assert.match(parse([Buffer.from('HTTP/1.1 200 OK\r\nno colon here\r\n\r\n')]).p.error ?? '', /header field/);
  const big = parse([Buffer.from('HTTP/1.1 200 OK\r\n'), Buffer.alloc(MAX_HEAD_BYTES, 'a')]);
  assert.match(big.p.error ?? '', /larger than/);
  assert.equal(parse([]).p.truncated(), 'no response');
  assert.equal(parse([Buffer.from('HTTP/1.1 200 OK\r\n')]).p.truncated(), 'the response head ended early');
});

test('property: any split of a response into pieces parses as the whole does', () => {
  const responses = fc.record({
    status: fc.integer({ min: 200, max: 599 }).filter((s) => s !== 204 && s !== 304),
    body: fc.string({ maxLength: 300 }).map((s) => Buffer.from(s, 'utf8').toString('latin1')),
    framing: fc.constantFrom('length', 'chunked', 'close'),
    chunk: fc.integer({ min: 1, max: 40 }),
    lf: fc.boolean(),
  });
  fc.assert(
    fc.property(responses, fc.array(fc.nat(), { maxLength: 8 }), (r, cuts) => {
      const nl = r.lf ? '\n' : '\r\n';
      let head = `HTTP/1.1 ${r.status} X${nl}Server: t${nl}`;
      let payload = r.body;
      if (r.framing === 'length') head += `Content-Length: ${Buffer.byteLength(r.body, 'latin1')}${nl}`;
      if (r.framing === 'chunked') {
        head += `Transfer-Encoding: chunked${nl}`;
        payload = '';
        for (let i = 0; i < r.body.length; i += r.chunk) {
          const part = r.body.slice(i, i + r.chunk);
          payload += `${Buffer.byteLength(part, 'latin1').toString(16)}\r\n${part}\r\n`;
        }
        payload += '0\r\n\r\n';
      }
      const whole = Buffer.from(`${head}${nl}${payload}`, 'latin1');
      const got = parse(split(whole, cuts));
      assert.equal(got.p.error, undefined);
      assert.equal(got.p.complete, true);
      assert.equal(got.p.status, r.status);
      assert.equal(got.body, r.body);
      assert.equal(got.p.bodyBytes, Buffer.byteLength(r.body, 'latin1'));
    }),
    { numRuns: 400 },
  );
});

test('Content-Length values with whitespace, lists and junk; a reset parser reads the next response afresh', () => {
  const parse = (p: ResponseParser, head: string): ResponseParser => {
    p.push(Buffer.from(head, 'latin1'), 0, head.length);
    return p;
  };
  const ok = parse(new ResponseParser(), 'HTTP/1.1 200 OK\r\nContent-Length: \t 3 \r\n\r\nabc');
  assert.equal(ok.complete, true);
  assert.equal(ok.bodyBytes, 3);
  assert.equal(parse(new ResponseParser(), 'HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nab').complete, true);
  assert.match(parse(new ResponseParser(), 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n').error ?? '', /invalid Content-Length: "3"/);
  assert.match(parse(new ResponseParser(), 'HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n').error ?? '', /invalid Content-Length/);
  assert.match(parse(new ResponseParser(), 'HTTP/1.1 200 OK\r\nContent-Length: 1234567890123456\r\n\r\n').error ?? '', /invalid Content-Length/);
  const p = parse(new ResponseParser(), 'HTTP/1.1 404 Not Found\r\nContent-Length: 10\r\n\r\nabc');
  assert.equal(p.complete, false);
  p.reset();
  parse(p, 'HTTP/1.1 204 No Content\r\n\r\n');
  assert.equal(p.status, 204);
  assert.equal(p.complete, true);
  assert.equal(p.received, 'HTTP/1.1 204 No Content\r\n\r\n'.length);
});
