// Lab demo (pure): reads a Prometheus text exposition (what a scrape of /metrics returns) into
// samples, and picks the ones the demo shows: VRRP state per instance and IPVS counters.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
  /** The line as scraped. */
  line: string;
}

const SAMPLE = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Every sample line of `text` (comments and blank lines skipped; malformed lines too). */
export function parseProm(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = SAMPLE.exec(line.trim());
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    const v = m[3]!;
    const value = v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : Number(v);
    if (Number.isNaN(value) && v !== 'NaN') continue;
    out.push({ name: m[1]!, labels, value, line: line.trim() });
  }
  return out;
}

/** The HELP text of metric `name`, if the exposition has one. */
export function helpOf(text: string, name: string): string | undefined {
  const pre = `# HELP ${name} `;
  return text.split('\n').find((l) => l.startsWith(pre))?.slice(pre.length);
}

/**
 * keepalived's numbering of VRRP states (keepalived's VRRP_STATE_INIT / BACK / MAST / FAULT), which
 * keepalived exporters publish in keepalived_vrrp_state; read from the metric's HELP when it names
 * them ("... 2=MASTER ..."), else keepalived's.
 */
export function stateCodes(help: string | undefined): Record<string, number> {
  const codes: Record<string, number> = { INIT: 0, BACKUP: 1, MASTER: 2, FAULT: 3 };
  for (const m of (help ?? '').matchAll(/(\d+)\s*[=:]\s*([A-Za-z]+)/g)) codes[m[2]!.toUpperCase()] = Number(m[1]);
  return codes;
}

/** Samples whose name contains "ipvs" and one of whose label values is `addr` (or `addr:port`). */
export function ipvsSamplesFor(samples: readonly Sample[], addr: string): Sample[] {
  return samples.filter((s) => s.name.includes('ipvs') && Object.values(s.labels).some((v) => v === addr || v.startsWith(`${addr}:`)));
}
