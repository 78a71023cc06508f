// Config layer (pure): keepalived.conf grammar for the VRRP sections.
import type { ConfigModel } from '../model/index.js';
import type { KeywordTable, ParseContext } from './context.js';

export const vrrpTopLevel: KeywordTable<ConfigModel> = {};

/** Cross-section checks and keepalived's own fixes, after the whole file was read. */
export function validateVrrp(_m: ConfigModel, _ctx: ParseContext): void {}
