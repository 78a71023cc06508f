// Config model (pure): global_defs.
import { Type, type Static } from '@sinclair/typebox';
import { Obj, Opt } from './common.js';

export const GlobalDefs = Obj(
  {
    router_id: Opt(Type.String({ description: 'identifies this node in notifications (default: hostname)' })),
  },
  { description: 'global_defs: settings for the whole node' },
);
export type GlobalDefs = Static<typeof GlobalDefs>;
