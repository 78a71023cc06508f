// Lab demo (pure): the steps' results, their progress lines and the closing report.

export const TOTAL_STEPS = 7;

export type Status = 'PASS' | 'FAIL';

export interface StepResult {
  n: number;
  /** Short name for the report table. */
  name: string;
  status: Status;
  /** The measured figures, one short line. */
  figures: string;
  ms: number;
}

const INDENT = '      ';

export function stepHeader(n: number, title: string): string {
  return `[${n}/${TOTAL_STEPS}] ${title}`;
}

/** Detail lines under a step header (multi-line text indented as a block). */
export function detail(text: string): string {
  return text
    .replace(/\n+$/, '')
    .split('\n')
    .map((l) => (l ? INDENT + l : ''))
    .join('\n');
}

export function stepFooter(r: StepResult): string {
  return `${INDENT}=> ${r.status}${r.figures ? `: ${r.figures}` : ''} (${(r.ms / 1000).toFixed(1)} s)`;
}

export function seconds(ms: number, digits = 2): string {
  return `${(ms / 1000).toFixed(digits)} s`;
}

/** Exit status of the demo: 0 only if every step ran and passed. */
export function exitCode(results: readonly StepResult[]): number {
  const all = new Set(results.map((r) => r.n));
  const complete = Array.from({ length: TOTAL_STEPS }, (_, i) => i + 1).every((n) => all.has(n));
  return complete && results.every((r) => r.status === 'PASS') ? 0 : 1;
}

/** The closing report: one row per step with its figures, the measured totals, then the verdict. */
export function report(results: readonly StepResult[], totalMs: number, figures: readonly string[] = []): string {
  const nameW = Math.max(4, ...results.map((r) => r.name.length));
  const rows = results.map((r) => `  ${String(r.n).padStart(1)}  ${r.name.padEnd(nameW)}  ${r.status.padEnd(6)}  ${r.figures}`);
  const passed = results.filter((r) => r.status === 'PASS').length;
  const failed = results.filter((r) => r.status === 'FAIL').length;
  const verdict = exitCode(results) === 0 ? 'PASS' : 'FAIL';
  return [
    'Report',
    `  #  ${'step'.padEnd(nameW)}  result  figures`,
    ...rows,
    ...figures.map((f) => `  ${f}`),
    `lab demo: ${verdict} (${passed} passed, ${failed} failed) in ${(totalMs / 1000).toFixed(1)} s`,
  ].join('\n');
}
