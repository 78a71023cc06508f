// Test helper: a strict parser of the Prometheus text exposition format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/), used to check that lvsd's /metrics
// output is valid and to read exact samples out of it. Throws ExpositionError on the first violation.

export class ExpositionError extends Error {}

export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  help: string | undefined;
  type: string | undefined;
  samples: ParsedSample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseValue(s: string, line: number): number {
  if (/^[+-]?inf$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(s)) return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) throw new ExpositionError(`line ${line}: bad value ${JSON.stringify(s)}`);
  return Number(s);
}

/** The family a sample name belongs to (histogram/summary suffixes map to their base). */
function familyOf(name: string, families: Map<string, Family>): string {
  for (const suf of ['_bucket', '_sum', '_count']) {
    if (name.endsWith(suf)) {
      const base = name.slice(0, -suf.length);
      const f = families.get(base);
      if (f && (f.type === 'histogram' || f.type === 'summary')) return base;
    }
  }
  return name;
}

/** Parses `{a="x",b="y"}` starting at s[i] === '{'; returns labels and the index after '}'. */
function parseLabels(s: string, i: number, line: number): [Record<string, string>, number] {
  const labels: Record<string, string> = {};
  i++;
  for (;;) {
    if (s[i] === '}') return [labels, i + 1];
    const eq = s.indexOf('=', i);
    if (eq < 0) throw new ExpositionError(`line ${line}: label without '='`);
    const lname = s.slice(i, eq);
    if (!LABEL_NAME.test(lname)) throw new ExpositionError(`line ${line}: bad label name ${JSON.stringify(lname)}`);
    if (lname in labels) throw new ExpositionError(`line ${line}: label ${lname} twice`);
    if (s[eq + 1] !== '"') throw new ExpositionError(`line ${line}: label value not quoted`);
    let j = eq + 2;
    let v = '';
    for (;;) {
      const c = s[j];
      if (c === undefined) throw new ExpositionError(`line ${line}: unterminated label value`);
      if (c === '"') break;
      if (c === '\\') {
        const n = s[j + 1];
        if (n === '\\') v += '\\';
        else if (n === '"') v += '"';
        else if (n === 'n') v += '\n';
        else throw new ExpositionError(`line ${line}: bad escape \\${n ?? ''}`);
        j += 2;
        continue;
      }
      v += c;
      j++;
    }
    labels[lname] = v;
    i = j + 1;
    if (s[i] === ',') i++;
    else if (s[i] !== '}') throw new ExpositionError(`line ${line}: expected ',' or '}' after label ${lname}`);
  }
}

/** Parses and validates; returns the families in order of appearance. */
export function parseExposition(text: string): Map<string, Family> {
  if (text.length > 0 && !text.endsWith('\n')) throw new ExpositionError('output does not end with a newline');
  const families = new Map<string, Family>();
  const seen = new Set<string>();
  let current: string | null = null;
  const lines = text.split('\n');
  lines.pop();
  const family = (name: string, line: number): Family => {
    let f = families.get(name);
    if (!f) {
      f = { name, help: undefined, type: undefined, samples: [] };
      families.set(name, f);
    } else if (current !== name) {
      throw new ExpositionError(`line ${line}: family ${name} is not contiguous`);
    }
    current = name;
    return f;
  };
  lines.forEach((raw, idx) => {
    const line = idx + 1;
    if (raw.trim() === '') return;
    if (raw.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(raw);
      if (!m) return; // a plain comment
      const [, kind, name, rest] = m as unknown as [string, string, string, string];
      if (!NAME.test(name)) throw new ExpositionError(`line ${line}: bad metric name ${name}`);
      const f = family(name, line);
      if (kind === 'HELP') {
        if (f.help !== undefined) throw new ExpositionError(`line ${line}: second HELP for ${name}`);
        if (!/^(?:[^\\]|\\[\\n])*$/.test(rest)) throw new ExpositionError(`line ${line}: bad escape in HELP`);
        f.help = rest.replace(/\\(\\|n)/g, (_, c: string) => (c === 'n' ? '\n' : '\\'));
      } else {
        if (f.type !== undefined) throw new ExpositionError(`line ${line}: second TYPE for ${name}`);
        if (f.samples.length) throw new ExpositionError(`line ${line}: TYPE after samples of ${name}`);
        if (!TYPES.has(rest)) throw new ExpositionError(`line ${line}: unknown type ${rest}`);
        f.type = rest;
      }
      return;
    }
    const nm = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(raw);
    if (!nm) throw new ExpositionError(`line ${line}: not a sample: ${JSON.stringify(raw)}`);
    const name = nm[0];
    let i = name.length;
    let labels: Record<string, string> = {};
    if (raw[i] === '{') [labels, i] = parseLabels(raw, i, line);
    if (raw[i] !== ' ') throw new ExpositionError(`line ${line}: expected a space before the value`);
    const rest = raw.slice(i + 1).split(' ');
    if (rest.length > 2 || rest[0] === '') throw new ExpositionError(`line ${line}: bad value/timestamp ${JSON.stringify(raw.slice(i + 1))}`);
    const value = parseValue(rest[0]!, line);
    if (rest.length === 2 && !/^-?\d+$/.test(rest[1]!)) throw new ExpositionError(`line ${line}: bad timestamp`);
    const fname = familyOf(name, families);
    const f = family(fname, line);
    if (f.type === undefined || f.help === undefined) throw new ExpositionError(`line ${line}: sample of ${fname} before its HELP and TYPE`);
    if (f.type === 'counter' && !(value >= 0)) throw new ExpositionError(`line ${line}: counter ${name} is ${value}`);
    if (name.endsWith('_bucket') && f.type === 'histogram' && !('le' in labels)) throw new ExpositionError(`line ${line}: bucket without le`);
    const key = `${name}{${Object.keys(labels)
      .sort()
      .map((k) => `${k}=${JSON.stringify(labels[k])}`)
      .join(',')}}`;
    if (seen.has(key)) throw new ExpositionError(`line ${line}: duplicate sample ${key}`);
    seen.add(key);
    f.samples.push({ name, labels, value });
  });
  for (const f of families.values()) {
    if (f.type === undefined || f.help === undefined) throw new ExpositionError(`family ${f.name} lacks HELP or TYPE`);
  }
  return families;
}

/** The value of the one sample with exactly these labels, or undefined. */
export function valueOf(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number | undefined {
  const fam = families.get(name) ?? families.get(name.replace(/_(bucket|sum|count)$/, ''));
  const want = Object.keys(labels).sort();
  for (const s of fam?.samples ?? []) {
    if (s.name !== name) continue;
    const have = Object.keys(s.labels).sort();
    if (have.length === want.length && have.every((k, i) => k === want[i] && s.labels[k] === labels[k])) return s.value;
  }
  return undefined;
}

/** Every sample of a family (with its sample name). */
export function samplesOf(families: Map<string, Family>, name: string): ParsedSample[] {
  return families.get(name)?.samples ?? [];
}
