// Config layer (edge): reads a configuration file (keepalived.conf or YAML, by extension or
// content), runs host checks when asked, and returns the one model with its diagnostics.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { ConfigError, formatDiagnostic, formatForRun, type Diagnostic } from './diagnostics.js';
import { runHostChecks } from './host.js';
import { nodeFileSystem } from './keepalived/fs.js';
import { parseKeepalivedFile, type ParsedConfig } from './keepalived/parse.js';
import type { ConfigFileSystem } from './keepalived/preprocess.js';
import { parseYamlConfig } from './yaml.js';

export type ConfigFormat = 'keepalived' | 'yaml';

export interface LoadOptions {
  /** `@id` selector; default: the short host name, as keepalived. */
  configId?: string;
  /** Force a format instead of detecting it. */
  format?: ConfigFormat;
  fs?: ConfigFileSystem;
  /** Keep the resolved LVS half the validation builds (`lvs` of the result): to run the file. */
  keepResolved?: boolean;
}

export function defaultConfigId(): string {
  return hostname().split('.')[0] ?? '';
}

/** `.yaml` / `.yml` / `.json` are YAML (JSON is YAML); anything else is keepalived.conf. */
export function detectFormat(path: string): ConfigFormat {
  return /\.(ya?ml|json)$/i.test(path) ? 'yaml' : 'keepalived';
}

export function loadConfig(path: string, opts: LoadOptions = {}): ParsedConfig & { format: ConfigFormat } {
  const format = opts.format ?? detectFormat(path);
  if (format === 'yaml') {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new ConfigError('file-unreadable', `cannot read ${path}: ${(e as Error).message}`);
    }
    return { ...parseYamlConfig(text, path, { keepResolved: opts.keepResolved === true }), format };
  }
  const parsed = parseKeepalivedFile(path, opts.fs ?? nodeFileSystem, { configId: opts.configId ?? defaultConfigId(), keepResolved: opts.keepResolved === true });
  return { ...parsed, format };
}

/** Diagnostics in reading order: by file (in the order read), then line, then column. */
export function sortDiagnostics(diags: readonly Diagnostic[], files: readonly string[]): Diagnostic[] {
  const fileIdx = (f: string | undefined): number => (f === undefined ? files.length : Math.max(0, files.indexOf(f)));
  return [...diags].sort(
    (a, b) =>
      fileIdx(a.loc?.file) - fileIdx(b.loc?.file) ||
      (a.loc?.line ?? 0) - (b.loc?.line ?? 0) ||
      (a.loc?.col ?? 0) - (b.loc?.col ?? 0),
  );
}

export type Loaded = ReturnType<typeof loadConfig>;

/**
 * Load a configuration to run it: host checks included, problems (not notes) printed through
 * `err`, and a refusal when there is an error. Shared by every `lvsd run` mode.
 */
export function loadToRun(
  file: string,
  configId: string | undefined,
  err: (s: string) => void,
): { ok: true; cfg: Loaded } | { ok: false; why: 'unreadable' | 'errors' } {
  let cfg: Loaded;
  try {
    cfg = loadConfig(file, configId !== undefined ? { configId, keepResolved: true } : { keepResolved: true });
  } catch (e) {
    if (e instanceof ConfigError) {
      err(`lvsd run: ${e.message}`);
      return { ok: false, why: 'unreadable' };
    }
    throw e;
  }
  const diags = sortDiagnostics([...cfg.diagnostics, ...runHostChecks(cfg)], cfg.files);
  for (const line of formatForRun(diags.filter((d) => d.severity !== 'info'))) err(line);
  if (diags.some((d) => d.severity === 'error')) {
    err(`lvsd run: ${file} has errors; not starting`);
    return { ok: false, why: 'errors' };
  }
  return { ok: true, cfg };
}
