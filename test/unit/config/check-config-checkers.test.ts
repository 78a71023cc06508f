// `lvsd check-config` reports the checkers `lvsd run` would refuse or run differently, located at
// their virtual_server block, one message per real server even when checkers share a shape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkText } from './check-run.js';
import { emitKeepalived } from '../../../src/config/keepalived/emit.js';
import { parseKeepalivedText } from '../../../src/config/keepalived/parse.js';
import { resolveLvs } from '../../../src/config/resolve-lvs.js';
import { memFs } from './memfs.js';

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

test('checkers lvsd runs as keepalived does say nothing (http_protocol is sent as written)', async () => {
  for (const p of ['1.0', '1.0C', '1.1']) {
    const w = await check(vs(`    HTTP_GET {\n      url {\n        path /\n        status_code 200\n      }\n      http_protocol ${p}\n    }`, 2));
    assert.equal(w.code, 0, w.out);
    assert.equal(w.out.split('\n').filter((l) => /HTTP_GET of real server/.test(l)).length, 0, w.out);
  }
  const ok = await check(vs('    TCP_CHECK {\n      connect_timeout 3\n    }', 2));
  assert.equal(ok.code, 0, ok.out);
});

test('SSL_GET sni_name (lvsd): read, implies enable_sni, written back by convert; refused in HTTP_GET', async () => {
  const text = vs('    SSL_GET {\n      url {\n        path /\n      }\n      sni_name www.example.test\n    }', 1);
  const ssl = await check(text);
  assert.equal(ssl.code, 0, ssl.out);
  const parsed = parseKeepalivedText(text, '/k.conf', memFs({}), { configId: 'x' });
  const ck = resolveLvs(parsed.model).virtual_servers[0]?.real_servers[0]?.checkers[0];
  assert.equal(ck?.type, 'SSL_GET');
  assert.ok(ck?.type === 'SSL_GET' && ck.enable_sni && ck.sni_name === 'www.example.test', JSON.stringify(ck));
  assert.match(emitKeepalived(parsed.model), /\n\s+sni_name www\.example\.test\n/);
  const plain = await check(vs('    HTTP_GET {\n      url {\n        path /\n      }\n      sni_name www.example.test\n    }', 1));
  assert.match(plain.out, /sni_name.*SNI applies to SSL_GET only/, plain.out);
});
