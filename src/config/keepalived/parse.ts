// Config layer (pure over an injected file system): keepalived.conf -> the one config model.
import { Diagnostics, type Diagnostic } from '../diagnostics.js';
import { emptyModel, type ConfigModel } from '../model/index.js';
import type { ResolvedLvs } from '../resolve-lvs.js';
import type { LocationTable } from '../source.js';
import { ParseContext, type KeywordTable } from './context.js';
import { globalTopLevel } from './global.js';
import { lvsTopLevel, validateLvs } from './lvs.js';
import { Preprocessor, type ConfigFileSystem, type PreprocessOptions } from './preprocess.js';
import { TreeBuilder } from './tree.js';
import { validateVrrp, vrrpTopLevel } from './vrrp.js';

export interface ParsedConfig {
  model: ConfigModel;
  diagnostics: Diagnostic[];
  locs: LocationTable;
  /** Every file read, top-level first. */
  files: string[];
  /** The resolved LVS half, when the parse was asked to keep it (ParseOptions.keepResolved). */
  lvs?: ResolvedLvs;
}

export interface ParseOptions extends PreprocessOptions {
  /** Keep the resolved LVS half the validation builds (for running the configuration). */
  keepResolved?: boolean;
}

export const topLevelTable: KeywordTable<ConfigModel> = { ...globalTopLevel, ...vrrpTopLevel, ...lvsTopLevel };

/** Read, build and walk in one pass: each top-level block is walked as soon as it is complete. */
function parse(read: (pre: Preprocessor) => void, fs: ConfigFileSystem, opts: ParseOptions): ParsedConfig {
  const diags = new Diagnostics();
  const ctx = new ParseContext(diags);
  const model = emptyModel();
  const tree = new TreeBuilder(diags, (s) => ctx.dispatch(s, topLevelTable, model, 'the top level'));
  const pre = new Preprocessor(fs, diags, opts, (tokens, n) => tree.pushTokens(tokens, n));
  read(pre);
  tree.end();
  validateVrrp(model, ctx);
  const lvs = validateLvs(model, ctx, opts.keepResolved === true);
  const out: ParsedConfig = { model, diagnostics: diags.list, locs: ctx.locs, files: pre.files };
  if (lvs) out.lvs = lvs;
  return out;
}

export function parseKeepalivedFile(path: string, fs: ConfigFileSystem, opts: ParseOptions = {}): ParsedConfig {
  return parse((pre) => pre.run(path), fs, opts);
}

export function parseKeepalivedText(
  text: string,
  file: string,
  fs: ConfigFileSystem,
  opts: ParseOptions = {},
): ParsedConfig {
  return parse((pre) => pre.runText(text, file), fs, opts);
}
