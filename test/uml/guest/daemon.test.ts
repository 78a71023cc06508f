// Guest tests (run inside UML by test/uml/daemon.test.ts): two directors of the lab's `lvs` topology
// (LVS-DR) each run the full daemon, `lvsd run -f CONF`: VRRP elects d1, which programs the VIP's
// virtual services (follow_vrrp) while d2 programs none; 20 reloads under client traffic change
// nothing; one changed weight is one IPVS edit; a broken file is rejected; a long-lived connection
// survives a crash of the master thanks to the sync daemon (always); SIGTERM leaves nothing behind.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Lab, type Host } from '../../lab/netns.js';
import { lvs, type LvsTopology } from '../../lab/topologies.js';
import { HttpServer } from '../../lab/http.js';
import { readIpvsRules } from '../../lab/ipvsadm.js';
import { waitFor, type LabProcess } from '../../lab/proc.js';

const NO_IPVS = existsSync('/proc/net/ip_vs') ? undefined : 'needs a kernel with IPVS: runs inside UML via test/uml/daemon.test.js';
const DIST = fileURLToPath(new URL('../../../', import.meta.url));
const LVSD = [join(DIST, 'src', 'cli', 'lvsd.mjs'), join(DIST, 'src', 'cli', 'main.js')].find((f) => existsSync(f))!;
const CLIENT = fileURLToPath(new URL('../../lab/http-client.js', import.meta.url));

let lab: Lab | undefined;
let topo: LvsTopology;
let dir: string;
const servers: HttpServer[] = [];

interface Ev {
  event: string;
  [k: string]: unknown;
}

class Director {
  readonly proc: LabProcess;
  constructor(
    readonly host: Host,
    readonly conf: string,
    readonly name: string,
    extra: string[] = [],
  ) {
    this.proc = host.spawn([process.execPath, LVSD, 'run', '-f', conf, '--log-level', 'debug', '--metrics-listen', '127.0.0.1:9650', '--control-socket', join(dir, `${name}.sock`), ...extra], { name: `${name}: lvsd run` });
  }
  events(name?: string): Ev[] {
    const out: Ev[] = [];
    for (const l of this.proc.stdout) {
      if (!l.startsWith('{')) continue;
      try {
        const e = JSON.parse(l) as Ev;
        if (!name || e.event === name) out.push(e);
      } catch {
        /* not a log line */
      }
    }
    return out;
  }
  async waitEvent(pred: (e: Ev) => boolean, timeoutMs: number, what: string): Promise<Ev> {
    let hit: Ev | undefined;
    const ok = await waitFor(() => (hit = this.events().find(pred)) !== undefined || !this.proc.alive, timeoutMs, 20);
    if (!ok || !hit) throw new Error(`${this.name}: no ${what} within ${timeoutMs} ms${this.proc.alive ? '' : ' (lvsd exited)'}\n${this.proc.output().slice(-3000)}`);
    return hit;
  }
  state(instance = 'VI_1'): string | undefined {
    return this.events('vrrp.transition').filter((e) => e.instance === instance).at(-1)?.to as string | undefined;
  }
}

function conf(d: 1 | 2, o: { weight1?: number; program?: 'follow_vrrp' | 'always'; broken?: boolean; ports?: number[] } = {}): string {
  return [
    'global_defs {',
    `  router_id d${d}`,
    '  lvs_sync_daemon eth1 VI_1 id 51',
    '  vrrp_garp_master_delay 0',
    `  lvsd_ipvs_program ${o.program ?? 'follow_vrrp'}`,
    '}',
    'vrrp_instance VI_1 {',
    '  state BACKUP',
    '  interface eth0',
    '  virtual_router_id 51',
    `  priority ${d === 1 ? 150 : 100}`,
    '  version 3',
    '  advert_int 0.2',
    '  virtual_ipaddress {',
    `    ${topo.vip}/24 dev eth0`,
    '  }',
    '}',
    ...(o.ports ?? [80, 7]).flatMap((port) => [
      `virtual_server ${topo.vip} ${port} {`,
      '  delay_loop 1',
      '  lb_algo rr',
      '  lb_kind DR',
      '  protocol TCP',
      ...topo.realServers.map((_, i) => `  real_server ${topo.rsAddr(i)} ${port} {\n    weight ${port === 80 && i === 0 ? (o.weight1 ?? 1) : 1}\n    TCP_CHECK {\n      connect_timeout 1\n    }\n  }`),
      '}',
    ]),
    o.broken ? 'vrrp_instance VI_2 {\n  interface eth0\n  virtual_router_id 300\n' : '',
  ].join('\n');
}

/** An echo server on port 7 of a real server (for the long-lived connections). */
function echoServer(h: Host): LabProcess {
  const js = "require('net').createServer((s)=>{s.on('data',(d)=>s.write(d));s.on('error',()=>{});}).listen(7,()=>console.log('listening 7'))";
  return h.spawn([process.execPath, '-e', js], { name: `${h.name}: echo` });
}

/** Client: N connections to VIP:7, each sends a line every 100 ms and counts echoes and failures. */
function echoClient(h: Host, vip: string, n: number): LabProcess {
  const js = `
const net=require('net');const st=[];
for(let i=0;i<${n};i++){const s=net.connect(7,'${vip}');const c={sent:0,got:0,err:null};st.push(c);
 s.on('connect',()=>{const t=setInterval(()=>{if(c.err){clearInterval(t);return;}s.write('x'+i+'\\n');c.sent++;},100);});
 s.on('data',(d)=>{c.got+=String(d).split('\\n').length-1;});
 s.on('error',(e)=>{c.err=String(e.message);});s.on('close',()=>{c.err=c.err||'closed';});}
setInterval(()=>console.log('st '+JSON.stringify(st)),250);`;
  return h.spawn([process.execPath, '-e', js], { name: `${h.name}: echo client` });
}

/** Client: one HTTP GET every 20 ms (300 ms timeout), each line `r EPOCH_MS ok|fail`. */
function steadyClient(h: Host, vip: string): LabProcess {
  const js = `
const http=require('http');
function one(){const t=Date.now();let done=false;const fin=(ok)=>{if(done)return;done=true;console.log('r '+t+' '+(ok?'ok':'fail'));setTimeout(one,20);};
 const q=http.get({host:'${vip}',port:80,path:'/',agent:false,timeout:300},(res)=>{res.resume();res.on('end',()=>fin(res.statusCode===200));res.on('error',()=>fin(false));});
 q.on('timeout',()=>q.destroy(new Error('timeout')));q.on('error',()=>fin(false));}
one();`;
  return h.spawn([process.execPath, '-e', js], { name: `${h.name}: steady client` });
}

function steadyResults(p: LabProcess): { at: number; ok: boolean }[] {
  return p.stdout.filter((l) => l.startsWith('r ')).map((l) => {
    const [, at, r] = l.split(' ');
    return { at: Number(at), ok: r === 'ok' };
  });
}

/** One scrape of the director's /metrics (inside its namespace): sample lines by series. */
async function scrape(h: Host): Promise<Map<string, number>> {
  const js = "fetch('http://127.0.0.1:9650/metrics').then(async (r)=>{process.stdout.write(r.headers.get('content-type')+'\\n'+await r.text())})";
  const r = await h.exec([process.execPath, '-e', js], { timeoutMs: 30_000 });
  const [ctype, ...lines] = r.stdout.split('\n');
  assert.match(ctype ?? '', /^text\/plain; version=0\.0\.4/);
  const out = new Map<string, number>();
  for (const l of lines) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{.*\})?) (\S+)$/.exec(l);
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

function lastEchoState(p: LabProcess): { sent: number; got: number; err: string | null }[] {
  const l = [...p.stdout].reverse().find((x) => x.startsWith('st '));
  return l ? (JSON.parse(l.slice(3)) as { sent: number; got: number; err: string | null }[]) : [];
}

before(async () => {
  if (NO_IPVS) return;
  dir = mkdtempSync(join(tmpdir(), 'lvsd-daemon-'));
  lab = Lab.create('daemon');
  topo = await lvs(lab, { realServers: 2, mode: 'dr' });
  for (const h of topo.realServers) servers.push(await HttpServer.start(h));
  for (const h of topo.realServers) {
    const p = lab.track(echoServer(h));
    await p.waitForLine(/^listening 7$/, 15_000);
  }
});

after(async () => {
  await lab?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function startPair(program: 'follow_vrrp' | 'always'): Promise<[Director, Director]> {
  writeFileSync(join(dir, 'd1.conf'), conf(1, { program }));
  writeFileSync(join(dir, 'd2.conf'), conf(2, { program }));
  const d1 = new Director(topo.directors[0], join(dir, 'd1.conf'), 'd1');
  const d2 = new Director(topo.directors[1], join(dir, 'd2.conf'), 'd2');
  lab!.track(d1.proc);
  lab!.track(d2.proc);
  await d1.waitEvent((e) => e.event === 'vrrp.transition' && e.to === 'MASTER', 20_000, 'MASTER');
  await d2.waitEvent((e) => e.event === 'vrrp.transition' && e.to === 'BACKUP', 20_000, 'BACKUP');
  await topo.directors[0].waitForAddr(topo.vip, { timeoutMs: 5000 });
  // Both start together: d2 may reach its master-down timer before d1's first advert (correct VRRP)
  // and be MASTER for a moment, then preempted. Settled means d2 BACKUP again and, with
  // follow_vrrp, its services withdrawn; what each test then checks starts from there.
  assert.ok(await waitFor(() => d1.state() === 'MASTER' && d2.state() === 'BACKUP', 10_000), `states: d1 ${d1.state()}, d2 ${d2.state()}`);
  if (program === 'follow_vrrp') assert.ok(await waitFor(async () => (await readIpvsRules(topo.directors[1])).length === 0, 10_000), 'a preempted d2 withdraws its services');
  return [d1, d2];
}

async function stopPair(ds: Director[]): Promise<void> {
  for (const d of ds) await d.proc.stop(8000);
}

test('follow_vrrp: the master programs the VIP\'s services, the backup none; 20 reloads under traffic change nothing', { skip: NO_IPVS, timeout: 180_000 }, async () => {
  const [d1, d2] = await startPair('follow_vrrp');
  try {
    assert.ok(await waitFor(async () => (await readIpvsRules(topo.directors[0])).length === 2, 10_000), 'd1 programs both services');
    const t1 = await readIpvsRules(topo.directors[0]);
    assert.deepEqual(t1.map((s) => `${s.addr}:${s.port}`).sort(), [`${topo.vip}:7`, `${topo.vip}:80`]);
    assert.deepEqual(t1.find((s) => s.port === 80)!.reals.map((r) => `${r.addr}:${r.port}/${r.method}/${r.weight}`).sort(), topo.realServers.map((_, i) => `${topo.rsAddr(i)}:80/route/1`));
    assert.deepEqual(await readIpvsRules(topo.directors[1]), [], 'the backup programs nothing (follow_vrrp)');
    // The sync daemon follows VRRP: master on d1, backup on d2.
    await d1.waitEvent((e) => e.event === 'lvs.syncd' && e.state === 'master', 5000, 'sync daemon master');
    assert.equal(d2.events('lvs.syncd').at(-1)?.state, 'backup');

    // Steady traffic: one request every 50 ms for the whole reload series.
    const client = lab!.track(topo.client.spawn([process.execPath, CLIENT, `http://${topo.vip}/`, '200', '2000', '50'], { name: 'client' }));
    const transitions = [d1, d2].map((d) => d.events('vrrp.transition').length);
    const announces = [d1, d2].map((d) => d.events('vrrp.announce').length);
    const reconciles = d1.events('lvs.reconcile').filter((e) => (e.ops as number) > 0).length;
    for (let i = 0; i < 20; i++) {
      for (const d of [d1, d2]) d.proc.kill('SIGHUP');
      await d1.waitEvent(() => d1.events('daemon.reload').length >= i + 1, 10_000, `reload ${i + 1} on d1`);
      await d2.waitEvent(() => d2.events('daemon.reload').length >= i + 1, 10_000, `reload ${i + 1} on d2`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const res = await client.exited;
    assert.equal(res.code, 0);
    const lines = client.stdout.filter((l) => l.startsWith('res ')).map((l) => JSON.parse(l.slice(4)) as { status?: number; error?: string });
    const failed = lines.filter((r) => r.status !== 200);
    process.stdout.write(`# 20 reloads on both directors under traffic: ${lines.length} requests, ${failed.length} failed\n`);
    assert.equal(lines.length, 200);
    assert.deepEqual(failed, [], 'no request fails during the reloads');
    for (const d of [d1, d2]) {
      const rl = d.events('daemon.reload');
      if (rl.some((e) => e.ipvsOps !== 0 || (e.durationMs as number) > 2000)) process.stdout.write(`# ${d.name} log:\n${d.events().filter((e) => e.event !== 'vrrp.counter' && e.event !== 'check.probe').slice(-80).map((e) => `#   ${e.time} ${e.event} ${String(e.msg)}`).join('\n')}\n`);
      assert.equal(rl.length, 20);
      const odd = rl.filter((e) => !(e.ok === true && e.instancesKept === 1 && e.instancesRestarted === 0 && e.ipvsOps === 0));
      assert.deepEqual(odd, [], `${d.name}: reloads that were not clean`);
    }
    assert.deepEqual([d1, d2].map((d) => d.events('vrrp.transition').length), transitions, 'no transition on either director');
    assert.deepEqual([d1, d2].map((d) => d.events('vrrp.announce').length), announces, 'no extra GARP');
    assert.equal(d1.events('lvs.reconcile').filter((e) => (e.ops as number) > 0).length, reconciles, 'no IPVS operation');
    assert.equal(d1.state(), 'MASTER');
    assert.equal(d2.state(), 'BACKUP');

    // One changed weight: exactly one IPVS edit.
    writeFileSync(d1.conf, conf(1, { weight1: 5 }));
    const before = d1.events('daemon.reload').length;
    d1.proc.kill('SIGHUP');
    const ev = await d1.waitEvent(() => d1.events('daemon.reload').length > before, 10_000, 'reload with a new weight');
    const rl = d1.events('daemon.reload').at(-1)!;
    assert.equal(rl.ok, true, JSON.stringify(ev));
    assert.equal(rl.ipvsOps, 1, JSON.stringify(rl));
    const edits = d1.events('lvs.reconcile').filter((e) => (e.ops as number) > 0).slice(reconciles);
    assert.deepEqual(edits.map((e) => e.byOp), [{ 'edit-dest': 1 }]);
    const w = (await readIpvsRules(topo.directors[0])).find((s) => s.port === 80)!.reals.find((r) => r.addr === topo.rsAddr(0))!.weight;
    assert.equal(w, 5);

    // A broken file: rejected with the reason, the running configuration kept.
    writeFileSync(d1.conf, conf(1, { weight1: 5, broken: true }));
    d1.proc.kill('SIGHUP');
    const bad = await d1.waitEvent((e) => e.event === 'daemon.reload' && e.ok === false, 10_000, 'rejected reload');
    assert.match(String(bad.msg), /reload rejected, the running configuration is kept: .+/);
    assert.ok(d1.proc.alive);
    assert.equal(d1.state(), 'MASTER');
    assert.equal((await readIpvsRules(topo.directors[0])).length, 2);
    const r2 = await runClient(10);
    assert.equal(r2.filter((r) => r.status === 200).length, 10, 'still forwarding after the rejected reload');
  } finally {
    await stopPair([d1, d2]);
  }
  // SIGTERM: exit 0 and nothing left: VIP, services, sync daemons.
  assert.equal((await d1.proc.exited).code, 0, d1.proc.output().slice(-2000));
  assert.equal((await d2.proc.exited).code, 0);
  for (const h of topo.directors) {
    assert.equal(await h.hasAddr(topo.vip), false);
    assert.deepEqual(await readIpvsRules(h), []);
    const daemons = (await h.exec(['ipvsadm', '-L', '--daemon'])).stdout.trim();
    assert.equal(daemons, '', `sync daemons left on ${h.name}: ${daemons}`);
  }
});

async function runClient(n: number): Promise<{ status?: number; error?: string }[]> {
  const r = await topo.client.exec([process.execPath, CLIENT, `http://${topo.vip}/`, String(n), '2000', '0'], { timeoutMs: 60_000 });
  return r.stdout.split('\n').filter((l) => l.startsWith('res ')).map((l) => JSON.parse(l.slice(4)) as { status?: number; error?: string });
}

for (const program of ['follow_vrrp', 'always'] as const) {
  test(`${program}: a crash of the master; takeover measured; long-lived connections ${program === 'always' ? 'survive (sync daemon)' : 'are counted'}`, { skip: NO_IPVS, timeout: 120_000 }, async () => {
    const [d1, d2] = await startPair(program);
    let echo: LabProcess | undefined;
    let steady: LabProcess | undefined;
    try {
      assert.ok(await waitFor(async () => (await readIpvsRules(topo.directors[0])).length === 2, 10_000));
      if (program === 'always') assert.equal((await readIpvsRules(topo.directors[1])).length, 2, 'always: the backup has the table too');
      else assert.deepEqual(await readIpvsRules(topo.directors[1]), []);
      echo = lab!.track(echoClient(topo.client, topo.vip, 4));
      steady = lab!.track(steadyClient(topo.client, topo.vip));
      assert.ok(await waitFor(() => lastEchoState(echo!).length === 4 && lastEchoState(echo!).every((c) => c.got >= 5), 10_000), `echo connections up: ${JSON.stringify(lastEchoState(echo))}`);
      assert.ok(await waitFor(() => steadyResults(steady!).filter((r) => r.ok).length >= 10, 10_000), 'steady traffic flows');
      // Sync messages leave at most every second (the kernel's sync period); give them time.
      await new Promise((r) => setTimeout(r, 2500));
      // Metrics of the backup before the failover: keepalived-exporter's state gauge and counters.
      const vipLabel = `{iname="VI_1",intf="eth0",vrid="51",ip_address="${topo.vip}/24"}`;
      const inst = '{iname="VI_1",intf="eth0",vrid="51"}';
      const m0 = await scrape(topo.directors[1]);
      assert.equal(m0.get(`keepalived_vrrp_state${vipLabel}`), 1, 'BACKUP is 1');
      // d2 may have been master for a moment at start (it can start before d1): count from here.
      const became0 = m0.get(`keepalived_become_master_total${inst}`) ?? NaN;
      assert.ok(became0 === 0 || became0 === 1, `become_master before: ${became0}`);
      const rcvd0 = m0.get(`keepalived_advertisements_received_total${inst}`) ?? 0;
      assert.ok(rcvd0 > 0, 'adverts from the master are counted');
      const synced = (await topo.directors[1].exec(['ipvsadm', '-L', '-n', '-c'])).stdout.split('\n').filter((l) => l.includes(`${topo.vip}:7 `)).length;
      // The director dies: lvsd killed and its links down (a crash of the process alone would
      // leave the kernel forwarding with the VIP still in place).
      const killedAt = Date.now();
      d1.proc.killGroup('SIGKILL');
      await topo.directors[0].ip(['link set eth0 down', 'link set eth1 down']);
      await topo.directors[1].waitForAddr(topo.vip, { timeoutMs: 10_000 });
      const vipMs = Date.now() - killedAt;
      assert.ok(await waitFor(() => steadyResults(steady!).some((r) => r.at > killedAt + vipMs && r.ok), 10_000), 'requests are answered again');
      await new Promise((r) => setTimeout(r, 1000));
      steady.killGroup('SIGKILL');
      // The outage: from the kill to the first answered request sent after the last failed one.
      const after = steadyResults(steady).filter((r) => r.at >= killedAt);
      const lastFail = after.filter((r) => !r.ok).at(-1);
      const firstOk = after.find((r) => r.ok && (!lastFail || r.at > lastFail.at))!;
      const okMs = firstOk.at - killedAt;
      const lost = after.filter((r) => !r.ok).length;
      await new Promise((r) => setTimeout(r, 1000));
      const st = lastEchoState(echo);
      const alive = st.filter((c) => c.err === null && c.got >= c.sent - 3).length;
      process.stdout.write(`# ${program}: crash of the master: VIP on d2 after ${vipMs} ms, traffic answered again ${okMs} ms after the kill, ${lost} request(s) lost; long-lived connections alive ${alive}/4 (d2 had ${synced} synced connection entries) ${JSON.stringify(st)}\n`);
      assert.ok(Number.isFinite(okMs), 'a request through the VIP is answered by d2');
      assert.equal(d2.state(), 'MASTER');
      assert.equal((await readIpvsRules(topo.directors[1])).length, 2, 'd2 programs the services');
      // The same scrape after the failover: the state and the counters moved.
      const m1 = await scrape(topo.directors[1]);
      assert.equal(m1.get(`keepalived_vrrp_state${vipLabel}`), 2, 'MASTER is 2');
      assert.equal(m1.get(`keepalived_become_master_total${inst}`), became0 + 1);
      assert.ok((m1.get(`keepalived_advertisements_sent_total${inst}`) ?? 0) > (m0.get(`keepalived_advertisements_sent_total${inst}`) ?? 0), 'adverts sent as master');
      assert.equal(m1.get('lvsd_vrrp_transitions_total{iname="VI_1",from="BACKUP",to="MASTER",reason="master_down"}'), became0 + 1, [...m1.keys()].filter((k) => k.startsWith('lvsd_vrrp_transitions')).join(' '));
      const w = [...m1.entries()].filter(([k]) => k.startsWith('lvsd_ipvs_backend_weight{') && k.includes(`local_address="${topo.vip}"`) && k.includes('local_port="80"'));
      assert.equal(w.length, 2, 'one weight series per backend of VIP:80');
      assert.ok(w.every(([k, v]) => v === 1 && /proto="TCP"/.test(k) && /remote_port="80"/.test(k)), JSON.stringify(w));
      assert.equal(m1.get('lvsd_ipvs_sync_daemon_state{state="master"}'), 1, [...m1.keys()].filter((k) => k.startsWith('lvsd_ipvs_sync')).join(' '));
      if (program === 'always') assert.equal(alive, 4, 'with the sync daemon every established connection survives the takeover');
    } finally {
      echo?.killGroup('SIGKILL');
      steady?.killGroup('SIGKILL');
      // The dead director comes back clean: its VIP, its sync daemons and its links.
      await topo.directors[0].ip(`addr del ${topo.vip}/24 dev eth0`).catch(() => undefined);
      await topo.directors[0].exec(['ipvsadm', '--stop-daemon', 'master']).catch(() => undefined);
      await topo.directors[0].exec(['ipvsadm', '--stop-daemon', 'backup']).catch(() => undefined);
      await topo.directors[0].ip(['link set eth0 up', 'link set eth1 up']);
      await stopPair([d1, d2]);
      for (const h of topo.directors) await h.exec(['ipvsadm', '-C']).catch(() => undefined);
    }
  });
}

test('a restart after a crash removes the services the crashed run created and the new configuration drops; others\' stay', { skip: NO_IPVS, timeout: 90_000 }, async () => {
  const h = topo.directors[0];
  await h.exec(['ipvsadm', '-A', '-t', '10.88.0.50:99', '-s', 'rr']); // someone else's
  const f = join(dir, 'd1-own.conf');
  writeFileSync(f, conf(1, { program: 'always' }));
  let d = new Director(h, f, 'd1own');
  lab!.track(d.proc);
  try {
    await d.waitEvent((e) => e.event === 'lvsd.ready', 20_000, 'ready');
    assert.ok(await waitFor(async () => (await readIpvsRules(h)).length === 3, 10_000));
    d.proc.killGroup('SIGKILL');
    await d.proc.exited;
    assert.equal((await readIpvsRules(h)).length, 3, 'a crash leaves the table in the kernel');
    writeFileSync(f, conf(1, { program: 'always', ports: [80] }));
    d = new Director(h, f, 'd1own2');
    lab!.track(d.proc);
    await d.waitEvent((e) => e.event === 'lvsd.ready', 20_000, 'ready after the restart');
    assert.match(String(d.events('lvs.owned')[0]?.msg), /2 virtual service\(s\) created by an earlier run/);
    assert.ok(await waitFor(async () => (await readIpvsRules(h)).map((s) => `${s.addr}:${s.port}`).sort().join(' ') === [`${topo.vip}:80`, '10.88.0.50:99'].sort().join(' '), 10_000), JSON.stringify(await readIpvsRules(h)));
  } finally {
    await d.proc.stop(8000);
    await h.exec(['ipvsadm', '-C']).catch(() => undefined);
    await h.ip(`addr del ${topo.vip}/24 dev eth0`).catch(() => undefined);
  }
});
