// Lab demo step 4 (composition, inside UML): director A, master of VI_1, crashes under traffic.
// Its lvsd gets SIGKILL on its process group (nothing is released: no priority-0 advert) and, for
// a machine crash (the default), A's front link goes down at once: a killed daemon alone leaves
// A's kernel forwarding with the stale VIP and table, so the client would not notice anything.
// Timed from the kill: VIP1 on B (`ip monitor address` in B), B's log, the first request through
// VIP1 answered by way of B (the client's neighbour entry named B's MAC when it left), and the
// requests lost on the way; VIP2 (B's all along) must not lose any.
import { sleep } from '../../proc.js';
import { eventTime, masterDownIntervalMs } from '../lvsd.js';
import { seconds } from '../report.js';
import { failures, formatPerSecond, perSecond, takeoverCost, type SecondRow } from '../traffic-stats.js';
import { ADVERT_INT_S, PRIO_LOW, REQ_TIMEOUT_MS, TOLERANCE_MS, VIP1, VIP2, type Ctx, type Step } from './context.js';
import { serves } from './steps-start.js';

const rel = (ms: number): string => `${ms < 0 ? '-' : '+'}${seconds(Math.abs(ms))}`;

export async function crashStep(c: Ctx, s: Step): Promise<void> {
  const { A, B, topo } = c;
  const da = c.da!;
  const db = c.db!;
  const traffic = c.traffic!;
  const seen = db.transitions('VI_1').length;
  const rs = [topo.rsAddr(0), topo.rsAddr(1)];
  const preprogrammed = serves(c.tableB.read(), VIP1, rs);
  await sleep(1000); // a quiet second of traffic before the crash, for the table below
  const killAt = Date.now();
  da.crash();
  if (c.crash === 'machine') await A.ip('link set eth0 down');
  const cutAt = Date.now();
  const what =
    c.crash === 'machine'
      ? `kill -9 -- -${da.pgid} (A's lvsd process group: nothing is released, no priority-0 advert) and A's eth0 down ${seconds(cutAt - killAt)} later (the machine is gone: its kernel forwards nothing more)`
      : `kill -9 -- -${da.pgid} (A's lvsd process group only: A's kernel keeps the stale VIP and IPVS table and goes on forwarding)`;
  s.say(what);
  // B programs VIP1's service on taking over, unless its table had it all along (keepalived's model).
  const programmed = preprogrammed ? 0 : await c.tableB.until((t) => serves(t, VIP1, rs), 15_000);
  const progAt = programmed === undefined ? undefined : Date.now();
  const m = await db.waitForState('VI_1', 'MASTER', 15_000, seen);
  const first = await traffic.waitFor((r) => r.v === 0 && r.s >= killAt && r.err === undefined && r.mac === c.mac.B, 15_000);
  await sleep(3000); // traffic after the takeover, for the table and the stray-failure count
  await da.exited();
  const until = Date.now() - REQ_TIMEOUT_MS; // every request sent before this has ended
  const reqs = traffic.requests();
  const upAt = c.monB.addedAt(VIP1, killAt);
  const cost = takeoverCost(reqs, 0, killAt, c.mac.B, REQ_TIMEOUT_MS, until);
  const vip2Lost = failures(reqs, 1, killAt - REQ_TIMEOUT_MS, until);
  const bound = masterDownIntervalMs(ADVERT_INT_S, PRIO_LOW);
  const vipMs = upAt === undefined ? undefined : upAt - killAt;
  const inBound = vipMs !== undefined && vipMs <= bound + TOLERANCE_MS && vipMs >= bound - ADVERT_INT_S * 1000 - 100;
  const firstMs = first ? first.e - killAt : undefined;
  // Whole seconds from two before the kill to two after the first answer through B (or as far as known).
  const wholeTo = killAt + 1000 * Math.min(Math.floor((until - killAt) / 1000), Math.ceil(((first?.e ?? until) - killAt) / 1000) + 2);
  const rows = perSecond(reqs, 2, killAt, killAt - 2000, wholeTo);
  const mark = (r: SecondRow): string => {
    const notes: string[] = [];
    const inRow = (t: number | undefined): boolean => t !== undefined && t - killAt >= r.at && t - killAt < r.at + 1000;
    if (inRow(killAt)) notes.push('<- A crashes');
    if (inRow(upAt)) notes.push('<- VIP1 on B');
    if (first && inRow(first.s)) notes.push('<- first answer via B');
    return notes.length ? `  ${notes.join(' ')}` : '';
  };
  s.say(
    [
      `B holds ${VIP1} ${vipMs === undefined ? 'NEVER' : seconds(vipMs)} after the kill (\`ip monitor address\` in B; B's log: VI_1 MASTER at ${seconds(eventTime(m) - killAt)})`,
      `  RFC 3768 §6.1: Master_Down_Interval = 3 x ${ADVERT_INT_S} s + (256-${PRIO_LOW})/256 s = ${seconds(bound)} after the last advert B heard` +
        ` -> expected ${seconds(bound - ADVERT_INT_S * 1000)}..${seconds(bound)} after the kill (+${TOLERANCE_MS} ms slack): ${inBound ? 'within' : 'OUTSIDE'}`,
      preprogrammed
        ? `B's table had ${VIP1}:80 all along (programmed on both directors, as keepalived does)`
        : `B programmed ${VIP1}:80 ${progAt === undefined ? 'NEVER' : `${seconds(progAt - killAt)} after the kill`} (lvsd_ipvs_program follow_vrrp: a VIP's virtual servers are programmed just before the VIP is added; table polled every 20 ms)`,
      `first request through ${VIP1} answered by way of B (client's neighbour entry: B's MAC ${c.mac.B}, moved by B's gratuitous ARP): ${firstMs === undefined ? 'NONE' : `${seconds(firstMs)} after the kill (sent at +${seconds(first!.s - killAt)}, answered by ${first!.srv})`}`,
      `lost through ${VIP1}: ${cost.lost} requests${cost.lost ? `, sent from ${rel(cost.lostFrom! - killAt)} to ${rel(cost.lostTo! - killAt)} after the kill` : ''} (of ${cost.sentInWindow} in flight at the kill or sent before that first answer); failed after it: ${cost.strayFailures}`,
      `lost through ${VIP2} (B, master all along): ${vip2Lost}`,
      `sent / answered / failed per second, from the kill:\n${formatPerSecond(rows, [`VIP1 ${VIP1}`, `VIP2 ${VIP2}`], mark)}`,
    ].join('\n'),
  );
  const problems = [
    ...(inBound ? [] : [`VIP1 on B after ${vipMs === undefined ? 'never' : seconds(vipMs)}, outside the bound`]),
    ...(firstMs !== undefined && firstMs <= bound + 1000 + TOLERANCE_MS ? [] : ['no answer through B in time']),
    ...(cost.strayFailures === 0 ? [] : [`${cost.strayFailures} VIP1 requests failed after the takeover`]),
    ...(vip2Lost === 0 ? [] : [`${vip2Lost} VIP2 requests failed`]),
    ...(c.crash === 'machine' && cost.lost === 0 ? ['a machine crash lost no request: the client cannot have gone through A'] : []),
    ...(await B.hasAddr(VIP2) ? [] : ['B lost VIP2']),
  ];
  if (problems.length) s.say(problems.join('\n'));
  s.end(
    'crash and takeover',
    problems.length ? 'FAIL' : 'PASS',
    `VIP1 on B ${vipMs === undefined ? '-' : seconds(vipMs)} after the kill (bound ${seconds(bound)}); first answer via B ${firstMs === undefined ? '-' : seconds(firstMs)}; lost ${cost.lost} of ${cost.sentInWindow} (VIP1), ${vip2Lost} (VIP2)`,
  );
}
