// Test lab: run a whole node:test file inside UML with one boot, relay its output, and mirror
// its results into the host test (one host subtest per guest top-level test), so the failing
// guest tests are named in the host's report.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { runInUml, umlMissing, describeUmlFailure, type UmlOptions, type UmlResult } from './uml.js';
import { parseTap, diagSummary, type TapResult } from './tap.js';
import { shq } from './netns.js';

export interface HostTestContext {
  skip(message?: string): void;
  diagnostic(message: string): void;
  test(name: string, fn: (t: HostTestContext) => void | Promise<void>): Promise<void>;
}

export interface GuestRunOptions extends UmlOptions {
  /** Relay the guest's spec output to our stderr as it arrives (default true). */
  relay?: boolean;
  /** Extra node arguments inside (e.g. ["--test-name-pattern=NAT"]). */
  nodeArgs?: string[];
}

/** Resolves a guest file next to the calling host test: guestFile(import.meta.url, 'guest/x.test.js'). */
export function guestFile(hostTestUrl: string, relative: string): string {
  return fileURLToPath(new URL(relative, hostTestUrl));
}

/**
 * Boots one UML, runs `file` (compiled guest test, absolute path) with node's test runner inside and
 * turns its TAP results into host subtests. Fails (with the guest's failing test names and
 * errors) when the guest run fails; skips with the reason when UML cannot run here.
 */
export async function runGuestTestFile(t: HostTestContext, file: string, opts: GuestRunOptions = {}): Promise<UmlResult | undefined> {
  const why = umlMissing();
  if (why) {
    process.stderr.write(`# skipped: ${why}\n`);
    t.skip(why);
    return undefined;
  }
  const relay = opts.relay ?? true;
  const node = shq(process.execPath);
  // The file runs in this node process (no `--test`: that would start a second node, ~0.7 s in UML).
  const args = ['--test-reporter=spec', '--test-reporter-destination=stdout', '--test-reporter=tap', '--test-reporter-destination="$LVSD_UML_JOB/guest.tap"', ...(opts.nodeArgs ?? []).map(shq), shq(file)];
  let pending = '';
  const res = await runInUml(
    { script: `exec ${node} ${args.join(' ')}` },
    {
      ...opts,
      collect: [...(opts.collect ?? []), 'guest.tap'],
      onOutput: (s) => {
        opts.onOutput?.(s);
        if (!relay) return;
        const lines = (pending + s).split('\n');
        pending = lines.pop() ?? '';
        for (const l of lines) process.stderr.write(`  [uml] ${l}\n`);
      },
    },
  );
  if (relay && pending) process.stderr.write(`  [uml] ${pending}\n`);
  const report = parseTap(res.files['guest.tap'] ?? '');
  t.diagnostic(`UML run of ${file}: ${(res.wallMs / 1000).toFixed(1)} s wall, exit ${res.code ?? 'none'}, guest counts ${JSON.stringify(report.counts)}`);
  for (const g of report.tests) await mirror(t, g);
  if (res.code !== 0 || report.failures.length > 0 || report.tests.length === 0) {
    const names = report.failures.length > 0 ? report.failures.join('; ') : report.tests.length === 0 ? '(no guest test results)' : '(none reported)';
    assert.fail(`guest tests failed in UML: ${names}\n${describeUmlFailure(res)}`);
  }
  return res;
}

async function mirror(t: HostTestContext, g: TapResult): Promise<void> {
  await t.test(`[uml] ${g.name}`, (st) => {
    if (g.skip !== undefined) {
      st.skip(g.skip);
      return;
    }
    if (!g.ok) {
      const leaves = collectFailures(g, []);
      throw new Error(leaves.map(([path, diag]) => `${path}\n${diagSummary(diag)}`).join('\n\n'));
    }
  });
}

function collectFailures(n: TapResult, path: string[]): [string, string][] {
  const p = [...path, n.name];
  const bad = n.children.filter((c) => !c.ok && c.todo === undefined);
  if (bad.length === 0) return [[p.join(' > '), n.diag]];
  return bad.flatMap((c) => collectFailures(c, p));
}
