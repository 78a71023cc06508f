// Config layer (pure): keepalived.conf writer for the VRRP sections. Definitions come before the
// blocks that use them (keepalived resolves track_script / track_file names while reading).
import type { Command } from '../model/common.js';
import type { ConfigModel } from '../model/index.js';
import type { SyncGroup, TrackScriptRef, VrrpInstance } from '../model/vrrp.js';
import { q, type ConfWriter } from './emit-util.js';
import { commandArgs } from './command.js';
import { trackEntryWords } from './vrrp-common.js';
import { cidrText, formatIpEntry } from './vrrp-ip.js';
import { formatRoute } from './vrrp-route.js';
import { formatRule } from './vrrp-rule.js';

function cmd(w: ConfWriter, kw: string, c: Command | undefined): void {
  if (c) w.line(kw, ...commandArgs(c));
}

function tracks(w: ConfWriter, kw: string, list: readonly TrackScriptRef[] | undefined): void {
  if (!list) return;
  w.block(kw, [], () => {
    for (const t of list) w.raw(trackEntryWords(t).map(q).join(' '));
  });
}

function entries<T>(w: ConfWriter, kw: string, list: readonly T[] | undefined, fmt: (e: T) => string): void {
  if (!list) return;
  w.block(kw, [], () => {
    for (const e of list) w.raw(fmt(e));
  });
}

/** `kw value` only when the value is set (ConfWriter.line would write a bare keyword). */
function opt(w: ConfWriter, kw: string, v: string | number | undefined): void {
  if (v !== undefined) w.line(kw, v);
}

function bool(w: ConfWriter, kw: string, v: boolean | undefined): void {
  if (v !== undefined) w.line(kw, v ? 'on' : 'off');
}

function syncGroup(w: ConfWriter, g: SyncGroup): void {
  w.block('vrrp_sync_group', [g.name], () => {
    if (g.group) w.block('group', [], () => g.group?.forEach((n) => w.line(n)));
    tracks(w, 'track_interface', g.track_interface);
    tracks(w, 'track_script', g.track_script);
    tracks(w, 'track_file', g.track_file);
    tracks(w, 'track_process', g.track_process);
    tracks(w, 'track_bfd', g.track_bfd);
    cmd(w, 'notify_master', g.notify_master);
    cmd(w, 'notify_backup', g.notify_backup);
    cmd(w, 'notify_fault', g.notify_fault);
    cmd(w, 'notify_stop', g.notify_stop);
    cmd(w, 'notify', g.notify);
    bool(w, 'notify_priority_changes', g.notify_priority_changes);
    bool(w, 'smtp_alert', g.smtp_alert);
    w.flag('global_tracking', g.global_tracking);
    w.flag('sync_group_tracking_weight', g.sync_group_tracking_weight);
  });
}

function instance(w: ConfWriter, v: VrrpInstance): void {
  w.block('vrrp_instance', [v.name], () => {
    opt(w, 'state', v.state);
    opt(w, 'interface', v.interface);
    opt(w, 'vrf', v.vrf);
    if (v.use_vmac) w.line('use_vmac', v.use_vmac.name, v.use_vmac.mac);
    w.flag('use_vmac_addr', v.use_vmac_addr);
    w.flag('vmac_xmit_base', v.vmac_xmit_base);
    if (v.use_ipvlan) w.line('use_ipvlan', v.use_ipvlan.name, v.use_ipvlan.address ? cidrText(v.use_ipvlan.address) : undefined, v.use_ipvlan.mode);
    w.flag('native_ipv6', v.native_ipv6);
    w.flag('dont_track_primary', v.dont_track_primary);
    opt(w, 'mcast_src_ip', v.mcast_src_ip);
    opt(w, 'unicast_src_ip', v.unicast_src_ip);
    opt(w, 'mcast_dst_ip', v.mcast_dst_ip);
    w.flag('track_src_ip', v.track_src_ip);
    opt(w, 'version', v.version);
    w.flag('check_unicast_src', v.check_unicast_src);
    entries(w, 'unicast_peer', v.unicast_peer, (p) =>
      [p.address, ...(p.min_ttl !== undefined ? ['min_ttl', String(p.min_ttl)] : []), ...(p.max_ttl !== undefined ? ['max_ttl', String(p.max_ttl)] : [])].join(' '),
    );
    w.flag('unicast_fault_no_peer', v.unicast_fault_no_peer);
    opt(w, 'unicast_ttl', v.unicast_ttl);
    if (v.old_unicast_checksum !== undefined) w.line('old_unicast_checksum', v.old_unicast_checksum === 'never' ? 'never' : undefined);
    bool(w, 'v3_checksum_as_v2', v.v3_checksum_as_v2);
    opt(w, 'virtual_router_id', v.virtual_router_id);
    opt(w, 'priority', v.priority);
    opt(w, 'advert_int', v.advert_int);
    if (v.authentication) {
      const a = v.authentication;
      w.block('authentication', [], () => {
        opt(w, 'auth_type', a.auth_type);
        opt(w, 'auth_pass', a.auth_pass);
      });
    }
    tracks(w, 'track_interface', v.track_interface);
    tracks(w, 'track_script', v.track_script);
    tracks(w, 'track_file', v.track_file);
    tracks(w, 'track_process', v.track_process);
    tracks(w, 'track_bfd', v.track_bfd);
    entries(w, 'virtual_ipaddress', v.virtual_ipaddress, formatIpEntry);
    entries(w, 'virtual_ipaddress_excluded', v.virtual_ipaddress_excluded, formatIpEntry);
    w.flag('promote_secondaries', v.promote_secondaries);
    entries(w, 'virtual_routes', v.virtual_routes, formatRoute);
    entries(w, 'virtual_rules', v.virtual_rules, formatRule);
    if (v.accept !== undefined) w.line(v.accept ? 'accept' : 'no_accept');
    if (v.nopreempt !== undefined) w.line(v.nopreempt ? 'nopreempt' : 'preempt');
    opt(w, 'preempt_delay', v.preempt_delay);
    bool(w, 'skip_check_adv_addr', v.skip_check_adv_addr);
    bool(w, 'strict_mode', v.strict_mode);
    opt(w, 'debug', v.debug);
    opt(w, 'garp_master_delay', v.garp_master_delay);
    opt(w, 'garp_master_repeat', v.garp_master_repeat);
    opt(w, 'garp_lower_prio_delay', v.garp_lower_prio_delay);
    opt(w, 'garp_lower_prio_repeat', v.garp_lower_prio_repeat);
    opt(w, 'garp_master_refresh', v.garp_master_refresh);
    opt(w, 'garp_master_refresh_repeat', v.garp_master_refresh_repeat);
    if (v.garp_extra_if) w.line('garp_extra_if', v.garp_extra_if.all ? 'all' : undefined, v.garp_extra_if.interval);
    opt(w, 'down_timer_adverts', v.down_timer_adverts);
    bool(w, 'lower_prio_no_advert', v.lower_prio_no_advert);
    bool(w, 'higher_prio_send_advert', v.higher_prio_send_advert);
    cmd(w, 'notify_master', v.notify_master);
    cmd(w, 'notify_backup', v.notify_backup);
    cmd(w, 'notify_fault', v.notify_fault);
    cmd(w, 'notify_stop', v.notify_stop);
    if (v.notify_deleted === true) w.line('notify_deleted');
    else cmd(w, 'notify_deleted', v.notify_deleted);
    cmd(w, 'notify', v.notify);
    cmd(w, 'notify_master_rx_lower_pri', v.notify_master_rx_lower_pri);
    bool(w, 'notify_priority_changes', v.notify_priority_changes);
    bool(w, 'smtp_alert', v.smtp_alert);
    opt(w, 'kernel_rx_buf_size', v.kernel_rx_buf_size);
    w.flag('linkbeat_use_polling', v.linkbeat_use_polling);
    opt(w, 'lvs_sync_daemon_interface', v.lvs_sync_daemon_interface);
  });
}

export function emitVrrp(m: ConfigModel, w: ConfWriter): void {
  const st = m.static;
  if (st) {
    for (const tg of st.track_group ?? []) {
      w.block('track_group', [tg.name], () => {
        if (tg.group) w.block('group', [], () => tg.group?.forEach((n) => w.line(n)));
      });
      w.blank();
    }
    const any = st.static_ipaddress || st.static_routes || st.static_rules;
    entries(w, 'static_ipaddress', st.static_ipaddress, formatIpEntry);
    entries(w, 'static_routes', st.static_routes, formatRoute);
    entries(w, 'static_rules', st.static_rules, formatRule);
    if (any) w.blank();
  }
  for (const s of m.vrrp_scripts) {
    w.block('vrrp_script', [s.name], () => {
      opt(w, 'script', s.script);
      opt(w, 'interval', s.interval);
      opt(w, 'timeout', s.timeout);
      if (s.weight !== undefined) w.line('weight', s.weight, s.reverse ? 'reverse' : undefined);
      opt(w, 'rise', s.rise);
      opt(w, 'fall', s.fall);
      if (s.user !== undefined) w.line('user', s.user, s.group);
      w.flag('init_fail', s.init_fail);
    });
    w.blank();
  }
  for (const f of m.vrrp_track_files) {
    w.block('track_file', [f.name], () => {
      opt(w, 'file', f.file);
      if (f.weight !== undefined) w.line('weight', f.weight, f.reverse ? 'reverse' : undefined);
      if (f.init_file) w.line('init_file', f.init_file.value, f.init_file.overwrite ? 'overwrite' : undefined);
    });
    w.blank();
  }
  for (const g of m.vrrp_sync_groups) {
    syncGroup(w, g);
    w.blank();
  }
  for (const v of m.vrrp_instances) {
    instance(w, v);
    w.blank();
  }
}
