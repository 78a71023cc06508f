// Lab demo, process edge (steps 2-6, host side): boots User-Mode Linux once, runs the demo's guest
// program (guest/uml-steps.ts) inside it, prints its steps as they arrive and returns their results.
import { readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInUml, umlMissing, describeUmlFailure } from '../uml.js';
import { suiteId } from '../proc.js';
import { DIST, confFile, type RunFeatures } from './lvsd.js';
import { parseEvent, UML_STEPS } from './events.js';
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
const STEP_NUMBERS = Object.keys(UML_STEPS).map(Number);

function jobDirs(): Set<string> {
  const prefix = `lvsd-uml-${suiteId()}-`;
  return new Set(readdirSync(tmpdir()).filter((d) => d.startsWith(prefix)));
}

/** `crash`: how director A crashes in step 4 (guest/step-crash.ts). */
export async function runUmlSteps(features: RunFeatures, crash: 'machine' | 'process', out: (s: string) => void): Promise<UmlSteps> {
  const results: StepResult[] = [];
  const why = umlMissing();
  if (why) {
    for (const n of STEP_NUMBERS) {
      out(stepHeader(n, UML_STEPS[n]!));
      const r: StepResult = { n, name: UML_STEPS[n]!, status: 'FAIL', figures: `cannot run: ${why}`, ms: 0 };
      results.push(r);
      out(stepFooter(r));
    }
    return { results, wallMs: 0, code: null };
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
  const run = runInUml([process.execPath, GUEST, '--conf-a', confFile('a'), '--conf-b', confFile('b'), '--features', JSON.stringify(features), '--crash', crash], {
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
  for (const n of STEP_NUMBERS) {
    if (results.some((r) => r.n === n)) continue;
    out(stepHeader(n, UML_STEPS[n]!));
    out(detail(`the UML run ended before this step finished: ${describeUmlFailure(res)}`));
    const r: StepResult = { n, name: UML_STEPS[n]!, status: 'FAIL', figures: res.timedOut ? 'UML timed out' : `UML run ended (exit ${res.code ?? 'none'})`, ms: 0 };
    results.push(r);
    out(stepFooter(r));
  }
  if (results.some((r) => r.status === 'FAIL') && plain.length) out(detail(`guest output (last lines):\n${plain.slice(-25).join('\n')}`));
  const left = job && readdirSync(tmpdir()).includes(job) ? join(tmpdir(), job) : undefined;
  return { results: results.sort((a, b) => a.n - b.n), ...(cleanup ? { cleanup } : {}), ...(left ? { leftJobDir: left } : {}), wallMs: res.wallMs, code: res.code };
}
