// The quorum every virtual server starts with is one info line (keepalived logs "Gained quorum"
// per virtual server at start: 10,000 lines for 10,000 services); the per-service lines are at
// debug; a virtual server starting without quorum keeps its own info line; a reload that changes a
// quorum reports it as a change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Daemon } from '../../../src/daemon/daemon.js';
import { FakeKernel } from '../ipvs/fake-kernel.js';

/** VS 3 starts without quorum when `alpha3` (its one server's checker starts failed: a closed loopback port). */
function conf(alpha3: boolean): string {
  const vs = (i: number, extra: string[], rs: string[]) => [`virtual_server 10.0.0.${i} 80 {`, '  lvs_sched wrr', '  lvs_method NAT', '  protocol TCP', ...extra, ...rs, '}'];
  const plain = (i: number) => [`  real_server 10.1.0.${i} 80 {`, '    weight 1', '  }'];
  return [
    ...vs(1, [], plain(1)),
    ...vs(2, [], plain(2)),
    ...vs(3, alpha3 ? ['  alpha', '  delay_loop 60', '  sorry_server 10.9.9.9 80'] : ['  sorry_server 10.9.9.9 80'], alpha3 ? ['  real_server 127.0.0.1 1 {', '    TCP_CHECK {', '      connect_timeout 1', '    }', '  }'] : plain(3)),
  ].join('\n') + '\n';
}

for (const level of ['info', 'debug'] as const) {
  test(`initial quorum at log level ${level}: one summary line, per-service lines only at debug`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lvsd-initial-quorum-'));
    const file = join(dir, 'k.conf');
    writeFileSync(file, conf(true));
    const logs: Record<string, unknown>[] = [];
    const sink = new PassThrough();
    sink.on('data', (c: Buffer) => {
      for (const l of String(c).split('\n')) if (l.startsWith('{')) logs.push(JSON.parse(l) as Record<string, unknown>);
    });
    const ac = new AbortController();
    let d!: Daemon;
    const ready = new Promise<void>((r) => {
      d = new Daemon(
        { file, mode: 'check-only', kernel: new FakeKernel(), ownedFile: join(dir, 'owned.json'), signal: ac.signal, logDestination: sink, logLevel: level, version: '0', onReady: () => r() },
        { out: () => undefined, err: () => undefined },
      );
    });
    const done = d.run();
    try {
      await ready;
      await new Promise((r) => setImmediate(r));
      const summary = logs.filter((l) => l.event === 'lvs.quorum.initial');
      assert.equal(summary.length, 1);
      assert.equal(summary[0]?.quorumUp, 2);
      assert.equal(summary[0]?.quorumDown, 1);
      assert.equal(summary[0]?.msg, 'virtual servers at start: 2 with quorum, 1 without');
      const gained = logs.filter((l) => /Gained quorum/.test(String(l.msg)));
      if (level === 'info') assert.deepEqual(gained, []);
      else assert.deepEqual(gained.map((l) => [l.level, l.event, l.msg]), [1, 2].map((i) => [20, 'lvs.initial', `Gained quorum 1+0=1 <= 1 for VS [10.0.0.${i}]:tcp:80`]));
      assert.ok(logs.some((l) => l.level === 30 && /Starting with quorum down 1-0=1 > 0 for VS \[10\.0\.0\.3\]:tcp:80/.test(String(l.msg))), 'a virtual server without quorum keeps its info line');
      assert.deepEqual(logs.filter((l) => l.event === 'lvs.quorum'), [], 'the starting state is not reported as a change');

      // A reload that gives VS 3 a server alive from the start: its quorum is up, reported as a change.
      writeFileSync(file, conf(false));
      const r = await d.reload();
      assert.equal(r.ok, true, r.message);
      const by = Date.now() + 2000;
      while (!logs.some((l) => l.event === 'lvs.quorum') && Date.now() < by) await new Promise((res) => setTimeout(res, 10));
      assert.deepEqual(logs.filter((l) => l.event === 'lvs.quorum').map((l) => [l.vs, l.up]), [['[10.0.0.3]:tcp:80', true]]);
      // Its new real server (another address: matched by address and port) is reported once; the
      // unchanged virtual servers report nothing.
      assert.deepEqual(logs.filter((l) => l.event === 'lvs.rs').map((l) => l.msg), ['[10.1.0.3]:tcp:80 of VS [10.0.0.3]:tcp:80 is up']);
    } finally {
      ac.abort();
      await done;
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
