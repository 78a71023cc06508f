// Config model (pure): VRRP sections (vrrp_script, vrrp_track_file, vrrp_sync_group, vrrp_instance,
// static_ipaddress / static_routes / static_rules).
import { Type, type Static } from '@sinclair/typebox';
import { Obj } from './common.js';

export const VrrpScript = Obj({ name: Type.String({ minLength: 1 }) }, { description: 'vrrp_script' });
export type VrrpScript = Static<typeof VrrpScript>;

export const TrackFile = Obj({ name: Type.String({ minLength: 1 }) }, { description: 'vrrp_track_file' });
export type TrackFile = Static<typeof TrackFile>;

export const SyncGroup = Obj({ name: Type.String({ minLength: 1 }) }, { description: 'vrrp_sync_group' });
export type SyncGroup = Static<typeof SyncGroup>;

export const VrrpInstance = Obj({ name: Type.String({ minLength: 1 }) }, { description: 'vrrp_instance' });
export type VrrpInstance = Static<typeof VrrpInstance>;

/** static_ipaddress / static_routes / static_rules: configured at start, never moved by VRRP. */
export const StaticConfig = Obj({}, { description: 'static_ipaddress, static_routes, static_rules' });
export type StaticConfig = Static<typeof StaticConfig>;
