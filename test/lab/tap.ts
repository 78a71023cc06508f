// Pure parser: the TAP 13 stream node's test runner writes (--test-reporter=tap), read back into
// a tree of results so a host-side test can show which guest tests failed and why.

export interface TapResult {
  name: string;
  ok: boolean;
  skip?: string;
  todo?: string;
  /** The YAML diagnostic block (error, expected, actual, stack), as text. */
  diag: string;
  children: TapResult[];
}

export interface TapReport {
  tests: TapResult[];
  /** The summary comment lines: tests, pass, fail, skipped, ... */
  counts: Record<string, number>;
  /** "parent > child" paths of the failing leaves (or of failing tests without failing children). */
  failures: string[];
}

const RESULT = /^( *)(not ok|ok) \d+(?: - (.*?))?(?: # (SKIP|TODO)\b ?(.*))?$/;

function unescapeName(s: string): string {
  return s.replace(/\\(.)/g, '$1');
}

export function parseTap(text: string): TapReport {
  const lines = text.split('\n');
  const pending: TapResult[][] = [[]];
  const counts: Record<string, number> = {};
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const m = RESULT.exec(line);
    if (m) {
      const indent = m[1]!.length;
      const level = Math.floor(indent / 4);
      const node: TapResult = { name: unescapeName(m[3] ?? ''), ok: m[2] === 'ok', diag: '', children: pending[level + 1] ?? [] };
      if (m[4] === 'SKIP') node.skip = m[5] ?? '';
      if (m[4] === 'TODO') node.todo = m[5] ?? '';
      pending[level + 1] = [];
      (pending[level] ??= []).push(node);
      // YAML block: "---" ... "..." indented two more than the result line.
      if (lines[i + 1]?.trim() === '---') {
        const body: string[] = [];
        let j = i + 2;
        for (; j < lines.length && lines[j]!.trim() !== '...'; j++) body.push(lines[j]!.slice(indent + 2));
        node.diag = body.join('\n');
        i = j;
      }
      continue;
    }
    const c = /^# (tests|suites|pass|fail|cancelled|skipped|todo) (\d+)$/.exec(line);
    if (c) counts[c[1]!] = Number(c[2]);
  }
  const tests = pending[0] ?? [];
  const failures: string[] = [];
  const walk = (n: TapResult, path: string[]): void => {
    const p = [...path, n.name];
    const failingKids = n.children.filter((c) => !c.ok && c.todo === undefined);
    if (!n.ok && n.todo === undefined && failingKids.length === 0) failures.push(p.join(' > '));
    for (const c of failingKids) walk(c, p);
  };
  for (const t of tests) if (!t.ok) walk(t, []);
  return { tests, counts, failures };
}

/** The `error:` (and expected/actual) lines of a diagnostic block, for a failure message. */
export function diagSummary(diag: string, maxLines = 25): string {
  const all = diag.split('\n');
  const stack = all.findIndex((x) => /^\s*stack:/.test(x));
  const l = (stack >= 0 ? all.slice(0, stack) : all).filter((x) => !/^\s*(duration_ms|type|location):/.test(x));
  return l.slice(0, maxLines).join('\n');
}
