// Config model (pure): the one model that keepalived.conf and YAML both produce.
import { Type, type Static } from '@sinclair/typebox';
import { GlobalDefs } from './global.js';
import { VrrpInstance } from './vrrp.js';
import { VirtualServer } from './lvs.js';

export const MODEL_SCHEMA_ID = 'https://lvsd.example/schema/lvsd-config.schema.json';

export const ConfigModel = Type.Object(
  {
    global_defs: Type.Optional(GlobalDefs),
    vrrp_instances: Type.Array(VrrpInstance, { default: [] }),
    virtual_servers: Type.Array(VirtualServer, { default: [] }),
  },
  {
    $id: MODEL_SCHEMA_ID,
    title: 'lvsd configuration',
    description: 'The lvsd configuration model: what keepalived.conf and lvsd YAML both describe.',
    additionalProperties: false,
  },
);
export type ConfigModel = Static<typeof ConfigModel>;

export function emptyModel(): ConfigModel {
  return { vrrp_instances: [], virtual_servers: [] };
}
