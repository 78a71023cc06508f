// Lab demo entry (`make lab`, composition): what lvsd does, step by step with a progress line and a
// verdict each, then a report. Host kernel: `lvsd check-config` on the demo configuration. User-Mode
// Linux (a kernel with IPVS): two lvsd directors on the dual-master configuration elect a master per
// VIP and program IPVS; a client sends steady traffic through both VIPs; director A crashes and B
// takes over (takeover timed, lost requests counted); every real server stops and the sorry server
// answers; a metrics scrape. Exit 0 only if every step passed. Everything it starts is removed at the
// end, on failure and on Ctrl-C.
//   node dist/test/lab/demo/main.js
// LVSD_DEMO_CRASH=process crashes director A's lvsd only (its kernel keeps forwarding with the stale
// VIP; default: machine, its front link goes down too). LVSD_TIMING_TOLERANCE_MS: slack on bounds (500).
import { relative } from 'node:path';
import { listNamespaces, NS_PREFIX } from '../netns.js';
import { suiteId } from '../proc.js';
import { isRoot, which } from '../../util/env.js';
import { checkConfigStep, type Say, type StepOutcome } from './host-steps.js';
import { LVSD_MAIN, probeRunFeatures, repoDir } from './lvsd.js';
import { detail, exitCode, report, stepFooter, stepHeader, TOTAL_STEPS, type StepResult } from './report.js';
import { runUmlSteps } from './uml-run.js';

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
  const crash = process.env.LVSD_DEMO_CRASH === 'process' ? 'process' : 'machine';
  const t0 = performance.now();
  let finished = false;
  process.on('exit', (code) => {
    if (!finished) process.stderr.write(`\nlvsd lab demo: stopped (exit ${code}); its processes, namespaces and UML were removed\n`);
  });
  const features = await probeRunFeatures();
  out('lvsd lab demo: two LVS directors in User-Mode Linux (a kernel with IPVS), a client, two real servers and a sorry server');
  out('configuration: test/lab/demo/conf/director-a.conf and director-b.conf, the dual-master LVS pair of');
  out("  configs/dual-master/ on the lab's addresses: VI_1 (VRID 50) 10.88.0.100, A priority 150, B 100;");
  out('  VI_2 (VRID 51) 10.88.0.200, A 100, B 150; advert_int 1; LVS-DR, wrr, HTTP_GET every 1 s, a sorry server');
  out(
    `lvsd: ${relative(repoDir(), LVSD_MAIN)} (this build): ${features.full ? '`lvsd run -f FILE`' : 'NO full daemon (`lvsd run --help` says so)'}; ` +
      `metrics ${features.metrics ? `--metrics-listen` : 'not in this build'}`,
  );
  out('');

  const results: StepResult[] = [];
  results.push(await step(1, 'lvsd check-config on the demo configuration (host kernel)', 'check-config', (say) => checkConfigStep(say)));
  const uml = await runUmlSteps(features, crash, out);
  results.push(...uml.results);

  results.push(
    await step(TOTAL_STEPS, 'Clean-up: graceful stop of the surviving director, namespaces, UML', 'clean-up', async (say) => {
      const problems: string[] = [];
      if (uml.cleanup) say(uml.cleanup.text);
      if (!uml.cleanup || !uml.cleanup.ok) problems.push('UML teardown');
      if (uml.code !== 0 && uml.code !== null) problems.push(`UML program exit ${uml.code}`);
      if (uml.leftJobDir) problems.push(`UML job folder left: ${uml.leftJobDir}`);
      const ours = `${NS_PREFIX}${suiteId()}-${process.pid}-`;
      const leftNs = (await listNamespaces()).filter((n) => n.startsWith(ours));
      if (leftNs.length) problems.push(`namespaces left: ${leftNs.join(' ')}`);
      say(`host: ${leftNs.length} namespaces and ${uml.leftJobDir ? 1 : 0} UML job folders left behind; UML ran ${(uml.wallMs / 1000).toFixed(1)} s`);
      return { status: problems.length ? 'FAIL' : 'PASS', figures: problems.length ? problems.join('; ').split('\n')[0]! : 'nothing left behind' };
    }),
  );
  out('');
  out(report(results, performance.now() - t0));
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
