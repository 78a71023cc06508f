// `lvsd check-config` reports the checkers `lvsd run` would refuse or run differently, located at
// their virtual_server block, one message per real server even when checkers share a shape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkText } from './check-run.js';

const check = checkText;

const vs = (checker: string, n: number) =>
  ['', 'virtual_server 10.0.0.1 80 {', '  lvs_sched rr', '  lvs_method NAT', '  protocol TCP', ...Array.from({ length: n }, (_, i) => `  real_server 10.0.0.${11 + i} 80 {\n${checker}\n  }`), '}'].join('\n');

test('a checker lvsd cannot run is an error at check time, for each real server', async () => {
  const r = await check(vs('    TCP_CHECK {\n      fwmark 5\n    }', 3));
  assert.equal(r.code, 2, r.out);
  const errs = r.out.split('\n').filter((l) => l.includes(': error: '));
  assert.equal(errs.length, 3, r.out);
  errs.forEach((l, i) => {
    assert.match(l, /^K:2:1: error: TCP_CHECK of real server 10\.0\.0\.\d+:80 \(virtual server \[10\.0\.0\.1\]:tcp:80\): .*fwmark needs SO_MARK/);
    assert.ok(l.includes(`10.0.0.${11 + i}:80`), l);
  });
});

test('a checker lvsd runs differently is a note (the exit status stays clean); a clean one says nothing', async () => {
  const w = await check(vs('    HTTP_GET {\n      url {\n        path /\n        status_code 200\n      }\n      http_protocol 1.0\n    }', 2));
  assert.equal(w.code, 0, w.out);
  assert.equal(w.out.split('\n').filter((l) => /K:2:1: info: HTTP_GET of real server 10\.0\.0\.1[12]:80: requests are sent as HTTP\/1\.1/.test(l)).length, 2, w.out);
  const ok = await check(vs('    TCP_CHECK {\n      connect_timeout 3\n    }', 2));
  assert.equal(ok.code, 0, ok.out);
});
