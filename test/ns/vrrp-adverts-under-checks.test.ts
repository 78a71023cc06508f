// Namespace test of the checker pool's isolation in the full daemon on the host kernel (no IPVS):
// `lvsd run -f FILE` as VRRP (v3) MASTER with advert_int 0.1 and a virtual_server with ~1,300
// checkers whose targets hang (TCP_CHECK connects whose SYNs are dropped, HTTP_GET against a
// listener that accepts and never answers) keeps sending its adverts every 100 ms (measured on the
// wire from the observer), and the one healthy HTTP_GET real server keeps its 1 s schedule and
// stays up: one slow or hung target never delays another's probe or the VRRP adverts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Lab } from '../lab/netns.js';
import { vrrpPair, type VrrpLan } from '../lab/topologies.js';
import { sleep } from '../lab/proc.js';
import { ipv4Packets } from '../lab/pcap.js';
import { peekVrrp } from '../lab/vrrp-peek.js';
import { requireRoot } from '../util/env.js';

const DIST = fileURLToPath(new URL('../../', import.meta.url));
const LVSD = [join(DIST, 'src', 'cli', 'lvsd.mjs'), join(DIST, 'src', 'cli', 'main.js')].find((f) => existsSync(f))!;

const VRID = 63;
/** Hung TCP_CHECK targets: 10.99.0.0/16 routed through d2, which does not forward and drops them silently. */
const HUNG_TCP = 1000;
/** Hung HTTP_GET targets: 127.0.X.Y:8081 in d1, where a listener accepts and never answers. */
const HUNG_HTTP = 300;
const HUNG_HTTP_PORT = 8081;
const HEALTHY_PORT = 8082;
const ADVERT_MS = 100;
/** The largest interval allowed between two adverts, and the median's tolerance (ms). */
const MAX_GAP_MS = ADVERT_MS + 40;
const MEDIAN_TOL_MS = 10;
/** Measuring starts this long after the daemon is ready (the hung probes are in flight), and lasts WINDOW_MS. */
const SETTLE_MS = 3000;
const WINDOW_MS = 10_000;

const hungTcp = (i: number): string => `10.99.${Math.floor(i / 250)}.${(i % 250) + 1}`;
const hungHttp = (i: number): string => `127.0.${1 + Math.floor(i / 250)}.${(i % 250) + 1}`;

function conf(lan: VrrpLan, healthy: string): string {
  const rs: string[] = [];
  for (let i = 0; i < HUNG_TCP; i++) rs.push(`  real_server ${hungTcp(i)} 80 {`, '    TCP_CHECK {', '      connect_timeout 2', '    }', '  }');
  for (let i = 0; i < HUNG_HTTP; i++) {
    rs.push(`  real_server ${hungHttp(i)} ${HUNG_HTTP_PORT} {`, '    HTTP_GET {', '      url {', '        path /', '        status_code 200', '      }', '      connect_timeout 2', '      delay_before_retry 1', '    }', '  }');
  }
  rs.push(`  real_server ${healthy} ${HEALTHY_PORT} {`, '    HTTP_GET {', '      url {', '        path /health', '        status_code 200', '      }', '      connect_timeout 2', '    }', '  }');
  return [
    'vrrp_instance VI_1 {',
    '  state MASTER',
    '  interface eth0',
    `  virtual_router_id ${VRID}`,
    '  priority 150',
    '  version 3',
    `  advert_int ${ADVERT_MS / 1000}`,
    '  virtual_ipaddress {',
    `    ${lan.vip}/24`,
    '  }',
    '}',
    `virtual_server ${lan.vip} 80 {`,
    '  delay_loop 1',
    '  lb_algo rr',
    '  lb_kind NAT',
    '  protocol TCP',
    ...rs,
    '}',
  ].join('\n');
}

/** d1's listeners: one that accepts on HUNG_HTTP_PORT and never answers, one answering 200 on HEALTHY_PORT. */
const LISTENERS = `
const net = require('node:net');
const http = require('node:http');
let held = 0;
net.createServer((s) => {
  console.log('acc');
  held++;
  s.on('error', () => {});
  s.on('close', () => held--);
  s.on('end', () => s.destroy());
}).listen(${HUNG_HTTP_PORT}, '0.0.0.0', () => console.log('listening hung'));
http.createServer((req, res) => {
  console.log('req ' + req.url);
  res.writeHead(200, { connection: 'close' });
  res.end('ok\\n');
}).listen(${HEALTHY_PORT}, '0.0.0.0', () => console.log('listening healthy'));
`;

interface CheckEvent {
  target: string;
  state: string;
  reason?: string;
}

/** The states d1's instance went to, in order, from lvsd's JSON log. */
function transitions(log: string): string[] {
  return log
    .split('\n')
    .filter((l) => l.includes('"event":"vrrp.transition"'))
    .map((l) => (JSON.parse(l.slice(l.indexOf('{'))) as { to: string }).to);
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

test('VRRP adverts every 100 ms and a healthy probe on schedule while ~1,300 checks hang', { timeout: 90_000 }, async (t) => {
  if (!requireRoot(t, ['ip', 'tcpdump'])) return;
  const lab = Lab.forTest(t, 'advchk');
  const lan = await vrrpPair(lab);
  const [d1, d2] = [lan.directors[0]!, lan.directors[1]!];
  const master = lan.addrOf(d1);
  const healthy = master; // HTTP_GET http://10.77.0.1:8082/health, answered by d1's listener
  // d2 does not forward (a new namespace's default): what d1 routes to it for 10.99/16 is dropped
  // without an ICMP answer, so the SYNs are sent and never answered.
  assert.equal(await d2.readSysctl('net.ipv4.ip_forward'), '0');
  await d1.ip(`route add 10.99.0.0/16 via ${lan.addrOf(d2)}`);

  const probes: number[] = [];
  const accepts: number[] = [];
  const listeners = lab.track(
    d1.spawn([process.execPath, '-e', LISTENERS], {
      name: 'd1: listeners',
      onLine: (stream, line) => {
        if (stream === 'stdout' && line === 'req /health') probes.push(performance.now());
        else if (stream === 'stdout' && line === 'acc') accepts.push(performance.now());
      },
    }),
  );
  await listeners.waitForLine(/listening hung/, 10_000);
  await listeners.waitForLine(/listening healthy/, 10_000);

  const file = join(lab.dir, 'lvsd.conf');
  writeFileSync(file, conf(lan, healthy));
  const cap = await lan.observer.capture('eth0', 'ip proto 112');
  // The hung TCP_CHECKs' SYNs, seen where they are dropped (only the IP header is needed).
  const syns = await d2.capture('eth0', 'tcp[tcpflags] & tcp-syn != 0 and dst net 10.99.0.0/16', { snapLen: 64 });
  const p = lab.track(d1.spawn([process.execPath, LVSD, 'run', '-f', file, '--metrics-listen', 'off', '--control-socket', 'off'], { name: 'd1: lvsd run' }));
  await p.waitForLine(/"event":"lvsd.ready"/, 20_000);
  const ready = performance.now();
  await sleep(SETTLE_MS + WINDOW_MS + 300);
  const endedAt = performance.now();
  const alive = p.alive;
  const logRunning = p.output();
  const pkts = ipv4Packets(await cap.stop());
  const synPkts = ipv4Packets(await syns.stop());
  p.kill('SIGTERM');
  const ex = await p.exited;
  const log = p.output();
  assert.ok(alive, `lvsd stayed up\n${log.slice(-2000)}`);
  assert.equal(ex.code, 0, log.slice(-2000));

  // The adverts on the wire (the capture's clock is the kernel's). The window starts SETTLE_MS after
  // the first advert: d1, alone on the LAN, becomes MASTER just after it is ready and its checks started.
  const adverts = pkts.filter((x) => x.protocol === 112 && peekVrrp(x.payload)?.vrid === VRID);
  assert.ok(adverts.length > 0, 'adverts on the wire');
  assert.ok(adverts.every((x) => x.src === master && peekVrrp(x.payload)?.version === 3 && peekVrrp(x.payload)?.priority === 150), 'only d1 advertises, VRRPv3, priority 150');
  const t0 = adverts[0]!.time + SETTLE_MS / 1000;
  const inWindow = adverts.filter((x) => x.time >= t0 && x.time <= t0 + WINDOW_MS / 1000);
  const gaps = inWindow.slice(1).map((x, i) => (x.time - inWindow[i]!.time) * 1000);
  const sorted = [...gaps].sort((a, b) => a - b);
  const median = pct(sorted, 50);
  const p99 = pct(sorted, 99);
  const max = sorted[sorted.length - 1]!;
  // The load during the window: SYNs to the hung TCP targets, connections accepted by the hung listener.
  const synsIn = synPkts.filter((x) => x.time >= t0 && x.time <= t0 + WINDOW_MS / 1000).length;
  const acceptsIn = accepts.filter((x) => x >= ready + SETTLE_MS && x <= endedAt).length;

  // The checks' transitions from lvsd's JSON log.
  const events: CheckEvent[] = log
    .split('\n')
    .filter((l) => l.includes('"event":"check.state"'))
    .map((l) => JSON.parse(l.slice(l.indexOf('{'))) as CheckEvent);
  const downBy = (re: RegExp, reason?: string) => events.filter((e) => e.state === 'down' && re.test(e.target) && (reason === undefined || e.reason === reason));
  const tcpDown = new Set(downBy(/^TCP_CHECK 10\.99\./, 'timeout').map((e) => e.target));
  const httpDown = new Set(downBy(new RegExp(`^HTTP_GET .*127\\.0\\.\\d+\\.\\d+:${HUNG_HTTP_PORT}`), 'timeout').map((e) => e.target));
  const healthyDown = events.filter((e) => e.target.includes(`://${healthy}:${HEALTHY_PORT}/`));
  const otherReasons = events.filter((e) => e.state === 'down' && e.reason !== 'timeout').slice(0, 5);

  // The healthy probe's schedule, seen by its server: one request a second (delay_loop 1).
  const seen = probes.filter((x) => x >= ready + SETTLE_MS && x <= endedAt);
  const probeGaps = seen.slice(1).map((x, i) => x - seen[i]!);
  const probeMax = Math.max(...probeGaps);

  t.diagnostic(`adverts in ${WINDOW_MS / 1000} s window: ${inWindow.length} (total ${adverts.length}); interval median ${median.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${max.toFixed(1)} ms, min ${sorted[0]!.toFixed(1)} ms`);
  t.diagnostic(`checks down by timeout: TCP_CHECK ${tcpDown.size}/${HUNG_TCP}, HTTP_GET ${httpDown.size}/${HUNG_HTTP}; other down reasons: ${JSON.stringify(otherReasons)}`);
  t.diagnostic(`load in the window: ${synsIn} SYNs to hung TCP_CHECK targets, ${acceptsIn} connections to the hung HTTP listener`);
  t.diagnostic(`d1's VRRP states: ${transitions(logRunning).join(' -> ')}`);
  t.diagnostic(`healthy HTTP_GET: ${seen.length} probes in the window, largest gap ${probeMax.toFixed(0)} ms; transitions ${JSON.stringify(healthyDown)}`);

  assert.equal(tcpDown.size, HUNG_TCP, 'every hung TCP_CHECK went down by timeout');
  assert.equal(httpDown.size, HUNG_HTTP, 'every hung HTTP_GET went down by timeout');
  assert.deepEqual(healthyDown, [], 'the healthy real server never changed state (it starts up)');
  // Each hung target is probed about every 3 s during the whole window (2 s timeout, then 1 s:
  // delay_loop, and delay_before_retry for HTTP_GET, whose default is 3 s).
  const rounds = Math.floor(WINDOW_MS / 3000);
  assert.ok(synsIn >= HUNG_TCP * rounds, `${synsIn} SYNs to the hung TCP targets in the window`);
  assert.ok(acceptsIn >= HUNG_HTTP * rounds, `${acceptsIn} connections to the hung HTTP listener in the window`);
  // Started as MASTER (through BACKUP, lvsd's start state), then never left it.
  const states = transitions(logRunning);
  assert.equal(states.at(-1), 'MASTER', `states ${states.join(' -> ')}`);
  assert.equal(states.filter((s) => s === 'MASTER').length, 1, `states ${states.join(' -> ')}`);
  assert.ok(inWindow.length >= (WINDOW_MS / ADVERT_MS) * 0.95, `${inWindow.length} adverts in ${WINDOW_MS} ms`);
  assert.ok(max <= MAX_GAP_MS, `largest interval between adverts ${max.toFixed(1)} ms > ${MAX_GAP_MS} ms`);
  assert.ok(Math.abs(median - ADVERT_MS) <= MEDIAN_TOL_MS, `median interval ${median.toFixed(1)} ms`);
  assert.ok(seen.length >= WINDOW_MS / 1000 - 1, `${seen.length} healthy probes in ${WINDOW_MS} ms`);
  assert.ok(probeMax <= 1500, `the healthy probe's largest gap ${probeMax.toFixed(0)} ms (delay_loop 1 s)`);
});
