// What a daemon's start prints of its configuration's diagnostics: every error, and a warning
// repeated word for word shown three times, then counted (check-config still lists each).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatForRun, type Diagnostic } from '../../../src/config/diagnostics.js';
import { loadToRun } from '../../../src/config/load.js';
import { checkText } from './check-run.js';

const at = (line: number) => ({ file: 'k.conf', line, col: 3 });
const dep = (line: number): Diagnostic => ({ severity: 'warning', code: 'deprecated-keyword', message: "'lb_algo' is deprecated; use 'lvs_sched'", loc: at(line) });

test('formatForRun: errors all printed; a repeated warning three times, then one count line after the rest', () => {
  const diags: Diagnostic[] = [
    dep(5),
    dep(10),
    { severity: 'error', code: 'out-of-range', message: 'weight 70000 out of range', loc: at(12) },
    dep(15),
    { severity: 'warning', code: 'unknown-keyword', message: "unknown keyword 'lb_algoo'", loc: at(18) },
    dep(20),
    dep(25),
    { severity: 'error', code: 'out-of-range', message: 'weight 70000 out of range', loc: at(30) },
  ];
  assert.deepEqual(formatForRun(diags), [
    "k.conf:5:3: warning: 'lb_algo' is deprecated; use 'lvs_sched'",
    "k.conf:10:3: warning: 'lb_algo' is deprecated; use 'lvs_sched'",
    'k.conf:12:3: error: weight 70000 out of range',
    "k.conf:15:3: warning: 'lb_algo' is deprecated; use 'lvs_sched'",
    "k.conf:18:3: warning: unknown keyword 'lb_algoo'",
    'k.conf:30:3: error: weight 70000 out of range',
    "k.conf:5:3: warning: 'lb_algo' is deprecated; use 'lvs_sched': 2 more like this (`lvsd check-config` lists each)",
  ]);
  // Three or fewer: no count line.
  assert.deepEqual(formatForRun([dep(1), dep(2), dep(3)]).length, 3);
  assert.deepEqual(formatForRun([]), []);
});

const vs = (i: number) => `virtual_server 10.0.0.${i} 80 {\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n  real_server 192.168.0.${i} 80 {\n    weight 1\n  }\n}\n`;

test('lvsd run start (loadToRun): 50 virtual servers with the old keywords print 3 + 3 lines and two counts; check-config prints all 100', async () => {
  const text = Array.from({ length: 50 }, (_, i) => vs(i + 1)).join('');
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-rd-'));
  const f = join(dir, 'k.conf');
  writeFileSync(f, text);
  try {
    const lines: string[] = [];
    const r = loadToRun(f, undefined, (s) => lines.push(s.split(f).join('K')));
    assert.equal(r.ok, true);
    const algo = lines.filter((l) => l.includes("'lb_algo' is deprecated"));
    const kind = lines.filter((l) => l.includes("'lb_kind' is deprecated"));
    assert.deepEqual(algo, [
      "K:2:3: warning: 'lb_algo' is deprecated; use 'lvs_sched'",
      "K:10:3: warning: 'lb_algo' is deprecated; use 'lvs_sched'",
      "K:18:3: warning: 'lb_algo' is deprecated; use 'lvs_sched'",
      "K:2:3: warning: 'lb_algo' is deprecated; use 'lvs_sched': 47 more like this (`lvsd check-config` lists each)",
    ]);
    assert.equal(kind.length, 4);
    assert.match(kind[3] as string, /: 47 more like this/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const cc = await checkText(text);
  assert.equal(cc.out.split('\n').filter((l) => l.includes('is deprecated')).length, 100);
});
