// Unit tests: which notify FIFOs and SMTP settings a keepalived.conf gives, and smtp_alert resolved
// as keepalived does (vrrp_data.c, vrrp_sync.c, check_data.c): the object's own keyword, else the
// global smtp_alert_vrrp / smtp_alert_checker, else global smtp_alert, else off (on for real servers).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseKeepalivedText } from '../../../src/config/keepalived/parse.js';
import type { ConfigModel } from '../../../src/config/model/index.js';
import { resolveLvs } from '../../../src/config/resolve-lvs.js';
import { resolveVrrp } from '../../../src/config/resolve-vrrp.js';
import { notifySettings, resolveFifos, resolveSmtp, type HostFacts, type NotifySettings } from '../../../src/notify/settings.js';
import { memFs } from '../config/memfs.js';

const HOST: HostFacts = { hostname: 'lb1.example.net', username: 'root' };

function model(text: string): ConfigModel {
  const p = parseKeepalivedText(text, '/k.conf', memFs({}), { configId: 'x' });
  const errors = p.diagnostics.filter((d) => d.severity === 'error');
  assert.deepEqual(errors, [], 'the test configuration parses');
  return p.model;
}
function settings(text: string, host: HostFacts = HOST): NotifySettings {
  const m = model(text);
  return notifySettings(m, host, resolveVrrp(m), resolveLvs(m));
}

const INSTANCE = (own: string) => `vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  priority 100
  ${own}
  virtual_ipaddress { 10.0.0.100/24 }
}
vrrp_sync_group G1 {
  group { VI_1 }
  ${own}
}`;
const VS = (own: string) => `virtual_server 10.0.0.1 80 {
  protocol TCP
  ${own}
  real_server 10.0.0.2 80 {
    ${own}
    TCP_CHECK { }
  }
}`;

test('smtp_alert: the full keepalived resolution table for instances, sync groups, virtual and real servers', () => {
  const vals = [undefined, true, false] as const;
  const kw = (k: string, v: boolean | undefined): string => (v === undefined ? '' : `${k} ${v ? 'on' : 'off'}`);
  let n = 0;
  for (const all of vals)
    for (const sub of vals)
      for (const own of vals) {
        const g = `global_defs {\n  ${kw('smtp_alert', all)}\n  ${kw('smtp_alert_vrrp', sub)}\n  ${kw('smtp_alert_checker', sub)}\n}\n`;
        const s = settings(g + INSTANCE(kw('smtp_alert', own)) + '\n' + VS(kw('smtp_alert', own)));
        // keepalived: own ?? smtp_alert_vrrp|checker ?? smtp_alert ?? (false; true for a real server).
        const vrrp = own ?? sub ?? all ?? false;
        const rs = own ?? sub ?? all ?? true;
        const vs = own ?? sub ?? all ?? false;
        const where = `smtp_alert=${all} sub=${sub} own=${own}`;
        assert.equal(s.instances.get('VI_1')?.smtpAlert, vrrp, `instance, ${where}`);
        assert.equal(s.groups.get('G1')?.smtpAlert, vrrp, `group, ${where}`);
        assert.equal(s.vss[0]?.smtpAlert, vs, `virtual server, ${where}`);
        assert.equal(s.vss[0]?.rs[0]?.smtpAlert, rs, `real server, ${where}`);
        // Objects the configuration does not name get the same defaults.
        assert.deepEqual(s.defaults, { instance: sub ?? all ?? false, group: sub ?? all ?? false, vs: sub ?? all ?? false, rs: sub ?? all ?? true });
        n++;
      }
  assert.equal(n, 27);
});

test('smtp_alert_vrrp does not reach checkers, smtp_alert_checker does not reach VRRP', () => {
  const s = settings(`global_defs {\n smtp_alert_vrrp on\n}\n${INSTANCE('')}\n${VS('')}`);
  assert.equal(s.instances.get('VI_1')?.smtpAlert, true);
  assert.equal(s.vss[0]?.smtpAlert, false);
  assert.equal(s.vss[0]?.rs[0]?.smtpAlert, true); // the real server's own default
  const t = settings(`global_defs {\n smtp_alert_checker off\n}\n${INSTANCE('')}\n${VS('')}`);
  assert.equal(t.instances.get('VI_1')?.smtpAlert, false);
  assert.equal(t.vss[0]?.rs[0]?.smtpAlert, false);
});

test('SMTP: keepalived defaults (router_id, From <user>@<host>, HELO name, 30 s) and no mail without addresses or server', () => {
  const base = `global_defs {\n notification_email {\n  ops@example.com\n  two@example.com\n }\n smtp_server 127.0.0.1 2525\n}\n`;
  const s = settings(base);
  assert.equal(s.routerId, 'lb1.example.net');
  assert.deepEqual(s.smtp, { host: '127.0.0.1', port: 2525, helo: 'lb1.example.net', from: 'root@lb1.example.net', to: ['ops@example.com', 'two@example.com'], timeoutMs: 30_000 });
  const t = settings(`global_defs {\n router_id lb-a\n notification_email { a@b }\n notification_email_from alerts@example.com\n smtp_server mail.example.com\n smtp_helo_name director.example.com\n smtp_connect_timeout 0\n}\n`);
  assert.equal(t.routerId, 'lb-a');
  assert.deepEqual(t.smtp, { host: 'mail.example.com', port: 25, helo: 'director.example.com', from: 'alerts@example.com', to: ['a@b'], timeoutMs: 1000 });
  assert.equal(resolveSmtp(model(`global_defs {\n smtp_server 127.0.0.1\n smtp_alert\n}\n`), HOST), undefined, 'no notification_email: no mail');
  assert.equal(resolveSmtp(model(`global_defs {\n notification_email { a@b }\n smtp_alert\n}\n`), HOST), undefined, 'no smtp_server: no mail');
  assert.equal(settings(`global_defs {\n no_email_faults\n no_checker_emails\n}\n`).noEmailFaults, true);
  assert.equal(settings(`global_defs {\n no_checker_emails\n}\n`).noCheckerEmails, true);
});

test('FIFOs: notify_fifo takes both kinds; a vrrp_/lvs_notify_fifo of the same name is dropped; owners and scripts', () => {
  const host: HostFacts = { ...HOST, defaultScriptUser: { user: 'keepalived_script' } };
  const m = model(`global_defs {
  notify_fifo /run/k/all nobody nogroup
  notify_fifo_script "/usr/local/bin/read-fifo -v"
  vrrp_notify_fifo /run/k/all
  vrrp_notify_fifo_script /bin/vrrp-reader
  lvs_notify_fifo /run/k/lvs
  lvs_notify_fifo_script /bin/lvs-reader root
}\n`);
  const notes: string[] = [];
  const f = resolveFifos(m, host, notes);
  assert.deepEqual(f, [
    { path: '/run/k/all', user: 'nobody', group: 'nogroup', script: { command: '/usr/local/bin/read-fifo -v', user: 'keepalived_script' }, vrrp: true, lvs: true, keyword: 'notify_fifo' },
    { path: '/run/k/lvs', user: 'keepalived_script', script: { command: '/bin/lvs-reader', user: 'root' }, vrrp: false, lvs: true, keyword: 'lvs_notify_fifo' },
  ]);
  assert.deepEqual(notes, ['notify FIFO /run/k/all has been specified for global and vrrp FIFO - ignoring vrrp FIFO']);
});

test('FIFOs: LVS and VRRP sharing one FIFO keep the VRRP script (global_data.c)', () => {
  const notes: string[] = [];
  const f = resolveFifos(
    model(`global_defs {\n vrrp_notify_fifo /run/f\n vrrp_notify_fifo_script /bin/v\n lvs_notify_fifo /run/f\n lvs_notify_fifo_script /bin/l\n}\n`),
    HOST,
    notes,
  );
  assert.deepEqual(f, [{ path: '/run/f', script: { command: '/bin/v' }, vrrp: true, lvs: true, keyword: 'vrrp_notify_fifo, lvs_notify_fifo' }]);
  assert.deepEqual(notes, ['LVS notify FIFO and vrrp FIFO are the same both with scripts - ignoring LVS FIFO script']);
  const g = resolveFifos(model(`global_defs {\n vrrp_notify_fifo /run/v\n lvs_notify_fifo /run/l\n}\n`), HOST);
  assert.deepEqual(g.map((x) => [x.path, x.vrrp, x.lvs]), [['/run/v', true, false], ['/run/l', false, true]]);
  assert.deepEqual(resolveFifos(model(''), HOST), []);
});

test('virtual and real servers: keepalived FMT_VS / FMT_RS, quorum, weights, alpha', () => {
  const s = settings(`virtual_server_group web {\n 10.0.0.1 80\n}
virtual_server group web {
  protocol TCP
  quorum 2
  hysteresis 1
  real_server 10.0.0.2 80 { weight 3 }
  real_server 10.0.0.3 80 { weight 1 }
}
virtual_server fwmark 7 {
  real_server 10.0.0.4 0 { alpha }
}
virtual_server 10.0.0.9 53 {
  real_server 10.0.0.5 53 { }
}\n`);
  const [grp, fwm, noproto] = s.vss;
  assert.equal(grp?.fmt, '[web]:0');
  assert.deepEqual(grp?.rs.map((r) => [r.fmt, r.weight, r.alpha]), [['[10.0.0.2]:tcp:80', 3, false], ['[10.0.0.3]:tcp:80', 1, false]]);
  assert.deepEqual([grp?.quorum, grp?.hysteresis], [2, 1]);
  assert.equal(fwm?.fmt, 'FWM 7');
  assert.deepEqual(fwm?.rs.map((r) => [r.fmt, r.alpha]), [['[10.0.0.4]:none:0', true]]);
  // No protocol keyword: keepalived's service_type stays 0 and its names say "none".
  assert.equal(noproto?.fmt, '[10.0.0.9]:none:53');
  assert.equal(noproto?.rs[0]?.fmt, '[10.0.0.5]:none:53');
});
