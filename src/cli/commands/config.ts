// CLI layer: check-config, dump-config, convert and schema: the config-reading commands.
import { readFileSync } from 'node:fs';
import { ConfigError, formatDiagnostic, type Diagnostic } from '../../config/diagnostics.js';
import { emitKeepalived } from '../../config/keepalived/emit.js';
import { loadConfig, sortDiagnostics, type ConfigFormat } from '../../config/load.js';
import { jsonSchema, toYaml } from '../../config/yaml.js';
import { flag, has, parseArgs, UsageError, type FlagSpec } from '../args.js';
import { EXIT, type Command, type Io } from '../command.js';
import { runHostChecks } from '../../config/host.js';
import { capabilityNotes } from '../../config/capabilities.js';

const fileFlag: FlagSpec = { name: 'file', short: 'f', value: true, metavar: 'FILE', help: 'configuration file (keepalived.conf or .yaml/.yml)' };
const idFlag: FlagSpec = { name: 'config-id', short: 'i', value: true, metavar: 'ID', help: "select '@ID' lines (default: the short host name)" };
const formatFlag: FlagSpec = { name: 'format', value: true, metavar: 'keepalived|yaml', help: 'input format (default: by file extension)' };

function inputFormat(v: string | undefined): ConfigFormat | undefined {
  if (v === undefined) return undefined;
  if (v !== 'keepalived' && v !== 'yaml') throw new UsageError(`--format must be keepalived or yaml, not '${v}'`);
  return v;
}

function requireFile(p: ReturnType<typeof parseArgs>, positionalOk: boolean): string {
  const f = flag(p, 'file') ?? (positionalOk ? p.positionals[0] : undefined);
  if (!f) throw new UsageError('no configuration file given (-f FILE)');
  const extra = p.positionals.slice(positionalOk && !flag(p, 'file') ? 1 : 0);
  if (extra.length) throw new UsageError(`unexpected argument '${extra[0]}'`);
  return f;
}

/** Load or explain why not; undefined after printing the reason. */
function load(file: string, p: ReturnType<typeof parseArgs>, io: Io) {
  try {
    const id = flag(p, 'config-id');
    return loadConfig(file, { ...(id !== undefined ? { configId: id } : {}), ...(inputFormat(flag(p, 'format')) ? { format: inputFormat(flag(p, 'format')) as ConfigFormat } : {}) });
  } catch (e) {
    if (e instanceof ConfigError) {
      io.err(`${e.message}`);
      return undefined;
    }
    throw e;
  }
}

function summary(diags: readonly Diagnostic[]): string {
  const e = diags.filter((d) => d.severity === 'error').length;
  const w = diags.filter((d) => d.severity === 'warning').length;
  const n = diags.filter((d) => d.severity === 'info').length;
  return `${e} error${e === 1 ? '' : 's'}, ${w} warning${w === 1 ? '' : 's'}${n ? `, ${n} note${n === 1 ? '' : 's'}` : ''}`;
}

export const checkConfig: Command = {
  name: 'check-config',
  summary: 'check a configuration and print its problems as file:line:col: severity: message',
  usage: [
    'usage: lvsd check-config -f FILE [--config-id ID] [--no-host-checks] [--format keepalived|yaml]',
    '',
    'Exit status: 0 clean, 1 warnings only, 2 errors, 66 file unreadable, 64 usage.',
    'Host checks (interfaces and scripts exist on this machine) run unless --no-host-checks.',
  ].join('\n'),
  flags: [fileFlag, idFlag, { name: 'no-host-checks', value: false, help: 'skip checks against this host (for a config meant for another machine)' }, formatFlag],
  async run(argv, io) {
    const p = parseArgs(argv, this.flags);
    const file = requireFile(p, true);
    const cfg = load(file, p, io);
    if (!cfg) return EXIT.NOINPUT;
    const diags = [...cfg.diagnostics];
    if (!has(p, 'no-host-checks')) diags.push(...runHostChecks(cfg));
    // Notes (severity info) do not change the exit status.
    diags.push(...capabilityNotes(cfg.model, cfg.locs));
    // Checkers lvsd cannot run (lvsd run refuses them): said here, not only at start.
    if (cfg.model.virtual_servers.length > 0 && !diags.some((d) => d.severity === 'error')) {
      const [{ checkerProblems }, { resolveLvs, vsId }] = await Promise.all([import('../../check/support.js'), import('../../config/resolve-lvs.js')]);
      const trackFiles = new Map(cfg.model.vrrp_track_files.filter((t) => t.file).map((t) => [t.name, { file: t.file as string, weight: t.weight ?? 1, reverse: t.reverse === true }]));
      const problems = checkerProblems(resolveLvs(cfg.model), { trackFiles });
      if (problems.length) {
        // Located at the virtual_server block they belong to.
        const byId = new Map(cfg.model.virtual_servers.map((v) => [vsId(v), v]));
        for (const pr of problems) {
          const obj = byId.get(pr.vs);
          const loc = obj ? cfg.locs.get(obj) : undefined;
          diags.push({ severity: pr.severity, code: pr.code, message: pr.message, ...(loc ? { loc } : {}) });
        }
      }
    }
    // A no-accept master drops what IPVS would forward for its VIPs (strict mode's trap).
    if (cfg.model.virtual_servers.length > 0 && cfg.model.vrrp_instances.length > 0 && !diags.some((d) => d.severity === 'error')) {
      const [{ acceptModeConflicts, acceptConflictMessage }, { resolveConfig }] = await Promise.all([import('../../config/accept-ipvs.js'), import('../../config/resolve.js')]);
      const r = resolveConfig(cfg.model);
      const byName = new Map(cfg.model.vrrp_instances.map((v) => [(v as { name: string }).name, v as object]));
      for (const c of acceptModeConflicts(r.vrrp, r.lvs)) {
        const obj = byName.get(c.instance);
        const loc = obj ? cfg.locs.get(obj) : undefined;
        diags.push({ severity: 'warning', code: 'accept-drops-ipvs', message: acceptConflictMessage(c), ...(loc ? { loc } : {}) });
      }
    }
    for (const d of sortDiagnostics(diags, cfg.files)) io.out(formatDiagnostic(d));
    io.err(`${file}: ${summary(diags)}`);
    if (diags.some((d) => d.severity === 'error')) return EXIT.CONFIG_ERRORS;
    if (diags.some((d) => d.severity === 'warning')) return EXIT.WARNINGS;
    return EXIT.OK;
  },
};

function loadOrFail(argv: string[], flags: FlagSpec[], io: Io, positionalOk: boolean) {
  const p = parseArgs(argv, flags);
  const file = requireFile(p, positionalOk);
  const cfg = load(file, p, io);
  if (!cfg) return { code: EXIT.NOINPUT as number };
  const sorted = sortDiagnostics(cfg.diagnostics, cfg.files);
  for (const d of sorted) io.err(formatDiagnostic(d));
  if (sorted.some((d) => d.severity === 'error')) {
    io.err(`${file}: ${summary(sorted)}; nothing printed`);
    return { code: EXIT.CONFIG_ERRORS as number };
  }
  return { cfg, p };
}

export const dumpConfig: Command = {
  name: 'dump-config',
  summary: 'print the configuration model as JSON (defaults and inheritance applied)',
  usage: 'usage: lvsd dump-config -f FILE [--config-id ID] [--as-written] [--format keepalived|yaml]',
  flags: [fileFlag, idFlag, { name: 'as-written', value: false, help: 'print the model as written, without defaults' }, formatFlag],
  async run(argv, io) {
    const r = loadOrFail(argv, this.flags, io, true);
    if (!('cfg' in r) || !r.cfg) return r.code;
    const { resolveConfig } = await import('../../config/resolve.js');
    const out = has(r.p, 'as-written') ? r.cfg.model : resolveConfig(r.cfg.model);
    io.out(JSON.stringify(out, null, 2));
    return EXIT.OK;
  },
};

export const convert: Command = {
  name: 'convert',
  summary: 'convert a configuration between keepalived.conf and YAML',
  usage: [
    'usage: lvsd convert FILE [--to yaml|keepalived] [--schema REF] [--config-id ID] [--format keepalived|yaml]',
    '',
    'Prints the converted configuration on standard output; diagnostics go to standard error.',
    'Comments are not carried over, except the comment lines at the top of a keepalived.conf.',
  ].join('\n'),
  flags: [
    fileFlag,
    idFlag,
    { name: 'to', value: true, metavar: 'yaml|keepalived', help: 'output format (default: yaml)' },
    { name: 'schema', value: true, metavar: 'REF', help: 'JSON Schema URL or path named on the first YAML line (default: the schema id)' },
    formatFlag,
  ],
  async run(argv, io) {
    const r = loadOrFail(argv, this.flags, io, true);
    if (!('cfg' in r) || !r.cfg) return r.code;
    const to = flag(r.p, 'to') ?? 'yaml';
    if (to !== 'yaml' && to !== 'keepalived') throw new UsageError(`--to must be yaml or keepalived, not '${to}'`);
    if (to === 'keepalived') {
      io.out(emitKeepalived(r.cfg.model));
      return EXIT.OK;
    }
    const yaml = toYaml(r.cfg.model, flag(r.p, 'schema'));
    const [first, ...rest] = yaml.split('\n');
    io.out([first, ...(r.cfg.format === 'keepalived' ? headerComments(r.cfg.files[0]) : []), ...rest].join('\n'));
    return EXIT.OK;
  },
};

/** The comment lines a keepalived.conf starts with, as YAML comments. */
function headerComments(file: string | undefined): string[] {
  if (!file) return [];
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*[!#](.*)$/.exec(line);
    if (!m) break;
    out.push(`#${m[1]}`);
  }
  return out;
}

export const schema: Command = {
  name: 'schema',
  summary: 'print the JSON Schema of the YAML configuration',
  usage: 'usage: lvsd schema',
  flags: [],
  async run(argv, io) {
    parseArgs(argv, this.flags).positionals.forEach((a) => {
      throw new UsageError(`unexpected argument '${a}'`);
    });
    io.out(JSON.stringify(jsonSchema(), null, 2));
    return EXIT.OK;
  },
};
