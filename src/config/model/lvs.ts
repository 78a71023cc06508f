// Config model (pure): LVS sections (virtual_server_group, virtual_server, real_server, checkers).
import { Type, type Static } from '@sinclair/typebox';
import { Obj } from './common.js';

export const VirtualServer = Obj(
  {
    address: Type.String({ description: 'virtual service address' }),
  },
  { description: 'virtual_server' },
);
export type VirtualServer = Static<typeof VirtualServer>;
