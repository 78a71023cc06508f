// Config layer (pure over an injected file system): keepalived.conf -> the one config model.
import { Diagnostics, type Diagnostic } from '../diagnostics.js';
import { emptyModel, type ConfigModel } from '../model/index.js';
import type { LocationTable } from '../source.js';
import { ParseContext, type KeywordTable } from './context.js';
import { globalTopLevel } from './global.js';
import { lvsTopLevel, validateLvs } from './lvs.js';
import { Preprocessor, type ConfigFileSystem, type PreprocessOptions } from './preprocess.js';
import { buildTree } from './tree.js';
import { validateVrrp, vrrpTopLevel } from './vrrp.js';

export interface ParsedConfig {
  model: ConfigModel;
  diagnostics: Diagnostic[];
  locs: LocationTable;
  /** Every file read, top-level first. */
  files: string[];
}

export const topLevelTable: KeywordTable<ConfigModel> = { ...globalTopLevel, ...vrrpTopLevel, ...lvsTopLevel };

function parseLines(pre: Preprocessor, lines: ReturnType<Preprocessor['run']>, diags: Diagnostics): ParsedConfig {
  const ctx = new ParseContext(diags);
  const tree = buildTree(lines, diags);
  const model = emptyModel();
  ctx.walk(tree, topLevelTable, model, 'the top level');
  validateVrrp(model, ctx);
  validateLvs(model, ctx);
  return { model, diagnostics: diags.list, locs: ctx.locs, files: pre.files };
}

export function parseKeepalivedFile(path: string, fs: ConfigFileSystem, opts: PreprocessOptions = {}): ParsedConfig {
  const diags = new Diagnostics();
  const pre = new Preprocessor(fs, diags, opts);
  return parseLines(pre, pre.run(path), diags);
}

export function parseKeepalivedText(
  text: string,
  file: string,
  fs: ConfigFileSystem,
  opts: PreprocessOptions = {},
): ParsedConfig {
  const diags = new Diagnostics();
  const pre = new Preprocessor(fs, diags, opts);
  return parseLines(pre, pre.runText(text, file), diags);
}
