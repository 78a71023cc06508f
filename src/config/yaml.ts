// Config layer (pure): the YAML form of the model. Reading validates against the one schema and
// reports problems with file:line:col; writing prints the model in schema order.
import { Value } from '@sinclair/typebox/value';
import type { TSchema } from '@sinclair/typebox';
import { LineCounter, isMap, isScalar, isSeq, parseDocument, stringify, type Node } from 'yaml';
import { Diagnostics } from './diagnostics.js';
import { registerFormats } from './formats.js';
import { ParseContext, suggest } from './keepalived/context.js';
import type { ParsedConfig } from './keepalived/parse.js';
import { validateLvs } from './keepalived/lvs.js';
import { validateVrrp } from './keepalived/vrrp.js';
import { ConfigModel, MODEL_SCHEMA_ID, emptyModel } from './model/index.js';
import { dependentRequiredProblems, dropFalseFlags, normalize, unionMember } from './schema-walk.js';
import type { LocationTable, SourceLoc } from './source.js';

type Any = Record<string, unknown>;

function schemaAt(root: TSchema, value: unknown, path: (string | number)[]): TSchema | undefined {
  let s: TSchema | undefined = root;
  let v: unknown = value;
  for (const seg of path) {
    if (!s) return undefined;
    if (s.anyOf) s = unionMember(s, v);
    if (!s) return undefined;
    if (typeof seg === 'number') s = (s as { items?: TSchema }).items;
    else s = (s as { properties?: Record<string, TSchema> }).properties?.[seg];
    v = (v as Any | undefined)?.[seg as never];
  }
  return s;
}

function decodePointer(p: string): (string | number)[] {
  return p
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

export function parseYamlConfig(text: string, file: string, opts: { keepResolved?: boolean } = {}): ParsedConfig {
  registerFormats();
  const diags = new Diagnostics();
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const locAt = (offset: number): SourceLoc => {
    const p = lc.linePos(offset);
    return { file, line: p.line, col: p.col };
  };
  for (const e of doc.errors) diags.error('yaml-syntax', e.message.split('\n')[0] as string, locAt(e.pos[0]));
  for (const w of doc.warnings) diags.warn('yaml', w.message.split('\n')[0] as string, locAt(w.pos[0]));
  const ctx = new ParseContext(diags);
  if (doc.errors.length) return { model: emptyModel(), diagnostics: diags.list, locs: ctx.locs, files: [file] };

  const raw = doc.toJS({ maxAliasCount: 100 }) as unknown;
  if (raw !== null && raw !== undefined && (typeof raw !== 'object' || Array.isArray(raw))) {
    diags.error('yaml-type', 'the top level must be a mapping of sections', { file, line: 1, col: 1 });
    return { model: emptyModel(), diagnostics: diags.list, locs: ctx.locs, files: [file] };
  }
  const value = { ...emptyModel(), ...((raw ?? {}) as Any) };
  dropFalseFlags(ConfigModel, value);
  const nodeLoc = (path: (string | number)[]): SourceLoc => {
    // The key's position for a property, the node's for an array item; nearest ancestor otherwise.
    for (let n = path.length; n >= 0; n--) {
      const parent = n === 0 ? doc.contents : doc.getIn(path.slice(0, n - 1), true);
      if (n > 0 && isMap(parent)) {
        const pair = parent.items.find((it) => isScalar(it.key) && it.key.value === path[n - 1]);
        if (pair && isScalar(pair.key) && pair.key.range) return locAt(pair.key.range[0]);
      }
      const node = n === 0 ? doc.contents : (doc.getIn(path.slice(0, n), true) as Node | undefined);
      if (node && (node as { range?: [number, number, number] }).range) return locAt((node as { range: [number, number, number] }).range[0]);
    }
    return { file, line: 1, col: 1 };
  };

  // Unknown keys: warnings (as unknown keywords are in keepalived.conf), with a suggestion; dropped.
  let hadErrors = false;
  for (const e of Value.Errors(ConfigModel, value)) {
    const path = decodePointer(e.path);
    const loc = nodeLoc(path);
    if (e.message === 'Unexpected property') {
      const parentSchema = schemaAt(ConfigModel, value, path.slice(0, -1));
      const known = Object.keys((parentSchema as { properties?: Any } | undefined)?.properties ?? {});
      const key = String(path[path.length - 1]);
      const hint = suggest(key, known);
      diags.warn('unknown-keyword', `unknown key '${key}'${hint ? ` (did you mean '${hint}'?)` : ''}; ignored`, loc);
      continue;
    }
    hadErrors = true;
    const where = path.length ? path.join('.') : 'configuration';
    diags.error('invalid-value', `${where}: ${e.message.toLowerCase()}`, loc);
  }
  for (const p of dependentRequiredProblems(ConfigModel, value)) {
    hadErrors = true;
    diags.error('invalid-value', `${p.path.join('.')}: ${p.message}`, nodeLoc(p.path));
  }
  const model = normalize(ConfigModel, value) as ConfigModel;
  if (hadErrors) return { model, diagnostics: dedupe(diags), locs: ctx.locs, files: [file] };

  recordLocations(ctx.locs, doc.contents, model, locAt);
  validateVrrp(model, ctx);
  const lvs = validateLvs(model, ctx, opts.keepResolved === true);
  const out: ParsedConfig = { model, diagnostics: dedupe(diags), locs: ctx.locs, files: [file] };
  if (lvs) out.lvs = lvs;
  return out;
}

/** Union branches report the same problem several times; keep one per location and message. */
function dedupe(d: Diagnostics) {
  const seen = new Set<string>();
  return d.list.filter((x) => {
    const k = `${x.loc?.line}:${x.loc?.col}:${x.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function recordLocations(
  locs: LocationTable,
  node: unknown,
  value: unknown,
  locAt: (o: number) => SourceLoc,
): void {
  if (typeof value !== 'object' || value === null) return;
  if (isMap(node)) {
    const r = (node as { range?: [number, number, number] }).range;
    if (r) locs.set(value, '', locAt(r[0]));
    for (const pair of node.items) {
      if (!isScalar(pair.key)) continue;
      const k = String(pair.key.value);
      if (pair.key.range) locs.set(value, k, locAt(pair.key.range[0]));
      recordLocations(locs, pair.value, (value as Any)[k], locAt);
    }
  } else if (isSeq(node) && Array.isArray(value)) {
    node.items.forEach((it, i) => recordLocations(locs, it, value[i], locAt));
  }
}

/**
 * The model as YAML, keys in schema order, with the schema named for editors (`schemaRef`: a URL
 * or a path relative to the YAML file; default: the schema's $id).
 */
export function toYaml(model: ConfigModel, schemaRef: string = MODEL_SCHEMA_ID): string {
  const ordered = normalize(ConfigModel, model) as Any;
  // Empty section lists are the default: leave them out.
  for (const [k, v] of Object.entries(ordered)) if (Array.isArray(v) && v.length === 0) delete ordered[k];
  const body = Object.keys(ordered).length ? stringify(ordered, { lineWidth: 0, aliasDuplicateObjects: false }) : '{}\n';
  return `# yaml-language-server: $schema=${schemaRef}\n${body}`;
}

/** The published JSON Schema of the model. */
export function jsonSchema(): Any {
  return { $schema: 'http://json-schema.org/draft-07/schema#', ...(JSON.parse(JSON.stringify(ConfigModel)) as Any) };
}
