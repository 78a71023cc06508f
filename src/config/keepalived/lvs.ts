// Config layer (pure): keepalived.conf grammar for the LVS sections.
import type { ConfigModel } from '../model/index.js';
import type { KeywordTable, ParseContext } from './context.js';

export const lvsTopLevel: KeywordTable<ConfigModel> = {};

/** Cross-section checks after the whole file was read. */
export function validateLvs(_m: ConfigModel, _ctx: ParseContext): void {}
