// Config layer (pure): keepalived.conf grammar for global_defs.
import type { ConfigModel } from '../model/index.js';
import type { GlobalDefs } from '../model/global.js';
import type { KeywordTable } from './context.js';

export const globalDefsTable: KeywordTable<GlobalDefs> = {
  router_id: { handle: (s, g, ctx) => { const t = ctx.arg(s); if (t) ctx.set(g, 'router_id', t.text, s); } },
};

export const globalTopLevel: KeywordTable<ConfigModel> = {
  global_defs: {
    block: 'required',
    handle: (s, m, ctx) => {
      m.global_defs ??= {};
      ctx.at(m.global_defs, '', s.kw.loc);
      ctx.walk(s.block, globalDefsTable, m.global_defs, 'global_defs');
    },
  },
};
