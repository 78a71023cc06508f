// Namespace tests on the host kernel (no IPVS here): the `lvs` topology's routing for NAT and DR
// reply paths, and the real-server HTTP program's run-time status, delay, body and drop controls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lab } from '../lab/netns.js';
import { lvs } from '../lab/topologies.js';
import { HttpServer, httpGetMany } from '../lab/http.js';
import { requireRoot } from '../util/env.js';

test('lvs topology: real servers reply through the active director (NAT) or the router (DR)', async (t) => {
  if (!requireRoot(t, ['ip', 'busybox'])) return;
  const lab = Lab.forTest(t, 'lvs-routes');
  const topo = await lvs(lab, { realServers: 3 });
  const [d1, d2] = topo.directors;
  const rs1 = topo.realServers[0]!;
  assert.equal(topo.realServers.length, 3);
  assert.equal(await d1.readSysctl('net.ipv4.ip_forward'), '1');
  assert.equal(await rs1.readSysctl('net.ipv4.conf.all.arp_ignore'), '1');
  assert.equal(await rs1.readSysctl('net.ipv4.conf.all.arp_announce'), '2');
  const route = async (): Promise<string> => (await rs1.exec(['ip', 'route', 'get', topo.clientAddr])).stdout;
  /** Pings the client from rs1 and returns what captures on d1 and the router saw forwarded. */
  const forwardedBy = async (): Promise<{ d1: number[]; router: number[] }> => {
    const c1 = await d1.capture('eth0', 'icmp');
    const cr = await topo.router.capture('eth0', 'icmp');
    // The client has no route back to the real servers (in LVS only VIP traffic returns), so
    // the echo gets no reply: what counts is which host forwarded the request.
    await rs1.exec(['busybox', 'ping', '-c', '1', '-W', '1', '-w', '1', topo.clientAddr], { allowFail: true });
    const seen = async (c: typeof c1): Promise<number[]> => {
      await c.stop();
      return c.ipv4().filter((p) => p.src === topo.rsAddr(0) && p.dst === topo.clientAddr).map((p) => p.ttl);
    };
    return { d1: await seen(c1), router: await seen(cr) };
  };

  // NAT: default route via the floating back gateway, held by the active director.
  assert.match(await route(), new RegExp(`via ${topo.backGateway.replace(/\./g, '\\.')} `));
  await topo.activate(d1);
  assert.deepEqual([await d1.hasAddr(topo.vip), await d1.hasAddr(topo.backGateway), await d2.hasAddr(topo.vip)], [true, true, false]);
  assert.deepEqual(await forwardedBy(), { d1: [63], router: [] });

  // DR: VIP on lo, replies leave through the router.
  await topo.setMode('dr');
  assert.ok(await rs1.hasAddr(topo.vip));
  assert.match(await route(), new RegExp(`via ${topo.routerBack.replace(/\./g, '\\.')} `));
  assert.deepEqual(await forwardedBy(), { d1: [], router: [63] });
  await topo.setMode('nat');
  assert.equal(await rs1.hasAddr(topo.vip), false);
  await topo.deactivate(d1);
  assert.equal(await d1.hasAddr(topo.vip), false);
});

test('real-server HTTP program: status, delay, body and dropped connections change at run time', async (t) => {
  if (!requireRoot(t, ['ip'])) return;
  const lab = Lab.forTest(t, 'lvs-http');
  const topo = await lvs(lab, { realServers: 1 });
  const rs = await HttpServer.start(topo.realServers[0]!, { ports: [80, 8080] });
  const url = `http://${topo.rsAddr(0)}`;
  const get = (path = '/', n = 1) => httpGetMany(topo.router, `${url}${path}`, n, { timeoutMs: 2000 });

  const [a] = await get('/x');
  assert.deepEqual([a!.status, a!.server, a!.body], [200, 'rs1', 'rs1\n']);
  assert.deepEqual((await rs.waitForRequests(1)).map((r) => [r.port, r.path, r.remote, r.local]), [[80, '/x', topo.routerBack, topo.rsAddr(0)]]);

  await rs.set({ status: 503, delayMs: 300, body: 'down\n' });
  const [b] = await get();
  assert.deepEqual([b!.status, b!.body], [503, 'down\n']);
  assert.ok(b!.ms >= 290, `answered after ${b!.ms} ms`);
  const [c] = await httpGetMany(topo.router, `http://${topo.rsAddr(0)}:8080/`, 1);
  assert.equal(c!.status, 503);

  await rs.set({ close: true });
  const [d] = await get();
  assert.equal(d!.status, undefined);
  assert.match(d!.error ?? '', /socket hang up|ECONNRESET/);

  await rs.set({ close: false, status: 200, delayMs: 0 });
  const many = await get('/', 5);
  assert.deepEqual(many.map((r) => r.status), [200, 200, 200, 200, 200]);
  assert.equal((await rs.waitForRequests(9)).length, 9); // the dropped one was logged before it was dropped
});
