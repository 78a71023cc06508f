// Host test: `make lab` works. Runs the lab demo's entry (test/lab/demo/main.ts) as a child process,
// as `make lab` does, and checks its exit status, its progress lines and its report's figures: the
// election, steady traffic through both VIPs to both real servers, a takeover within the VRRP bound
// with the requests lost confined to it (none through the other VIP), the sorry server within the
// health-check bound, the metrics scrape (when this build has metrics: otherwise the demo must say
// so and fail that step only), nothing left behind. Also: without root it says so in one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { run } from '../lab/proc.js';
import { umlMissing } from '../lab/uml.js';
import { probeRunFeatures } from '../lab/demo/lvsd.js';
import { rootMissing, which } from '../util/env.js';

const DEMO = fileURLToPath(new URL('../lab/demo/main.js', import.meta.url));
/** The demo's slack on timing bounds (LVSD_TIMING_TOLERANCE_MS, default 500 ms). */
const SLACK_S = Number(process.env.LVSD_TIMING_TOLERANCE_MS ?? 500) / 1000;

test('lab demo: every step does what it should, the report names the figures, nothing is left behind', { timeout: 400_000 }, async (t) => {
  const why = rootMissing(['ip', 'bash', 'ipvsadm']) ?? umlMissing();
  if (why) {
    process.stderr.write(`# skipped: ${why}\n`);
    return t.skip(why);
  }
  const features = await probeRunFeatures();
  const r = await run([process.execPath, DEMO], { allowFail: true, timeoutMs: 380_000, name: 'lab demo' });
  process.stderr.write(r.stdout.split('\n').map((l) => `  [demo] ${l}\n`).join(''));
  if (r.stderr) process.stderr.write(r.stderr.split('\n').map((l) => `  [demo:err] ${l}\n`).join(''));
  const out = r.stdout;
  for (let n = 1; n <= 7; n++) assert.match(out, new RegExp(`^\\[${n}/7\\] \\S`, 'm'), `progress line of step ${n}`);
  const row = (n: number, name: string): string => {
    const m = new RegExp(`^  ${n}  ${name}\\s+(PASS|FAIL)\\s+(.*)$`, 'm').exec(out);
    assert.ok(m, `report row ${n} (${name})`);
    return `${m[1]} ${m[2]}`;
  };
  const num = (s: string | undefined): number => Number(s);
  assert.match(row(1, 'check-config'), /^PASS both files clean/);

  const r2 = /^PASS VI_1 -> A in ([\d.]+) s, VI_2 -> B in ([\d.]+) s .*listings identical to ipvsadm: yes$/.exec(row(2, 'election, IPVS tables'));
  assert.ok(r2, row(2, 'election, IPVS tables'));
  // A director starts as BACKUP and waits Master_Down_Interval (3.41 s) after its start-up.
  assert.ok(num(r2[1]) >= 3.4 && num(r2[2]) >= 3.4, `elected after ${r2[1]} s and ${r2[2]} s: faster than Master_Down_Interval`);

  const r3 = /^PASS VIP1 rs1 (\d+), rs2 (\d+); VIP2 rs1 (\d+), rs2 (\d+) \((\d+) requests\/s\)$/.exec(row(3, 'steady traffic'));
  assert.ok(r3, row(3, 'steady traffic'));
  for (const i of [1, 2, 3, 4]) assert.ok(num(r3[i]) > 0, 'both real servers answer through both VIPs');
  assert.ok(num(r3[5]) >= 20 && num(r3[5]) <= 41, `${r3[5]} requests/s (the client sends 40/s)`);

  const r4 = /^PASS VIP1 on B ([\d.]+) s after the kill \(bound ([\d.]+) s\); first answer via B ([\d.]+) s; lost (\d+) of (\d+) \(VIP1\), 0 \(VIP2\)$/.exec(row(4, 'crash and takeover'));
  assert.ok(r4, row(4, 'crash and takeover'));
  const [takeover, bound, firstAnswer, lost] = [num(r4[1]), num(r4[2]), num(r4[3]), num(r4[4])];
  assert.equal(bound, 3.61, 'RFC 3768 Master_Down_Interval of the priority-100 backup');
  assert.ok(takeover <= bound + SLACK_S && takeover >= bound - 1.1, `takeover ${takeover} s against the bound ${bound} s`);
  assert.ok(firstAnswer >= takeover - 0.05 && firstAnswer <= takeover + 1 + SLACK_S, `first answer through B ${firstAnswer} s after the kill, VIP on B at ${takeover} s`);
  // A machine crash: the client loses what it sends to VIP1 until B's gratuitous ARP, at 20 requests/s.
  assert.ok(lost >= Math.floor((takeover - 0.6) * 20 * 0.7) && lost <= Math.ceil((firstAnswer + 1) * 20 * 1.1), `${lost} requests lost in a ${firstAnswer} s takeover`);
  assert.match(out, /failed after it: 0$/m);

  const r5 = /^PASS in ([\d.]+) s after rs1 and rs2 stopped \(bound ([\d.]+) s\); answering VIP1 ([\d.]+) s, VIP2 ([\d.]+) s$/.exec(row(5, 'sorry server'));
  assert.ok(r5, row(5, 'sorry server'));
  assert.ok(num(r5[1]) <= num(r5[2]) + 1, `sorry server in after ${r5[1]} s (bound ${r5[2]} s)`);
  assert.match(out, /VIP1 10\.88\.0\.100: first answer from the sorry server .*; since then: sorry \d+$/m);
  assert.match(out, /VIP2 10\.88\.0\.200: first answer from the sorry server .*; since then: sorry \d+$/m);

  const r6 = row(6, 'metrics');
  assert.match(row(7, 'clean-up'), /^PASS nothing left behind$/);
  assert.match(out, /^      B: SIGTERM, exit 0$/m);
  assert.match(out, /^      B's IPVS table empty$/m);
  if (features.metrics) {
    assert.match(r6, /^PASS \d+ samples; VI_1 and VI_2 MASTER on B: yes; IPVS counters for 10\.88\.0\.100 [1-9]\d*, 10\.88\.0\.200 [1-9]\d*$/);
    assert.match(out, /^      keepalived_vrrp_state\{.*iname="VI_1".*\} \d+$/m);
    assert.equal(r.code, 0, `the demo exited ${r.code ?? r.signal}`);
    assert.match(out, /^lab demo: PASS \(7 passed, 0 failed\) in [\d.]+ s$/m);
  } else {
    // Without metrics in the build the demo says so, fails that step only, and exits 1.
    assert.equal(r6, 'FAIL not available in this build');
    assert.equal(r.code, 1, `the demo exited ${r.code ?? r.signal}`);
    assert.match(out, /^lab demo: FAIL \(6 passed, 1 failed\) in [\d.]+ s$/m);
  }
});

test('lab demo without root: one line saying so, exit non-zero', async (t) => {
  const why = rootMissing() ?? (which('setpriv') ? undefined : 'needs setpriv (util-linux) to drop to an unprivileged user');
  if (why) {
    process.stderr.write(`# skipped: ${why}\n`);
    return t.skip(why);
  }
  const r = await run(['setpriv', '--reuid', '65534', '--regid', '65534', '--clear-groups', process.execPath, DEMO], { allowFail: true, timeoutMs: 30_000 });
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^lvsd lab demo: needs root \(network namespaces, VRRP raw sockets, User-Mode Linux\)/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});
