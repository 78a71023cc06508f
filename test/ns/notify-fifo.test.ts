// I/O tests: notify FIFOs on a real FIFO in a temporary folder, read by real processes: the exact
// lines keepalived writes, the FIFO script (its arguments, its process group killed at close), the
// FIFO's owner and mode, and a reader that never reads: writes neither block nor pile up in memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parseKeepalivedText } from '../../src/config/keepalived/parse.js';
import type { ConfigModel } from '../../src/config/model/index.js';
import { lvsBus } from '../../src/events/lvs.js';
import { vrrpBus, type VrrpEvents } from '../../src/events/vrrp.js';
import { resolveIds } from '../../src/exec/users.js';
import { NotifyFifo } from '../../src/notify/fifo.js';
import { startNotifications } from '../../src/notify/index.js';
import { pidsInGroup, spawnProcess, waitFor, type LabProcess } from '../lab/proc.js';
import { alive, isRoot } from '../util/env.js';
import { memFs } from '../unit/config/memfs.js';

function model(text: string): ConfigModel {
  const p = parseKeepalivedText(text, '/k.conf', memFs({}), { configId: 'x' });
  assert.deepEqual(p.diagnostics.filter((d) => d.severity === 'error'), []);
  return p.model;
}

const VRRP_LVS = `
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  priority 100
  virtual_ipaddress { 10.0.0.100/24 }
}
vrrp_sync_group G1 {
  group { VI_1 }
}
virtual_server 10.0.0.1 80 {
  protocol TCP
  real_server 10.0.0.2 80 { TCP_CHECK { } }
}
`;

const tr = (from: string, to: string, reason = 'master_down'): VrrpEvents['vrrp.transition'] =>
  ({ instance: 'VI_1', vrid: 51, from, to, reason, priority: 100, master: null }) as VrrpEvents['vrrp.transition'];

/** Heap in use after a full collection (V8's gc exposed at run time). */
function heapAfterGc(): number {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  return process.memoryUsage().heapUsed;
}

/** Whether process `pid` has `path` open. */
function readerHolds(pid: number, path: string): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === path;
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'lvsd-notify-'));
}

/** A reader: `cat FIFO`, started as a process group of its own. */
function reader(path: string): LabProcess {
  return spawnProcess(['cat', path], { name: 'fifo-reader' });
}

test('notify_fifo and lvs_notify_fifo: real readers get exactly the keepalived lines, in order; the FIFOs go at close', async () => {
  const dir = tmp();
  const readers: LabProcess[] = [];
  try {
    const all = join(dir, 'all');
    const lvsOnly = join(dir, 'lvs');
    const vrrp = vrrpBus();
    const lvs = lvsBus();
    const logs: string[] = [];
    const n = await startNotifications({
      model: model(`global_defs {\n notify_fifo ${all}\n lvs_notify_fifo ${lvsOnly}\n}\n${VRRP_LVS}`),
      vrrp,
      lvs,
      host: { hostname: 'h', username: 'root', defaultScriptUser: undefined },
      log: (l, e, m) => logs.push(`${l} ${e} ${m}`),
    });
    assert.ok(statSync(all).isFIFO() && statSync(lvsOnly).isFIFO(), 'both FIFOs created');
    assert.equal(statSync(all).mode & 0o777, 0o600, 'keepalived 2.2.7 creates them 0600');
    // Lines written before a reader opens wait in the pipe (lvsd holds it open read-write).
    vrrp.emit('vrrp.transition', tr('INIT', 'BACKUP', 'startup'));
    readers.push(reader(all), reader(lvsOnly));
    vrrp.emit('vrrp.group', { group: 'G1', state: 'BACKUP' });
    vrrp.emit('vrrp.transition', tr('BACKUP', 'MASTER'));
    vrrp.emit('vrrp.group', { group: 'G1', state: 'MASTER' });
    lvs.emit('lvs.rs', { vs: '[10.0.0.1]:tcp:80', rs: '[10.0.0.2]:tcp:80', alive: false });
    lvs.emit('lvs.quorum', { vs: '[10.0.0.1]:tcp:80', up: false });
    vrrp.emit('vrrp.transition', tr('MASTER', 'INIT', 'shutdown'));
    vrrp.emit('vrrp.stopped', { instances: ['VI_1'], durationMs: 3 });
    const s = n.stats();
    assert.deepEqual(s.fifos.map((f) => [f.path, f.written, f.dropped, f.errors]), [[all, 8, 0, 0], [lvsOnly, 2, 0, 0]]);
    // Both readers have the FIFOs open (they read every line) before close unlinks them.
    assert.ok(await waitFor(() => readers[0]!.stdout.length >= 8 && readers[1]!.stdout.length >= 2, 10_000), 'the readers got the lines');
    await n.close();
    assert.ok(!existsSync(all) && !existsSync(lvsOnly), 'FIFOs lvsd created are unlinked at close');
    // lvsd was the only writer: closing gives the readers end of file.
    const [a, b] = await Promise.all(readers.map((r) => r.exited));
    assert.deepEqual([a?.code, b?.code], [0, 0]);
    assert.equal(
      readers[0]!.stdout.join('\n'),
      [
        'INSTANCE "VI_1" BACKUP 100',
        'GROUP "G1" BACKUP 0',
        'INSTANCE "VI_1" MASTER 100',
        'GROUP "G1" MASTER 0',
        'RS [10.0.0.2]:tcp:80 [10.0.0.1]:tcp:80 DOWN',
        'VS [10.0.0.1]:tcp:80 DOWN',
        'INSTANCE "VI_1" STOP 100',
        'GROUP "G1" STOP 0',
      ].join('\n'),
    );
    assert.equal(readers[1]!.stdout.join('\n'), 'RS [10.0.0.2]:tcp:80 [10.0.0.1]:tcp:80 DOWN\nVS [10.0.0.1]:tcp:80 DOWN');
    assert.deepEqual(logs.filter((l) => !l.startsWith('info')), []);
  } finally {
    for (const r of readers) await r.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('vrrp_notify_fifo_script: started with its arguments and the FIFO path, reads the lines; at close its whole process group is killed', async () => {
  const dir = tmp();
  let pgid = 0;
  let n: Awaited<ReturnType<typeof startNotifications>> | undefined;
  try {
    const fifo = join(dir, 'vrrp');
    const script = join(dir, 'reader.sh');
    // Reads until end of file, then keeps running (a background child in its group): lvsd must kill the group.
    writeFileSync(
      script,
      `#!/bin/bash\necho "$*" > ${dir}/args\necho $$ > ${dir}/pid\nsleep 300 &\necho $! > ${dir}/child\ncat "\${@: -1}" > ${dir}/lines\nwait\n`,
    );
    chmodSync(script, 0o755);
    const vrrp = vrrpBus();
    n = await startNotifications({
      model: model(`global_defs {\n vrrp_notify_fifo ${fifo}\n vrrp_notify_fifo_script "${script} one two"\n}\n${VRRP_LVS}`),
      vrrp,
      host: { hostname: 'h', username: 'root', defaultScriptUser: undefined },
      fifoTiming: { eofGraceMs: 200, killGraceMs: 500 },
    });
    const st = n.stats().fifos[0]!;
    assert.equal(st.script?.running, true);
    pgid = st.script!.pid!;
    assert.ok(await waitFor(() => existsSync(join(dir, 'child')) && readFileSync(join(dir, 'child'), 'utf8').trim() !== '', 5000), 'the script started');
    const child = Number(readFileSync(join(dir, 'child'), 'utf8'));
    assert.equal(readFileSync(join(dir, 'args'), 'utf8'), `one two ${fifo}\n`);
    const group = pidsInGroup(pgid);
    assert.ok(group.includes(pgid) && group.includes(child), `the script leads its own process group (${group})`);
    vrrp.emit('vrrp.transition', tr('INIT', 'BACKUP', 'startup'));
    vrrp.emit('vrrp.transition', tr('BACKUP', 'MASTER'));
    const lines = join(dir, 'lines');
    assert.ok(await waitFor(() => existsSync(lines) && readFileSync(lines, 'utf8').split('\n').length >= 3, 5000), 'the script read the lines');
    const t0 = performance.now();
    await n.close();
    const ms = performance.now() - t0;
    assert.equal(readFileSync(lines, 'utf8'), 'INSTANCE "VI_1" BACKUP 100\nINSTANCE "VI_1" MASTER 100\n');
    assert.ok(await waitFor(() => !alive(child) && !alive(pgid), 2000), 'script and its child are gone');
    assert.deepEqual(pidsInGroup(pgid), []);
    const end = n.stats().fifos[0]!.script!;
    assert.equal(end.running, false);
    assert.equal(end.signal, 'SIGTERM');
    assert.ok(ms >= 150 && ms < 2000, `close waited the end-of-file grace, then SIGTERM (${ms.toFixed(0)} ms)`);
  } finally {
    await n?.close();
    if (pgid > 1 && pidsInGroup(pgid).length > 0) process.kill(-pgid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a reader that opened the FIFO and never reads: 200,000 lines neither block lvsd nor pile up in memory; what fits arrives whole', async (t) => {
  const dir = tmp();
  let reader: LabProcess | undefined;
  try {
    const path = join(dir, 'f');
    const logs: string[] = [];
    const f = NotifyFifo.open({ path, vrrp: true, lvs: false, keyword: 'vrrp_notify_fifo' }, (l, e, m) => logs.push(`${l} ${e} ${m}`));
    // Opens the FIFO and reads nothing until told to (SIGUSR1), then prints what the pipe held.
    reader = spawnProcess(['bash', '-c', 'exec 3<"$1"; trap "cat <&3; exit 0" USR1; while :; do sleep 0.05; done', 'reader', path], { name: 'never-reads' });
    assert.ok(await waitFor(() => readerHolds(reader!.pid, path), 5000), 'the reader has the FIFO open');
    const line = 'INSTANCE "VI_1" MASTER 100\n';
    const N = 200_000;
    const heap0 = heapAfterGc();
    let slowest = 0;
    const t0 = performance.now();
    for (let i = 0; i < N; i++) {
      const a = performance.now();
      f.write(line);
      const d = performance.now() - a;
      if (d > slowest) slowest = d;
    }
    const ms = performance.now() - t0;
    const grew = heapAfterGc() - heap0;
    const s = f.stats();
    t.diagnostic(`${N} writes in ${ms.toFixed(0)} ms (slowest ${slowest.toFixed(2)} ms); written ${s.written}, dropped ${s.dropped}; heap after GC ${grew >= 0 ? '+' : ''}${(grew / 1024).toFixed(0)} KiB`);
    assert.equal(s.written + s.dropped, N);
    assert.ok(s.written > 0 && s.written * line.length <= 1024 * 1024, `only what the pipe holds is written (${s.written} lines)`);
    // A write that waited for the reader would never return (it never reads); what a busy
    // two-CPU machine adds to one call (scheduling, a GC pause) stays well under a second.
    assert.ok(slowest < 1000, `no write waited for the reader (slowest ${slowest.toFixed(2)} ms)`);
    // Queued in lvsd, 200,000 lines would hold megabytes after GC; nothing is kept.
    assert.ok(grew < 1024 * 1024, `heap after GC grew ${grew} bytes`);
    assert.equal(logs.filter((l) => l.startsWith('warn notify.fifo_full')).length, Math.floor(Math.log10(s.dropped)) + 1, 'warned at the 1st, 10th, 100th... drop');
    // lvsd lets go (the reader still holds the pipe, so nothing is lost), then the reader reads:
    // exactly the lines that were written, none torn.
    await f.close();
    process.kill(reader.pid, 'SIGUSR1');
    const st = await reader.exited;
    assert.equal(st.code, 0);
    assert.equal(reader.stdout.length, s.written);
    assert.ok(reader.stdout.every((l) => l === 'INSTANCE "VI_1" MASTER 100'));
  } finally {
    await reader?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('failures are logged, never thrown: a path that is not a FIFO, a missing folder, a script that cannot start; a FIFO that was there stays', async () => {
  const dir = tmp();
  try {
    const file = join(dir, 'plain');
    writeFileSync(file, '');
    const logs: string[] = [];
    const log = (l: string, e: string, m: string): void => void logs.push(`${l} ${e} ${m}`);
    const a = NotifyFifo.open({ path: file, vrrp: true, lvs: true, keyword: 'notify_fifo' }, log);
    assert.equal(a.write('x\n'), false);
    assert.deepEqual([a.stats().open, a.stats().dropped], [false, 1]);
    assert.equal(readFileSync(file, 'utf8'), '', 'nothing written into a regular file');
    const b = NotifyFifo.open({ path: join(dir, 'no/such/dir/f'), vrrp: true, lvs: true, keyword: 'notify_fifo' }, log);
    assert.equal(b.write('x\n'), false);
    const pre = join(dir, 'pre');
    assert.equal(spawnSync('mkfifo', [pre]).status, 0);
    const c = NotifyFifo.open({ path: pre, vrrp: true, lvs: false, keyword: 'vrrp_notify_fifo', script: { command: join(dir, 'missing-script') } }, log);
    assert.equal(c.write('still written\n'), true, 'the FIFO works without its script');
    assert.ok(await waitFor(() => logs.some((l) => l.includes('missing-script cannot start')), 2000));
    assert.equal(c.stats().script?.running, false);
    await Promise.all([a.close(), b.close(), c.close()]);
    assert.ok(existsSync(pre) && statSync(pre).isFIFO(), 'a FIFO lvsd did not create is left in place');
    assert.ok(existsSync(file));
    assert.match(logs.join('\n'), /error notify\.fifo_error notify_fifo .*plain: exists and is not a FIFO/);
    assert.match(logs.join('\n'), /error notify\.fifo_error notify_fifo .*no\/such\/dir\/f: cannot create/);
    assert.match(logs.join('\n'), /error notify\.fifo_script vrrp_notify_fifo script .*missing-script cannot start/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a FIFO created for a named user belongs to that user (keepalived chowns what it creates)', async (t) => {
  if (!isRoot()) {
    process.stderr.write('# skipped: needs root to give a file away\n');
    return t.skip('needs root to give a file away');
  }
  let nobody: { uid: number; gid: number };
  try {
    nobody = resolveIds('nobody');
  } catch {
    return t.skip('no user "nobody" on this machine');
  }
  const dir = tmp();
  try {
    const path = join(dir, 'owned');
    const f = NotifyFifo.open({ path, user: 'nobody', vrrp: true, lvs: true, keyword: 'notify_fifo' }, () => {});
    const st = statSync(path);
    assert.deepEqual([st.isFIFO(), st.uid, st.gid, st.mode & 0o777], [true, nobody.uid, nobody.gid, 0o600]);
    assert.equal(f.write('ok\n'), true);
    await f.close();
    assert.equal(existsSync(path), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
