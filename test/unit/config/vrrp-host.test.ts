import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Diagnostics } from '../../../src/config/diagnostics.js';
import { hostChecks, programOf, type HostInfo } from '../../../src/config/host-checks.js';
import { nodeHostInfo } from '../../../src/config/host-info.js';
import { nodeFileSystem } from '../../../src/config/keepalived/fs.js';
import { parseKeepalivedFile, parseKeepalivedText } from '../../../src/config/keepalived/parse.js';
import { repoRoot } from '../../util/env.js';
import { memFs } from './memfs.js';

const seedDir = join(repoRoot(), 'test', 'fixtures', 'keepalived-seeds');
/** The seeds' verdicts were captured on a host with lo and eth0 only. */
const host = (interfaces = ['lo', 'eth0'], executables: string[] = []): HostInfo => ({
  interfaces: new Set(interfaces),
  fileExecutable: (p) => executables.includes(p),
});
function check(file: string, h: HostInfo = host()) {
  const r = parseKeepalivedFile(join(seedDir, file), nodeFileSystem, { configId: 'x' });
  const d = new Diagnostics();
  hostChecks(r.model, r.locs, h, d);
  return d.list.map((x) => `${x.loc?.line} ${x.severity} ${x.code}: ${x.message}`);
}

test('lvs-dr-*: "interface ens37 for vrrp_instance VI_1 doesn\'t exist" is an error at the interface line', () => {
  assert.deepEqual(check('lvs-dr-master.conf'), ["16 error interface-missing: interface ens37 for vrrp_instance VI_1 doesn't exist"]);
  assert.deepEqual(check('lvs-dr-backup-sorry.conf'), ["18 error interface-missing: interface ens37 for vrrp_instance VI_1 doesn't exist"]);
  assert.deepEqual(check('lvs-dr-multi-master-a.conf').map((l) => l.split(' ')[0]), ['16', '31'], 'keepalived: lines 16 and 31');
  assert.deepEqual(check('lvs-dr-master.conf', host(['lo', 'ens37'])), []);
});

test('nginx-pair-*: the instance interface and the VIP dev (keepalived lines 18 and 27)', () => {
  assert.deepEqual(check('nginx-pair-master.conf'), [
    "18 error interface-missing: interface eth1 for vrrp_instance VI_1 doesn't exist",
    "27 error interface-missing: interface eth1 for ip address 192.168.31.5/24 of vrrp_instance VI_1 doesn't exist",
  ]);
});

test('sync-group-full: tracked interface, VIP devs and route devs missing (keepalived lines 42, 55, 56, 60, 61, 62)', () => {
  const lines = check('sync-group-full.conf');
  assert.deepEqual(lines.map((l) => l.split(' ').slice(0, 3).join(' ')), [
    '42 error interface-missing:',
    '55 error interface-missing:',
    '56 error interface-missing:',
    '60 error interface-missing:',
    '61 error interface-missing:',
    '62 error interface-missing:',
    // keepalived stopped at the `debug` error (exit 2) before it looked at scripts; lvsd goes on.
    '31 warning script-missing:',
  ]);
  assert.match(lines[0] ?? '', /interface eth1 tracked by vrrp_instance http doesn't exist/);
});

test('nginx-ha-chk-*: a missing vrrp_script program is a warning ("Disabling track script chk_nginx since not found/accessible")', () => {
  assert.deepEqual(check('nginx-ha-chk-master.conf'), ['11 warning script-missing: disabling track script chk_nginx since /etc/keepalived/check_nginx.sh is not found or not executable']);
  assert.deepEqual(check('nginx-ha-chk-master.conf', host(['lo', 'eth0'], ['/etc/keepalived/check_nginx.sh'])), []);
});

test('seeds keepalived passes on this host stay clean', () => {
  for (const f of ['lb01-vrrp-master.conf', 'lb02-vrrp-backup.conf', 'lb01-dual-master.conf', 'codis-6379-a.conf', 'codis-6379-b.conf']) assert.deepEqual(check(f), [], f);
});

test('dynamic_interfaces turns missing interfaces into notes; static addresses use default_interface, else eth0; rules and nexthops are checked', () => {
  const text = (g: string) =>
    [
      `global_defs {${g}}`,
      'static_ipaddress {',
      '  10.0.0.1/24',
      '}',
      'static_routes {',
      '  10.1.0.0/16 nexthop via 10.0.0.9 dev eth7',
      '}',
      'vrrp_instance VI {',
      '  interface eth0',
      '  virtual_router_id 1',
      '  virtual_rules {',
      '    from 10.0.0.0/8 iif eth8 table 5 preference 1',
      '  }',
      '}',
    ].join('\n');
  const run = (g: string, h: HostInfo) => {
    const r = parseKeepalivedText(text(g), '/h.conf', memFs({}));
    const d = new Diagnostics();
    hostChecks(r.model, r.locs, h, d);
    return d.list.map((x) => `${x.loc?.line} ${x.severity}`);
  };
  assert.deepEqual(run('', host(['lo'])).sort(), ['12 error', '3 error', '6 error', '9 error']);
  assert.deepEqual(run('', host(['lo', 'eth0', 'eth7', 'eth8'])), []);
  assert.deepEqual(run(' default_interface bond0 ', host(['lo', 'eth0', 'eth7', 'eth8'])), ['3 error'], 'bond0 is now the interface of the static address');
  assert.deepEqual(run(' dynamic_interfaces ', host(['lo'])).sort(), ['12 info', '3 info', '6 info', '9 info']);
});

test('programOf takes the first word, or a single-quoted first word', () => {
  assert.equal(programOf('/bin/check --fast x'), '/bin/check');
  assert.equal(programOf("'/opt/my tools/chk' a"), '/opt/my tools/chk');
  assert.equal(programOf('  killall -0 nginx'), 'killall');
});

test('nodeHostInfo reads this host: lo exists, /bin/sh is executable, /etc/passwd is not, a missing path is not', () => {
  const h = nodeHostInfo();
  assert.ok(h.interfaces.has('lo'), `interfaces: ${[...h.interfaces].join(',')}`);
  assert.equal(h.fileExecutable('/bin/sh'), true);
  assert.equal(h.fileExecutable('/etc/passwd'), false);
  assert.equal(h.fileExecutable('/nonexistent/lvsd-test'), false);
  assert.equal(nodeHostInfo('/nonexistent/sys/class/net').interfaces.size, 0);
});
