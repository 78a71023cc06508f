// Config model (pure): VRRP sections (vrrp_script, vrrp_track_file, vrrp_sync_group, vrrp_instance).
import { Type, type Static } from '@sinclair/typebox';
import { Obj } from './common.js';

export const VrrpInstance = Obj(
  {
    name: Type.String({ minLength: 1, description: 'vrrp_instance name' }),
  },
  { description: 'vrrp_instance' },
);
export type VrrpInstance = Static<typeof VrrpInstance>;
