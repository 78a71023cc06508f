// Lab demo (pure): the steps' results, their progress lines and the closing report.

export const TOTAL_STEPS = 6;

/** NOT YET: the step needs a part of lvsd that is not there; it counts neither as passed nor failed. */
export type Status = 'PASS' | 'FAIL' | 'NOT YET';

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

/** Exit status of the demo: 0 only if every counted step passed and at least one ran. */
export function exitCode(results: readonly StepResult[]): number {
  const counted = results.filter((r) => r.status !== 'NOT YET');
  return counted.length > 0 && counted.every((r) => r.status === 'PASS') ? 0 : 1;
}

/** The closing report: one row per step with its figures, then the verdict. */
export function report(results: readonly StepResult[], totalMs: number, comingNext: string): string {
  const nameW = Math.max(4, ...results.map((r) => r.name.length));
  const rows = results.map((r) => `  ${String(r.n).padStart(1)}  ${r.name.padEnd(nameW)}  ${r.status.padEnd(7)}  ${r.figures}`);
  const passed = results.filter((r) => r.status === 'PASS').length;
  const failed = results.filter((r) => r.status === 'FAIL').length;
  const notYet = results.filter((r) => r.status === 'NOT YET').length;
  const verdict = exitCode(results) === 0 ? 'PASS' : 'FAIL';
  return [
    'Report',
    `  #  ${'step'.padEnd(nameW)}  result   figures`,
    ...rows,
    `lab demo: ${verdict} (${passed} passed, ${failed} failed${notYet ? `, ${notYet} not available yet` : ''}) in ${(totalMs / 1000).toFixed(1)} s`,
    `coming in the final demo: ${comingNext}`,
  ].join('\n');
}
