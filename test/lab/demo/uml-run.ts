// Lab demo, process edge (steps 4-5, host side): boots User-Mode Linux once, runs the demo's guest
// program (guest/uml-steps.ts) inside it, prints its steps as they arrive and returns their results.
import { readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInUml, umlMissing, describeUmlFailure } from '../uml.js';
import { suiteId } from '../proc.js';
import { DIST, confFile } from './lvsd.js';
import { parseEvent } from './events.js';
import { detail, stepFooter, stepHeader, type StepResult } from './report.js';

export interface UmlSteps {
  results: StepResult[];
  /** The guest's account of its teardown (undefined when it never got there). */
  cleanup?: { ok: boolean; text: string };
  /** UML job folder still on disk after the run (should be none). */
  leftJobDir?: string;
  wallMs: number;
  /** Exit status of the guest program (0 when it ran to its end). */
  code: number | null;
}

const GUEST = join(DIST, 'test', 'lab', 'demo', 'guest', 'uml-steps.js');
const STEP_NAMES: Record<number, string> = { 4: 'IPVS in UML (lvsd programs, client)', 5: 'health checks, sorry server' };

function jobDirs(): Set<string> {
  const prefix = `lvsd-uml-${suiteId()}-`;
  return new Set(readdirSync(tmpdir()).filter((d) => d.startsWith(prefix)));
}

/**
 * `checks`: 'cli' (lvsd run --check-only), 'none' (not wired: the guest programs IPVS with lvsd's
 * reconciler and reports step 5 as not available), or the path of an entry point taking `-f FILE`.
 */
export async function runUmlSteps(checks: string, out: (s: string) => void): Promise<UmlSteps> {
  const results: StepResult[] = [];
  const why = umlMissing();
  if (why) {
    out(stepHeader(4, 'IPVS in User-Mode Linux'));
    out(detail(`cannot run: ${why}`));
    const r4: StepResult = { n: 4, name: STEP_NAMES[4]!, status: 'FAIL', figures: why, ms: 0 };
    out(stepFooter(r4));
    return { results: [r4, { n: 5, name: STEP_NAMES[5]!, status: checks === 'none' ? 'NOT YET' : 'FAIL', figures: 'needs UML', ms: 0 }], wallMs: 0, code: null };
  }
  const started = new Map<number, number>();
  let cleanup: UmlSteps['cleanup'];
  const plain: string[] = [];
  let pending = '';
  const onLine = (line: string): void => {
    const e = parseEvent(line);
    if (!e) {
      plain.push(line);
      return;
    }
    switch (e.t) {
      case 'begin':
        started.set(e.n, performance.now());
        out(stepHeader(e.n, e.title));
        return;
      case 'say':
        out(detail(e.text));
        return;
      case 'end': {
        if (!started.has(e.n)) out(stepHeader(e.n, e.name));
        const r: StepResult = { n: e.n, name: e.name, status: e.status, figures: e.figures, ms: performance.now() - (started.get(e.n) ?? performance.now()) };
        results.push(r);
        out(stepFooter(r));
        return;
      }
      case 'cleanup':
        cleanup = { ok: e.ok, text: e.text };
        return;
    }
  };
  const before = jobDirs();
  // The job folder is made before runInUml's first await: note it, so an interrupted run removes it too.
  const run = runInUml([process.execPath, GUEST, '--conf', confFile('a'), '--checks', checks], {
    timeoutMs: 240_000,
    onOutput: (chunk) => {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop() ?? '';
      for (const l of lines) onLine(l);
    },
  });
  const job = [...jobDirs()].find((d) => !before.has(d));
  const dropOnExit = (): void => {
    if (job) rmSync(join(tmpdir(), job), { recursive: true, force: true });
  };
  process.on('exit', dropOnExit);
  const res = await run;
  process.off('exit', dropOnExit);
  if (pending) onLine(pending);
  for (const n of [4, 5]) {
    if (results.some((r) => r.n === n)) continue;
    out(stepHeader(n, STEP_NAMES[n]!));
    out(detail(`the UML run ended before this step finished: ${describeUmlFailure(res)}`));
    const r: StepResult = { n, name: STEP_NAMES[n]!, status: 'FAIL', figures: res.timedOut ? 'UML timed out' : `UML run ended (exit ${res.code ?? 'none'})`, ms: 0 };
    results.push(r);
    out(stepFooter(r));
  }
  if (results.some((r) => r.status === 'FAIL') && plain.length) out(detail(`guest output (last lines):\n${plain.slice(-25).join('\n')}`));
  const left = job && readdirSync(tmpdir()).includes(job) ? join(tmpdir(), job) : undefined;
  return { results: results.sort((a, b) => a.n - b.n), ...(cleanup ? { cleanup } : {}), ...(left ? { leftJobDir: left } : {}), wallMs: res.wallMs, code: res.code };
}
