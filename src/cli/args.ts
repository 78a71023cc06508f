// CLI layer: a small, strict argument parser. Unknown flags are usage errors, never ignored.

export class UsageError extends Error {
  readonly code = 'LVSD_USAGE';
}

export interface FlagSpec {
  /** Long name without dashes, e.g. "config-id". */
  name: string;
  /** Optional one-letter alias without dash, e.g. "f". */
  short?: string;
  /** true: takes a value (`--name V` or `--name=V`); false: boolean switch. */
  value: boolean;
  /** May be given several times (values collected in order). */
  repeat?: boolean;
  help: string;
  metavar?: string;
}

export interface ParsedArgs {
  flags: Map<string, string[]>;
  positionals: string[];
}

export function parseArgs(argv: readonly string[], specs: readonly FlagSpec[]): ParsedArgs {
  const byLong = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short as string, s]));
  const flags = new Map<string, string[]>();
  const positionals: string[] = [];
  const set = (spec: FlagSpec, v: string): void => {
    const prev = flags.get(spec.name);
    if (prev && !spec.repeat) throw new UsageError(`--${spec.name} given more than once`);
    flags.set(spec.name, [...(prev ?? []), v]);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    let spec: FlagSpec | undefined;
    let inline: string | undefined;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      inline = eq >= 0 ? a.slice(eq + 1) : undefined;
      spec = byLong.get(name);
      if (!spec) throw new UsageError(`unknown option --${name}`);
    } else if (a.startsWith('-') && a.length > 1) {
      spec = byShort.get(a.slice(1, 2));
      if (!spec) throw new UsageError(`unknown option ${a}`);
      if (a.length > 2) inline = a.slice(2);
    } else {
      positionals.push(a);
      continue;
    }
    if (spec.value) {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`option --${spec.name} needs a value`);
      set(spec, v);
    } else {
      if (inline !== undefined) throw new UsageError(`option --${spec.name} takes no value`);
      set(spec, 'true');
    }
  }
  return { flags, positionals };
}

export function flag(p: ParsedArgs, name: string): string | undefined {
  const v = p.flags.get(name);
  return v ? v[v.length - 1] : undefined;
}

export function has(p: ParsedArgs, name: string): boolean {
  return p.flags.has(name);
}

export function formatFlags(specs: readonly FlagSpec[]): string {
  const rows = specs.map((s) => {
    const left = `${s.short ? `-${s.short}, ` : '    '}--${s.name}${s.value ? ` ${s.metavar ?? 'VALUE'}` : ''}`;
    return `  ${left.padEnd(30)} ${s.help}`;
  });
  return rows.join('\n');
}
