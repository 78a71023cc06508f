// Unit tests of the daemon's LVS side with an in-memory IPVS kernel and real TCP servers on
// loopback: start programs the table, a reload with one changed weight is one edit and keeps the
// checkers' states, a broken file is rejected with the table untouched, stop removes everything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { openSync, readSync, closeSync, constants as fsc } from 'node:fs';
import { Daemon } from '../../../src/daemon/daemon.js';
import { startServices } from '../../../src/daemon/services.js';
import { request } from '../../../src/control/client.js';
import { describeOp } from '../../../src/ipvs/ops.js';
import { FakeKernel } from '../ipvs/fake-kernel.js';

async function listen(): Promise<{ server: Server; port: number }> {
  const server = createServer((s) => s.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as { port: number }).port };
}

function conf(ports: number[], weights: number[], broken = false, fifo?: string): string {
  return [
    ...(fifo ? ['global_defs {', `  lvs_notify_fifo ${fifo}`, '}'] : []),
    'virtual_server 10.0.0.1 80 {',
    '  delay_loop 1',
    '  lb_algo wrr',
    '  lb_kind NAT',
    '  protocol TCP',
    ...ports.map((p, i) => `  real_server 127.0.0.1 ${p} {\n    weight ${weights[i]}\n    TCP_CHECK {\n      connect_timeout 1\n    }\n  }`),
    '}',
    broken ? 'virtual_server 10.0.0.2 {' : '',
  ].join('\n');
}

test('check-only daemon: programs, reloads one weight as one edit, rejects a broken file, removes all at stop', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-daemon-unit-'));
  const a = await listen();
  const b = await listen();
  const file = join(dir, 'k.conf');
  const fifo = join(dir, 'lvs.fifo');
  writeFileSync(file, conf([a.port, b.port], [1, 1], false, fifo));
  const kernel = new FakeKernel();
  const ac = new AbortController();
  const logs: Record<string, unknown>[] = [];
  const sink = new PassThrough();
  sink.on('data', (c: Buffer) => {
    for (const l of String(c).split('\n')) if (l.startsWith('{')) logs.push(JSON.parse(l) as Record<string, unknown>);
  });
  const errs: string[] = [];
  let d!: Daemon;
  const ready = new Promise<void>((r) => {
    d = new Daemon(
      {
        file,
        mode: 'check-only',
        kernel,
        ownedFile: join(dir, 'owned.json'),
        signal: ac.signal,
        logDestination: sink,
        version: '9.9.9',
        services: (dd) => startServices(dd, { metrics: { host: '127.0.0.1', port: 0 }, control: join(dir, 'ctl.sock') }),
        onReady: () => r(),
      },
      { out: () => undefined, err: (s) => errs.push(s) },
    );
  });
  const done = d.run();
  try {
    await ready;
    assert.deepEqual(kernel.described.map((s) => s.replace(/:\d+ /g, ':P ').replace(/:\d+$/, ':P')).length, 3, kernel.described.join('\n'));
    const n0 = kernel.ops.length;
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'owned.json'), 'utf8')).services, [...kernel.table.keys()], 'the services lvsd created are saved');

    // The control socket answers with the daemon's status; the metrics listener serves the table.
    const st = await request(join(dir, 'ctl.sock'), { cmd: 'status' });
    assert.equal(st.ok, true);
    const status = (st as { result: { mode: string; virtualServers: { id: string; liveWeight: number; realServers: unknown[] }[] } }).result;
    assert.equal(status.mode, 'check-only');
    assert.deepEqual(status.virtualServers.map((v) => [v.id, v.liveWeight, v.realServers.length]), [['[10.0.0.1]:tcp:80', 2, 2]]);
    const addr = logs.find((l) => l.event === 'metrics.listening')?.address as { host: string; port: number };
    const scrape = await (await fetch(`http://127.0.0.1:${addr.port}/metrics`)).text();
    assert.match(scrape, /lvsd_build_info\{version="9\.9\.9"/);
    assert.match(scrape, /_ipvs_backend_weight\{[^}]*remote_port="\d+"[^}]*\} 1/);
    assert.equal((await fetch(`http://127.0.0.1:${addr.port}/healthz`)).status, 200);
    // Reading end of the notify FIFO (lvs_notify_fifo): the daemon created it.
    const fd = openSync(fifo, fsc.O_RDONLY | fsc.O_NONBLOCK);

    // One weight changes: one edit, nothing else.
    writeFileSync(file, conf([a.port, b.port], [1, 7], false, fifo));
    const r1 = await d.reload();
    assert.equal(r1.ok, true, r1.message);
    assert.deepEqual(kernel.ops.slice(n0).map((o) => o.op), ['edit-dest']);
    assert.match(describeOp(kernel.ops.at(-1)!), new RegExp(`127\\.0\\.0\\.1:${b.port}.*w(eight)? ?7|weight 7`));
    assert.match(r1.message, /1 IPVS operation/);

    // A broken file: rejected, the table untouched, the reason given.
    writeFileSync(file, conf([a.port, b.port], [1, 9], true, fifo));
    const n1 = kernel.ops.length;
    const r2 = await d.reload();
    assert.equal(r2.ok, false);
    assert.match(r2.message, /reload rejected, the running configuration is kept: .*k\.conf:\d+/);
    assert.equal(kernel.ops.length, n1);
    assert.equal(d.status().virtualServers[0]?.realServers[1]?.weight, 7);
    assert.ok(logs.some((l) => l.event === 'daemon.reload' && l.ok === false));

    // A server that is down stays down across a reload (its checker state is carried over).
    a.server.close();
    const downBy = Date.now() + 8000;
    while (d.status().virtualServers[0]?.realServers[0]?.alive !== false && Date.now() < downBy) await new Promise((r) => setTimeout(r, 100));
    assert.equal(d.status().virtualServers[0]?.realServers[0]?.alive, false, 'rs1 detected down');
    // keepalived's FIFO line for it (ipwrapper.c notify_fifo_rs).
    const buf = Buffer.alloc(4096);
    let fifoText = '';
    const fifoBy = Date.now() + 3000;
    while (!/DOWN/.test(fifoText) && Date.now() < fifoBy) {
      try {
        const n = readSync(fd, buf, 0, buf.length, null);
        fifoText += buf.subarray(0, n).toString();
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    closeSync(fd);
    assert.ok(fifoText.split("\n").includes(`RS [127.0.0.1]:tcp:${a.port} [10.0.0.1]:tcp:80 DOWN`), `${fifoText} // ${JSON.stringify(logs.filter((l) => /notify|lvs.rs|fifo/.test(String(l.event))))}`);
    const n2 = kernel.ops.length;
    writeFileSync(file, conf([a.port, b.port], [1, 7], false, fifo));
    const r3 = await d.reload();
    assert.equal(r3.ok, true);
    assert.equal(kernel.ops.length, n2, `no operation: ${kernel.described.slice(n2).join('; ')}`);
    assert.equal(d.status().virtualServers[0]?.realServers[0]?.alive, false);
  } finally {
    ac.abort();
    const code = await done;
    a.server.close();
    b.server.close();
    const ownedLeft = existsSync(join(dir, 'owned.json'));
    rmSync(dir, { recursive: true, force: true });
    assert.equal(code, 0, errs.join('\n'));
    assert.equal(ownedLeft, false, 'a clean stop owns nothing: the state file is gone');
  }
  assert.equal(kernel.table.size, 0, 'stop removes the services');
});
