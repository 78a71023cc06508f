// Config model (pure): the one model that keepalived.conf and YAML both produce.
import { Type, type Static } from '@sinclair/typebox';
import { GlobalDefs } from './global.js';
import { StaticConfig, SyncGroup, TrackFile, VrrpInstance, VrrpScript } from './vrrp.js';
import { VirtualServer, VirtualServerGroup } from './lvs.js';
import { SslConfig } from './check.js';

export const MODEL_SCHEMA_ID = 'https://lvsd.example/schema/lvsd-config.schema.json';

export const ConfigModel = Type.Object(
  {
    global_defs: Type.Optional(GlobalDefs),
    static: Type.Optional(StaticConfig),
    vrrp_scripts: Type.Array(VrrpScript, { default: [], description: 'vrrp_script blocks' }),
    vrrp_track_files: Type.Array(TrackFile, { default: [], description: 'vrrp_track_file blocks' }),
    vrrp_sync_groups: Type.Array(SyncGroup, { default: [], description: 'vrrp_sync_group blocks' }),
    vrrp_instances: Type.Array(VrrpInstance, { default: [], description: 'vrrp_instance blocks' }),
    virtual_server_groups: Type.Array(VirtualServerGroup, { default: [], description: 'virtual_server_group blocks' }),
    ssl: Type.Optional(SslConfig),
    virtual_servers: Type.Array(VirtualServer, { default: [], description: 'virtual_server blocks' }),
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
  return {
    vrrp_scripts: [],
    vrrp_track_files: [],
    vrrp_sync_groups: [],
    vrrp_instances: [],
    virtual_server_groups: [],
    virtual_servers: [],
  };
}
