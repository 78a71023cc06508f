// Config model (pure): LVS sections (virtual_server_group, virtual_server, real_server).
// Checkers are in check.ts.
import { Type, type Static } from '@sinclair/typebox';
import { Obj } from './common.js';

export const VirtualServerGroup = Obj({ name: Type.String({ minLength: 1 }) }, { description: 'virtual_server_group' });
export type VirtualServerGroup = Static<typeof VirtualServerGroup>;

export const VirtualServer = Obj({ address: Type.String() }, { description: 'virtual_server' });
export type VirtualServer = Static<typeof VirtualServer>;
