// Lab demo, host kernel (steps 1-3): `lvsd check-config` on the demo configuration, then two
// `lvsd run --vrrp-only` directors on the front LAN of the lab's `lvs` topology: election of both
// instances, a crash of director A (SIGKILL of its process group) with the takeover timed from
// B's namespace and the client's neighbour entry moved by B's gratuitous ARP, and A's return.
import type { Host } from '../netns.js';
import { sleep, waitFor } from '../proc.js';
import type { LvsTopology } from '../topologies.js';
import { which } from '../../util/env.js';
import { confFile, eventTime, lvsdArgv, LvsdProcess, macOf, masterDownIntervalMs, neighbour, v4Addrs } from './lvsd.js';
import { seconds, type Status } from './report.js';

export const VIP1 = '10.88.0.100';
export const VIP2 = '10.88.0.200';
/** The demo configuration's advert_int and priorities (test/lab/demo/conf). */
const ADVERT_INT_S = 1;
const PRIO_HIGH = 150;
const PRIO_LOW = 100;
/** Scheduling slack on top of an RFC bound (process wake-ups, the `ip monitor` pipe). */
export const TOLERANCE_MS = Number(process.env.LVSD_TIMING_TOLERANCE_MS ?? 300);

export interface StepOutcome {
  status: Status;
  figures: string;
}

export type Say = (text: string) => void;

/** Step 1: check-config on each director's file, in that director's namespace (host checks see its eth0). */
export async function checkConfigStep(topo: LvsTopology, say: Say): Promise<StepOutcome> {
  const problems: string[] = [];
  const summaries: string[] = [];
  for (const [i, d] of (['a', 'b'] as const).entries()) {
    const host = topo.directors[i]!;
    const file = confFile(d);
    const r = await host.exec(lvsdArgv(['check-config', '-f', file]), { allowFail: true, timeoutMs: 30_000 });
    const summary = [...r.stdout.split('\n'), ...r.stderr.split('\n')].find((l) => /\d+ errors?, \d+ warnings?/.test(l)) ?? '(no summary line)';
    say(`$ lvsd check-config -f test/lab/demo/conf/director-${d}.conf   (in ${label(i)}'s namespace)\n  exit ${r.code}: ${summary.replace(/^.*?: (\d+ error)/, '$1')}`);
    summaries.push(`${d}: exit ${r.code}`);
    if (r.code !== 0) problems.push(`director-${d}.conf: exit ${r.code}\n${r.stderr || r.stdout}`);
    if (which('keepalived')) {
      const k = await host.exec(['keepalived', '-t', '-f', file], { allowFail: true, timeoutMs: 30_000 });
      say(`  keepalived -t (Debian's keepalived, the reference) on the same file: exit ${k.code}`);
      if (k.code !== 0) problems.push(`keepalived -t director-${d}.conf: exit ${k.code}\n${k.stderr}`);
    }
  }
  if (problems.length) say(problems.join('\n'));
  return { status: problems.length ? 'FAIL' : 'PASS', figures: `both files clean (${summaries.join(', ')})` };
}

function label(i: number): string {
  return i === 0 ? 'A (d1)' : 'B (d2)';
}

export interface VrrpState {
  a: LvsdProcess;
  b: LvsdProcess;
}

/** Step 2: both directors start as BACKUP; A must win VI_1 and B VI_2, each holding only its VIP. */
export async function electionStep(topo: LvsTopology, say: Say, state: Partial<VrrpState>): Promise<StepOutcome> {
  const [A, B] = topo.directors;
  const t0 = Date.now();
  const a = LvsdProcess.runVrrp(A, confFile('a'));
  const b = LvsdProcess.runVrrp(B, confFile('b'));
  Object.assign(state, { a, b });
  say(`started: lvsd run --vrrp-only -f director-a.conf in A (d1, eth0 ${topo.directorFront(0)}), -f director-b.conf in B (d2, eth0 ${topo.directorFront(1)})`);
  const [m1, m2] = await Promise.all([a.waitForState('VI_1', 'MASTER', 20_000), b.waitForState('VI_2', 'MASTER', 20_000)]);
  await Promise.all([b.waitForState('VI_1', 'BACKUP', 10_000), a.waitForState('VI_2', 'BACKUP', 10_000)]);
  await Promise.all([A.waitForAddr(VIP1, { timeoutMs: 3000 }), B.waitForAddr(VIP2, { timeoutMs: 3000 })]);
  await sleep(2 * ADVERT_INT_S * 1000); // two more adverts: the election has settled
  const e1 = eventTime(m1) - t0;
  const e2 = eventTime(m2) - t0;
  const bound = masterDownIntervalMs(ADVERT_INT_S, PRIO_HIGH);
  say(
    [
      `VI_1 (VRID 50, ${VIP1}): A (priority ${PRIO_HIGH}) MASTER ${seconds(e1)} after start; B (priority ${PRIO_LOW}) BACKUP`,
      `VI_2 (VRID 51, ${VIP2}): B (priority ${PRIO_HIGH}) MASTER ${seconds(e2)} after start; A (priority ${PRIO_LOW}) BACKUP`,
      `  (a BACKUP start waits Master_Down_Interval = 3 x ${ADVERT_INT_S} s + (256-${PRIO_HIGH})/256 s = ${seconds(bound)}, plus node start-up)`,
      ...(await holdersText(topo)),
    ].join('\n'),
  );
  const ok = (await A.hasAddr(VIP1)) && !(await A.hasAddr(VIP2)) && (await B.hasAddr(VIP2)) && !(await B.hasAddr(VIP1));
  if (!ok) say('the VIPs are not where the configuration puts them');
  // Transitions to MASTER by the node the priorities did not choose. Not a fault: a node that
  // starts first times out first and holds the VIP until the higher priority preempts it.
  const early: string[] = [];
  for (const [who, p, inst, winner] of [['A', a, 'VI_2', 'B'], ['B', b, 'VI_1', 'A']] as const) {
    const ts = p.transitions(inst);
    ts.forEach((e, i) => {
      if (e.to !== 'MASTER') return;
      const next = ts[i + 1];
      early.push(`${who} was MASTER of ${inst} for ${next ? seconds(eventTime(next) - eventTime(e)) : 'a while'} (its Master_Down timer ran out before ${winner}'s first advert arrived) until ${winner}'s priority ${PRIO_HIGH} preempted it`);
    });
  }
  if (early.length) say(early.join('\n'));
  const wrong = early.length;
  return {
    status: ok ? 'PASS' : 'FAIL',
    figures: `VI_1 -> A in ${seconds(e1)}, VI_2 -> B in ${seconds(e2)}${wrong ? `, ${wrong} early master(s) preempted` : ''}`,
  };
}

async function holdersText(topo: LvsTopology): Promise<string[]> {
  const [A, B] = topo.directors;
  return [`A (d1) eth0: ${(await v4Addrs(A)).join(' ')}`, `B (d2) eth0: ${(await v4Addrs(B)).join(' ')}`];
}

/** Makes `host` resolve `addr` (one UDP datagram to the discard port), so it has a neighbour entry. */
async function touch(host: Host, addr: string): Promise<void> {
  await host.exec(['bash', '-c', `echo x > /dev/udp/${addr}/9`], { allowFail: true });
}

/**
 * Step 3: the client learns VIP1 -> A's MAC; A's process group gets SIGKILL; `ip monitor address`
 * in B's namespace times the moment VIP1 lands on B; the client's entry must move to B's MAC (GARP).
 * Then A is started again: it clears the address its killed process left and preempts VI_1.
 */
export async function takeoverStep(topo: LvsTopology, say: Say, st: VrrpState): Promise<StepOutcome> {
  const [A, B] = topo.directors;
  const client = topo.client;
  const [macA, macB] = await Promise.all([macOf(A), macOf(B)]);
  await touch(client, VIP1);
  const learned = await waitFor(async () => (await neighbour(client, VIP1))?.lladdr === macA, 3000, 50);
  say(`client (${topo.clientAddr}) neighbour entry: ${VIP1} lladdr ${(await neighbour(client, VIP1))?.lladdr ?? 'none'} (A is ${macA}, B is ${macB})`);
  if (!learned) return { status: 'FAIL', figures: 'the client never resolved VIP1 to A' };

  let tUp: number | undefined;
  const vipLine = new RegExp(`^(?!Deleted).*\\binet ${VIP1.replace(/\./g, '\\.')}/`);
  const mon = B.spawn(['ip', '-o', 'monitor', 'address'], {
    name: 'B: ip monitor',
    onLine: (_s, line) => {
      if (tUp === undefined && vipLine.test(line)) tUp = performance.now();
    },
  });
  await sleep(1200); // the monitor is subscribed; A has sent one more advert
  const seen = st.b.transitions('VI_1').length;
  const wKill = Date.now();
  const tKill = performance.now();
  st.a.proc.killGroup('SIGKILL');
  const m = await st.b.waitForState('VI_1', 'MASTER', 10_000, seen);
  await waitFor(() => tUp !== undefined, 3000, 5);
  const bound = masterDownIntervalMs(ADVERT_INT_S, PRIO_LOW);
  const logMs = eventTime(m) - wKill;
  if (tUp === undefined) {
    say(`B logged MASTER for VI_1 ${seconds(logMs)} after the kill, but ${VIP1} never appeared in B's address events`);
    await mon.stop(500);
    return { status: 'FAIL', figures: 'VIP1 not seen on B' };
  }
  const takeover = tUp - tKill;
  await st.a.proc.exited;
  const inTime = takeover <= bound + TOLERANCE_MS && takeover >= bound - ADVERT_INT_S * 1000 - 100;
  say(
    [
      `kill -9 -- -${st.a.proc.pgid} (director A's process group: a crash, nothing is released)`,
      `B holds ${VIP1} ${seconds(takeover)} after the kill (seen by \`ip monitor address\` in B; B's log: MASTER at ${seconds(logMs)})`,
      `RFC 3768 §6.1: Master_Down_Interval = 3 x ${ADVERT_INT_S} s + (256-${PRIO_LOW})/256 s = ${seconds(bound)} after the last advert heard` +
        ` -> expected ${seconds(bound - ADVERT_INT_S * 1000)}..${seconds(bound)} (+${TOLERANCE_MS} ms slack): ${inTime ? 'within' : 'OUTSIDE'}`,
    ].join('\n'),
  );
  const garp = await waitFor(async () => (await neighbour(client, VIP1))?.lladdr === macB, 3000, 20);
  const entry = await neighbour(client, VIP1);
  say(`client neighbour entry now: ${VIP1} lladdr ${entry?.lladdr ?? 'none'} ${garp ? "= B's MAC (B's gratuitous ARP)" : "(not B's MAC)"}`);
  const vi2 = await B.hasAddr(VIP2);
  const stale = await A.hasAddr(VIP1);
  say(`B still holds ${VIP2} (VI_2): ${vi2 ? 'yes' : 'NO'}; A's eth0 still carries ${VIP1}: ${stale ? 'yes (a killed process removes nothing; keepalived leaves it too)' : 'no'}`);
  await mon.stop(500);

  // A comes back: lvsd clears the stale VIP at start, waits Master_Down_Interval, preempts B.
  const aEvents: string[] = [];
  const monA = A.spawn(['ip', '-o', 'monitor', 'address'], { name: 'A: ip monitor', onLine: (_s, line) => aEvents.push(line) });
  await sleep(300);
  const t1 = Date.now();
  const a2 = LvsdProcess.runVrrp(A, confFile('a'));
  st.a = a2;
  const bSeen = st.b.transitions('VI_1').length;
  await a2.waitForState('VI_1', 'MASTER', 15_000);
  await st.b.waitForState('VI_1', 'BACKUP', 5000, bSeen);
  const back = await waitFor(async () => (await A.hasAddr(VIP1)) && !(await B.hasAddr(VIP1)), 3000, 20);
  const preempt = Date.now() - t1;
  const garpBack = await waitFor(async () => (await neighbour(client, VIP1))?.lladdr === macA, 3000, 20);
  await monA.stop(500);
  const vip1Events = aEvents.filter((l) => l.includes(` ${VIP1}/`));
  const cleared = vip1Events.length >= 2 && vip1Events[0]!.startsWith('Deleted') && !vip1Events.at(-1)!.startsWith('Deleted');
  say(
    [
      `A restarted: ${cleared ? `removed the stale ${VIP1} at start (a deletion in A's address events), then` : 'then'} took VI_1 back (preempt: ${PRIO_HIGH} > ${PRIO_LOW}) ${seconds(preempt)} after its start; B is BACKUP again and released it`,
      `client neighbour entry: ${VIP1} lladdr ${(await neighbour(client, VIP1))?.lladdr ?? 'none'}${garpBack ? " = A's MAC again" : ''}`,
      ...(await holdersText(topo)),
    ].join('\n'),
  );
  const ok = inTime && garp && vi2 && stale && cleared && back && garpBack && (await B.hasAddr(VIP2));
  return {
    status: ok ? 'PASS' : 'FAIL',
    figures: `takeover ${seconds(takeover)} (bound ${seconds(bound)}); GARP moved the client to B; A back as master in ${seconds(preempt)}`,
  };
}

/** SIGTERM to both directors: masters send priority 0 and release their VIPs; exit status 0. */
export async function stopDirectors(topo: LvsTopology, st: Partial<VrrpState>): Promise<string[]> {
  const problems: string[] = [];
  for (const [i, p] of [st.a, st.b].entries()) {
    if (!p || !p.proc.alive) continue;
    const s = await p.proc.stop(8000);
    if (s.code !== 0) problems.push(`${label(i)}: lvsd exited ${s.signal ?? s.code} after SIGTERM`);
  }
  for (const [i, d] of topo.directors.entries()) {
    const left = (await v4Addrs(d)).filter((a) => a.startsWith(`${VIP1}/`) || a.startsWith(`${VIP2}/`));
    if (left.length) problems.push(`${label(i)} still holds ${left.join(', ')} after a graceful stop`);
  }
  return problems;
}
