// Guest tests (run inside UML by test/uml/ipvs-lvs.test.ts): ipvsadm programs LVS-NAT and LVS-DR
// services on a director of the lab's `lvs` topology, and a client's requests through the VIP
// reach both real servers; keepalived's HTTP_GET checker programs the same service as a yardstick.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { Lab } from '../../lab/netns.js';
import { lvs, type LvsTopology } from '../../lab/topologies.js';
import { HttpServer, httpGetMany, countByServer } from '../../lab/http.js';
import { ipvsRestore, readIpvsRules, readIpvsList, type IpvsService } from '../../lab/ipvsadm.js';
import { Keepalived, keepalivedConf } from '../../lab/keepalived.js';
import { waitFor } from '../../lab/proc.js';

const NO_IPVS = existsSync('/proc/net/ip_vs') ? undefined : 'needs a kernel with IPVS: runs inside UML via test/uml/ipvs-lvs.test.js';
let lab: Lab | undefined;
let topo: LvsTopology;
let servers: HttpServer[] = [];

before(async () => {
  if (NO_IPVS) return;
  lab = Lab.create('lvs');
  topo = await lvs(lab, { realServers: 2 });
  servers = await Promise.all(topo.realServers.map((h) => HttpServer.start(h)));
  await topo.activate(topo.directors[0]);
});

after(async () => {
  await lab?.close();
});

async function serviceRoundTrip(mode: 'nat' | 'dr'): Promise<void> {
  const d1 = topo.directors[0];
  const vs = `${topo.vip}:80`;
  const flag = mode === 'nat' ? '-m' : '-g';
  await topo.setMode(mode);
  await ipvsRestore(d1, [
    '-C',
    `-A -t ${vs} -s rr`,
    ...topo.realServers.map((_, i) => `-a -t ${vs} -r ${topo.rsAddr(i)}:80 ${flag} -w 1`),
  ]);
  const table = await readIpvsRules(d1);
  assert.deepEqual(table, [
    {
      proto: 'tcp', addr: topo.vip, port: 80, scheduler: 'rr', options: [],
      reals: topo.realServers.map((_, i) => ({ addr: topo.rsAddr(i), port: 80, method: mode === 'nat' ? 'masq' : 'route', weight: 1 })),
    },
  ]);
  // The other director's kernel has no service: IPVS tables are per namespace.
  assert.deepEqual(await readIpvsRules(topo.directors[1]), []);

  // Connection entries per real server before the requests. A re-added destination comes back
  // from IPVS's dest trash with the entries of the previous run still counted on it.
  const connsOf = async (): Promise<number[]> =>
    (await readIpvsList(d1))[0]!.reals.map((r) => (r.activeConns ?? 0) + (r.inactiveConns ?? 0));
  const connsBefore = await connsOf();
  const seen = servers.map((s) => s.requests().length);
  const t0 = performance.now();
  const results = await httpGetMany(topo.client, `http://${topo.vip}/`, 20, { timeoutMs: 5000 });
  const ms = performance.now() - t0;
  process.stdout.write(`# ${mode}: 20 requests through the VIP in ${ms.toFixed(0)} ms: ${JSON.stringify(countByServer(results))}\n`);
  assert.deepEqual(results.filter((r) => r.error !== undefined), []);
  assert.ok(results.every((r) => r.status === 200));
  // Round robin over two real servers: exactly half each, and the body names the server.
  assert.deepEqual(countByServer(results), { rs1: 10, rs2: 10 });
  assert.ok(results.every((r) => r.body === `${r.server}\n`));
  for (const [i, s] of servers.entries()) {
    const reqs = (await s.waitForRequests(seen[i]! + 10)).slice(seen[i]);
    assert.equal(reqs.length, 10, `${s.name} served ${reqs.length}`);
    for (const r of reqs) {
      // Both methods keep the client's address; NAT rewrites the destination to the real
      // server, DR delivers the packet to the VIP itself (held on the real server's lo).
      assert.equal(r.remote, topo.clientAddr);
      assert.equal(r.local, mode === 'nat' ? topo.rsAddr(i) : topo.vip);
    }
  }
  const connsAfter = await connsOf();
  assert.deepEqual(connsAfter.map((n, i) => n - connsBefore[i]!), [10, 10], `IPVS connection entries before ${connsBefore}, after ${connsAfter}`);
}

test('LVS-NAT: ipvsadm service with two real servers; 20 requests through the VIP reach both', async (t) => {
  if (NO_IPVS) return t.skip(NO_IPVS);
  await serviceRoundTrip('nat');
});

test('LVS-DR: VIP on the real servers\' loopback (arp_ignore=1, arp_announce=2); 20 requests reach both', async (t) => {
  if (NO_IPVS) return t.skip(NO_IPVS);
  await topo.setMode('dr');
  for (const rs of topo.realServers) {
    assert.deepEqual((await rs.addrs('lo')).filter((a) => a.family === 'inet').map((a) => a.local), ['127.0.0.1', topo.vip]);
    assert.equal(await rs.readSysctl('net.ipv4.conf.all.arp_ignore'), '1');
    assert.equal(await rs.readSysctl('net.ipv4.conf.all.arp_announce'), '2');
  }
  await serviceRoundTrip('dr');
});

test('keepalived as yardstick: its HTTP_GET checks program the NAT service and take a 503 server out', async (t) => {
  if (NO_IPVS) return t.skip(NO_IPVS);
  const d1 = topo.directors[0];
  await topo.setMode('nat');
  await ipvsRestore(d1, ['-C']);
  const rs = (i: number): string => `  real_server ${topo.rsAddr(i)} 80 {
    weight 1
    HTTP_GET {
      url {
        path /
        status_code 200
      }
      connect_timeout 1
      retry 1
      delay_before_retry 1
    }
  }`;
  const conf = keepalivedConf({
    routerId: 'd1',
    instances: [],
    tail: `virtual_server ${topo.vip} 80 {
  delay_loop 1
  lb_algo rr
  lb_kind NAT
  protocol TCP
${topo.realServers.map((_, i) => rs(i)).join('\n')}
}`,
  });
  let table: IpvsService[] = [];
  const reals = async (): Promise<string[]> => {
    table = await readIpvsRules(d1);
    return (table[0]?.reals ?? []).map((r) => `${r.addr}:${r.method}:${r.weight}`);
  };
  const both = [`${topo.rsAddr(0)}:masq:1`, `${topo.rsAddr(1)}:masq:1`];
  const ka = Keepalived.start(d1, conf, { only: 'check' });
  try {
    const t0 = performance.now();
    assert.ok(await waitFor(async () => JSON.stringify(await reals()) === JSON.stringify(both), 15_000, 200), `table: ${JSON.stringify(table)}\n${ka.log()}`);
    const programmedMs = performance.now() - t0;
    await servers[1]!.set({ status: 503 });
    const t1 = performance.now();
    assert.ok(await waitFor(async () => JSON.stringify(await reals()) === JSON.stringify(both.slice(0, 1)), 15_000, 200), `table: ${JSON.stringify(table)}`);
    const removedMs = performance.now() - t1;
    await servers[1]!.set({ status: 200 });
    assert.ok(await waitFor(async () => (await reals()).length === 2, 15_000, 200), `table: ${JSON.stringify(table)}`);
    process.stdout.write(`# keepalived in UML: service programmed ${programmedMs.toFixed(0)} ms after start; 503 server removed after ${removedMs.toFixed(0)} ms\n`);
    const st = await ka.stop();
    assert.equal(st.code, 0);
    // On SIGTERM keepalived removes what it programmed.
    assert.deepEqual(await readIpvsRules(d1), []);
  } finally {
    await ka.stop(1000);
  }
});
