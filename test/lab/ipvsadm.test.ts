// Pure tests of the lab's ipvsadm listing parsers (output captured from ipvsadm 1.31 in UML).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIpvsList, parseIpvsRules, splitHostPort } from './ipvsadm.js';

const RULES = `-A -t 10.88.0.100:80 -s rr
-a -t 10.88.0.100:80 -r 10.88.1.11:80 -m -w 1
-a -t 10.88.0.100:80 -r 10.88.1.12:80 -m -w 3
-A -u [2001:db8::1]:53 -s wrr -p 300
-a -u [2001:db8::1]:53 -r [2001:db8::11]:53 -g -w 0
-A -f 7 -s sh
-a -f 7 -r 10.88.1.13:0 -i -w 2
`;

const LIST = `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port Scheduler Flags
  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
TCP  10.88.0.100:80 rr
  -> 10.88.1.11:80                Masq    1      0          10
  -> 10.88.1.12:80                Route   3      2          9
UDP  [2001:db8::1]:53 wrr persistent 300
FWM  7 sh
  -> 10.88.1.13:0                 Tunnel  2      0          0
`;

test('parses ipvsadm -S -n rules: protocols, IPv6, methods, weights, options', () => {
  const s = parseIpvsRules(RULES);
  assert.equal(s.length, 3);
  assert.deepEqual(s[0], {
    proto: 'tcp', addr: '10.88.0.100', port: 80, scheduler: 'rr', options: [],
    reals: [
      { addr: '10.88.1.11', port: 80, method: 'masq', weight: 1 },
      { addr: '10.88.1.12', port: 80, method: 'masq', weight: 3 },
    ],
  });
  assert.deepEqual(s[1]!.options, ['-p', '300']);
  assert.deepEqual(s[1]!.reals[0], { addr: '2001:db8::11', port: 53, method: 'route', weight: 0 });
  assert.deepEqual([s[2]!.proto, s[2]!.port, s[2]!.reals[0]!.method], ['fwm', 7, 'tunnel']);
});

test('parses ipvsadm -L -n with counters and flags', () => {
  const s = parseIpvsList(LIST);
  assert.deepEqual(s.map((x) => [x.proto, x.addr, x.port, x.scheduler, x.reals.length]), [
    ['tcp', '10.88.0.100', 80, 'rr', 2],
    ['udp', '2001:db8::1', 53, 'wrr', 0],
    ['fwm', '', 7, 'sh', 1],
  ]);
  assert.deepEqual(s[0]!.reals[1], { addr: '10.88.1.12', port: 80, method: 'route', weight: 3, activeConns: 2, inactiveConns: 9 });
  assert.deepEqual(s[1]!.options, ['persistent', '300']);
});

test('rejects what it cannot read instead of guessing', () => {
  assert.throws(() => parseIpvsRules('-X -t 1.2.3.4:80'), /cannot read/);
  assert.throws(() => parseIpvsRules('-a -t 1.2.3.4:80 -r 1.2.3.5:80 -m'), /before its service/);
  assert.throws(() => parseIpvsList('TCP  1.2.3.4:80 rr\n  -> 1.2.3.5:80 Teleport 1 0 0'), /forward method/);
  assert.throws(() => splitHostPort('1.2.3.4'), /bad address/);
  assert.deepEqual(splitHostPort('[::1]:8080'), ['::1', 8080]);
});
