// `lvsd run --check-only` end to end on loopback: keepalived.conf in, HTTP_GET against real
// servers that fail on command, the table in an in-memory IPVS kernel after each fault of the
// side-by-side sequence (stop rs1, stop rs2, start rs1, start rs2), logs once per change, and
// everything removed at stop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { runCheckOnly } from '../../../src/check/run-check-only.js';
import { FakeKernel } from '../ipvs/fake-kernel.js';
import { MisbehavingHttpServer } from './servers.js';

function conf(p1: number, p2: number, dir: string): string {
  return `
global_defs {
  router_id unit
}
virtual_server 10.0.0.100 80 {
  delay_loop 0.3
  lb_algo wrr
  lb_kind NAT
  protocol TCP
  sorry_server 127.0.0.9 80
  real_server 127.0.0.1 ${p1} {
    weight 1
    inhibit_on_failure
    HTTP_GET {
      url {
        path /
        status_code 200
      }
      connect_timeout 0.5
      retry 1
      delay_before_retry 0.2
    }
  }
  real_server 127.0.0.2 ${p2} {
    weight 2
    notify_down "/bin/touch ${dir}/rs2-down"
    notify_up "/bin/touch ${dir}/rs2-up"
    HTTP_GET {
      url {
        path /
        status_code 200
      }
      connect_ip 127.0.0.1
      connect_timeout 0.5
      retry 1
      delay_before_retry 0.2
    }
  }
}
`;
}

/** "address:port weight" of every destination, sorted. */
function dests(k: FakeKernel): string[] {
  const out: string[] = [];
  for (const s of k.table.values()) for (const d of s.dests.values()) out.push(`${d.address}:${d.port} w${d.weight}`);
  return out.sort();
}

async function until(what: string, f: () => boolean, ms = 8000): Promise<void> {
  const t0 = Date.now();
  while (!f()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('check-only: the fault sequence gives keepalived\'s table at each step; stop removes the service', async () => {
  const rs1 = await MisbehavingHttpServer.start();
  const rs2 = await MisbehavingHttpServer.start();
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-checkonly-'));
  const k = new FakeKernel();
  const ac = new AbortController();
  const logs: { msg: string; event: string }[] = [];
  const sink = new PassThrough();
  sink.on('data', (b: Buffer) => {
    for (const l of b.toString().split('\n')) if (l.trim()) logs.push(JSON.parse(l));
  });
  const errors: string[] = [];
  try {
    const file = join(dir, 'keepalived.conf');
    writeFileSync(file, conf(rs1.port, rs2.port, dir));
    let ready = false;
    const done = runCheckOnly({ file, kernel: k, signal: ac.signal, logDestination: sink, onReady: () => (ready = true) }, { out: () => undefined, err: (s) => errors.push(s) });
    await until('ready', () => ready);
    const p1 = `127.0.0.1:${rs1.port}`;
    const p2 = `127.0.0.2:${rs2.port}`;
    const steps: string[][] = [dests(k)];
    const expect = (label: string, want: string[]) => until(label, () => JSON.stringify(dests(k)) === JSON.stringify([...want].sort())).then(() => steps.push(dests(k)));
    assert.deepEqual(dests(k), [`${p1} w1`, `${p2} w2`].sort());
    rs1.set({ status: 500 });
    await expect('rs1 inhibited', [`${p1} w0`, `${p2} w2`]);
    rs2.set({ closeAtAccept: true });
    await expect('sorry server in', [`${p1} w0`, '127.0.0.9:80 w1']);
    await until('notify_down ran', () => existsSync(join(dir, 'rs2-down')));
    assert.equal(existsSync(join(dir, 'rs2-up')), false);
    rs1.set({ status: 200 });
    await expect('rs1 back, sorry out', [`${p1} w1`]);
    rs2.set({ status: 200 });
    await expect('rs2 back', [`${p1} w1`, `${p2} w2`]);
    await until('notify_up ran', () => existsSync(join(dir, 'rs2-up')));
    assert.equal(steps.length, 5);
    ac.abort();
    assert.equal(await done, 0, errors.join('\n'));
    assert.equal(k.table.size, 0, 'the virtual service is removed at stop');
    // Each real-server state change is logged once, not per probe.
    const changes = logs.filter((l) => l.event === 'lvs.change').map((l) => l.msg);
    assert.equal(changes.filter((m) => m.startsWith('Disabling service [127.0.0.1]')).length, 1, changes.join('\n'));
    assert.equal(changes.filter((m) => m.startsWith('Removing service [127.0.0.2]')).length, 1);
    assert.ok(changes.some((m) => /Adding sorry server \[127\.0\.0\.9\]:tcp:80/.test(m)));
    assert.ok(changes.some((m) => /Removing sorry server/.test(m)));
    const ops = k.described;
    assert.ok(ops.includes(`edit-dest TCP 10.0.0.100:80 -> ${p1} (masq, weight 0)`), ops.join('\n'));
  } finally {
    ac.abort();
    rmSync(dir, { recursive: true, force: true });
    await rs1.close();
    await rs2.close();
  }
});

test('check-only: a configuration with an unsupported checker is refused before anything is programmed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-checkonly-'));
  try {
    const file = join(dir, 'k.conf');
    writeFileSync(file, 'virtual_server 10.0.0.1 80 {\n lb_algo rr\n lb_kind NAT\n protocol TCP\n real_server 10.0.1.1 80 {\n  TCP_CHECK {\n   fwmark 5\n  }\n }\n}\n');
    const k = new FakeKernel();
    const errs: string[] = [];
    const code = await runCheckOnly({ file, kernel: k, signal: AbortSignal.abort(), logDestination: new PassThrough() }, { out: () => undefined, err: (s) => errs.push(s) });
    assert.equal(code, 2);
    assert.match(errs.join('\n'), /fwmark/);
    assert.equal(k.ops.length, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
