// Lab demo entry (`make lab`, composition): shows what lvsd does today, step by step with a
// progress line and a verdict each, then a report. Host kernel (namespaces): check-config, VRRP
// election, a crash and takeover with GARP, preemption. User-Mode Linux (IPVS): lvsd programs the
// demo configuration's virtual servers, a client's requests reach both real servers, and
// `lvsd ipvsadm` matches ipvsadm; health checks when `lvsd run --check-only` exists. Exit 0 only if
// every step that ran passed. Everything it starts is removed at the end, on failure and on Ctrl-C.
//   node dist/test/lab/demo/main.js
// LVSD_DEMO_CHECK_ONLY_ENTRY=FILE.js runs steps 4-5 with that entry point (taking `-f CONF`) in place
// of `lvsd run --check-only`, to try the health-check step before the CLI offers it; the output
// names the entry point. LVSD_TIMING_TOLERANCE_MS changes the slack on the takeover bound (300).
import { relative } from 'node:path';
import { Lab, listNamespaces, NS_PREFIX } from '../netns.js';
import { suiteId } from '../proc.js';
import { lvs, type LvsTopology } from '../topologies.js';
import { isRoot, which } from '../../util/env.js';
import { checkConfigStep, electionStep, stopDirectors, takeoverStep, VIP1, VIP2, type Say, type StepOutcome, type VrrpState } from './host-steps.js';
import { checkOnlyWired, LVSD_MAIN, repoDir } from './lvsd.js';
import { detail, exitCode, report, stepFooter, stepHeader, type StepResult } from './report.js';
import { runUmlSteps } from './uml-run.js';

const COMING_NEXT =
  'a metrics scrape, two directors running VRRP and IPVS together in UML, and steady client traffic through both VIPs with the requests lost during a takeover counted';

const out = (s: string): void => {
  process.stdout.write(`${s}\n`);
};

async function step(n: number, title: string, name: string, fn: (say: Say) => Promise<StepOutcome>): Promise<StepResult> {
  out(stepHeader(n, title));
  const t0 = performance.now();
  let o: StepOutcome;
  try {
    o = await fn((text) => out(detail(text)));
  } catch (e) {
    out(detail(`error: ${(e as Error)?.message ?? String(e)}`));
    o = { status: 'FAIL', figures: `error: ${((e as Error)?.message ?? String(e)).split('\n')[0]}` };
  }
  const r: StepResult = { n, name, status: o.status, figures: o.figures, ms: performance.now() - t0 };
  out(stepFooter(r));
  return r;
}

function notRun(n: number, name: string, why: string): StepResult {
  out(stepHeader(n, name));
  const r: StepResult = { n, name, status: 'FAIL', figures: `not run: ${why}`, ms: 0 };
  out(stepFooter(r));
  return r;
}

/** Steps 1-3 on the host kernel; returns their results and what their teardown found. */
async function hostSteps(results: StepResult[]): Promise<string[]> {
  const problems: string[] = [];
  const lab = Lab.create('demo');
  const st: Partial<VrrpState> = {};
  let topo: LvsTopology | undefined;
  try {
    topo = await lvs(lab, { realServers: 0, mode: 'dr' });
    const t = topo;
    results.push(await step(1, 'lvsd check-config on the demo configuration', 'check-config', (say) => checkConfigStep(t, say)));
    const r2 = await step(2, 'VRRP on the host kernel: two `lvsd run --vrrp-only` directors elect their masters', 'VRRP election (host kernel)', (say) => electionStep(t, say, st));
    results.push(r2);
    if (r2.status === 'PASS' && st.a && st.b) {
      const vs = st as VrrpState;
      results.push(await step(3, "Director A crashes (SIGKILL of its process group): B takes VIP1 over, GARP, A comes back", 'crash, takeover, GARP, preempt', (say) => takeoverStep(t, say, vs)));
    } else {
      results.push(notRun(3, 'crash, takeover, GARP, preempt', 'step 2 did not pass'));
    }
  } catch (e) {
    problems.push(`host lab: ${(e as Error).message}`);
    for (const [n, name] of [[1, 'check-config'], [2, 'VRRP election (host kernel)'], [3, 'crash, takeover, GARP, preempt']] as const) {
      if (!results.some((r) => r.n === n)) results.push(notRun(n, name, `the lab could not be built: ${(e as Error).message.split('\n')[0]}`));
    }
  } finally {
    if (topo) {
      try {
        problems.push(...(await stopDirectors(topo, st)));
      } catch (e) {
        problems.push(`stopping the directors: ${(e as Error).message}`);
      }
    }
    try {
      await lab.close();
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  return problems;
}

async function main(): Promise<number> {
  if (!isRoot()) {
    process.stderr.write('lvsd lab demo: needs root (network namespaces, VRRP raw sockets, User-Mode Linux); run it as root, e.g. `sudo make lab`\n');
    return 2;
  }
  const missing = ['ip', 'bash', 'ipvsadm'].filter((c) => !which(c));
  if (missing.length) {
    process.stderr.write(`lvsd lab demo: needs ${missing.join(', ')} (scripts/install-deps.sh installs them; \`make lab\` runs it)\n`);
    return 2;
  }
  const t0 = performance.now();
  let finished = false;
  process.on('exit', (code) => {
    if (!finished) process.stderr.write(`\nlvsd lab demo: stopped (exit ${code}); its processes, namespaces and UML were removed\n`);
  });
  out('lvsd lab demo: what lvsd does today, on this kernel (network namespaces) and in User-Mode Linux (IPVS)');
  out('configuration: test/lab/demo/conf/director-a.conf and director-b.conf, the dual-master LVS pair of');
  out(`  configs/dual-master/ on the lab's addresses: VI_1 (VRID 50) ${VIP1}, A priority 150, B 100;`);
  out(`  VI_2 (VRID 51) ${VIP2}, A 100, B 150; advert_int 1; LVS-DR, wrr, HTTP_GET, a sorry server`);
  out(`lvsd: ${relative(repoDir(), LVSD_MAIN)} (this build)`);
  out('');

  const results: StepResult[] = [];
  const hostProblems = await hostSteps(results);

  const checks = process.env.LVSD_DEMO_CHECK_ONLY_ENTRY ?? ((await checkOnlyWired()) ? 'cli' : 'none');
  const uml = await runUmlSteps(checks, out);
  results.push(...uml.results);

  const s6 = await step(6, 'Clean-up (graceful stops, namespaces, UML) and report', 'clean-up', async (say) => {
    const problems = [...hostProblems];
    say(hostProblems.length ? `host: ${hostProblems.join('\n')}` : 'host: SIGTERM to both directors: exit 0, VIPs released; lab namespaces removed');
    if (uml.cleanup) say(uml.cleanup.text);
    if (!uml.cleanup || !uml.cleanup.ok) problems.push('UML teardown');
    if (uml.code !== 0 && uml.code !== null) problems.push(`UML program exit ${uml.code}`);
    if (uml.leftJobDir) problems.push(`UML job folder left: ${uml.leftJobDir}`);
    const ours = `${NS_PREFIX}${suiteId()}-${process.pid}-`;
    const leftNs = (await listNamespaces()).filter((n) => n.startsWith(ours));
    if (leftNs.length) problems.push(`namespaces left: ${leftNs.join(' ')}`);
    say(`left behind: ${leftNs.length} namespaces, ${uml.leftJobDir ? 1 : 0} UML job folders`);
    return { status: problems.length ? 'FAIL' : 'PASS', figures: problems.length ? problems.join('; ').split('\n')[0]! : 'nothing left behind' };
  });
  results.push(s6);
  out('');
  out(report(results, performance.now() - t0, COMING_NEXT));
  finished = true;
  return exitCode(results);
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`lvsd lab demo: internal error: ${String((e as Error)?.stack ?? e)}\n`);
    process.exit(70);
  },
);
