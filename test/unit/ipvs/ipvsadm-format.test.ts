// The ipvsadm formatter against Debian's ipvsadm 1.31, byte for byte: every listing in
// test/fixtures/ipvs/listing was printed by ipvsadm from the very netlink replies recorded next
// to it, so the formatter gets the same table ipvsadm saw (capture/listing.sh).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as C from '../../../src/ipvs/constants.js';
import {
  decodeDaemon,
  decodeDestMessage,
  decodeFamilyId,
  decodeInfo,
  decodeServiceKey,
  decodeServiceMessage,
  decodeTimeouts,
  parseAttrs,
  parseGenl,
  type NlMessage,
} from '../../../src/ipvs/codec.js';
import {
  formatConnections,
  formatDaemons,
  formatList,
  formatOneService,
  formatSave,
  formatTimeouts,
  glibcMsort,
  largenum,
  type ListFormat,
} from '../../../src/ipvs/ipvsadm-format.js';
import { serviceKeyId, type DumpedServer, type IpvsInfo, type ServiceEntry, type SyncDaemon, type Timeouts } from '../../../src/ipvs/types.js';
import { fixturePath, readCapture, type Block } from './golden.js';

interface Seen {
  info?: IpvsInfo;
  services: ServiceEntry[];
  single?: ServiceEntry;
  dests: Map<string, DumpedServer['dests']>;
  timeouts?: Timeouts;
  daemons: SyncDaemon[];
}

/** What ipvsadm read during one listing: its requests matched to the kernel's replies by pid+seq. */
function seen(b: Block): Seen {
  const out: Seen = { services: [], dests: new Map(), daemons: [] };
  const replies = b.datagrams.filter((d) => d.dir === '<').flatMap((d) => d.msgs);
  const ctrl = replies.find((m) => m.type === C.GENL_ID_CTRL)!;
  const family = decodeFamilyId(parseGenl(ctrl.payload));
  const answer = (q: NlMessage) =>
    replies.filter((m) => m.type === family && m.seq === q.seq && m.pid === q.pid).map((m) => parseGenl(m.payload));
  for (const d of b.datagrams.filter((x) => x.dir === '>')) {
    for (const q of d.msgs.filter((m) => m.type === family)) {
      const g = parseGenl(q.payload);
      const dump = (q.flags & C.NLM_F_DUMP) !== 0;
      const r = answer(q);
      if (g.cmd === C.IPVS_CMD_GET_INFO) out.info = decodeInfo(r[0]!);
      else if (g.cmd === C.IPVS_CMD_GET_SERVICE && dump) out.services.push(...r.map(decodeServiceMessage));
      else if (g.cmd === C.IPVS_CMD_GET_SERVICE) out.single = r[0] && decodeServiceMessage(r[0]);
      else if (g.cmd === C.IPVS_CMD_GET_DEST) {
        const key = decodeServiceKey(parseAttrs(parseAttrs(g.attrs).get(C.IPVS_CMD_ATTR_SERVICE)!));
        out.dests.set(serviceKeyId(key), r.map((x) => decodeDestMessage(x, key.family)));
      } else if (g.cmd === C.IPVS_CMD_GET_CONFIG) out.timeouts = decodeTimeouts(r[0]!);
      else if (g.cmd === C.IPVS_CMD_GET_DAEMON) out.daemons.push(...r.map(decodeDaemon));
    }
  }
  return out;
}

const listing = (name: string): string => readFileSync(fixturePath(`listing/${name}`), 'utf8');

function formatOf(args: string[]): ListFormat {
  return {
    stats: args.includes('--stats'),
    rate: args.includes('--rate'),
    exact: args.includes('--exact'),
    thresholds: args.includes('--thresholds'),
    persistentConn: args.includes('--persistent-conn'),
    tunInfo: args.includes('--tun-info'),
    nosort: args.includes('--nosort'),
  };
}

const blocks = readCapture('listing/netlink.txt');

test('every captured listing is reproduced byte for byte', () => {
  let checked = 0;
  for (const b of blocks) {
    const [name, , ...args] = b.command.split(' ') as [string, string, ...string[]];
    if (name === 'Ln-missing') continue; // an error, not a listing: see the CLI tests
    const s = seen(b);
    const want = listing(`${name}.out`);
    let got: string;
    if (name === 'Sn') got = formatSave(s.services.map((service) => ({ service, dests: s.dests.get(serviceKeyId(service.key))! })));
    else if (name === 'timeout') got = formatTimeouts(s.timeouts!);
    else if (name.startsWith('daemon')) got = formatDaemons(s.daemons);
    else if (s.single) got = formatOneService({ service: s.single, dests: s.dests.get(serviceKeyId(s.single.key))! }, formatOf(args));
    else {
      const servers = s.services.map((service) => ({ service, dests: s.dests.get(serviceKeyId(service.key))! }));
      got = formatList(s.info!, servers, formatOf(args));
    }
    assert.equal(got, want, `${b.command}`);
    checked++;
  }
  assert.equal(checked, 18);
});

test('connection listings match ipvsadm -L -n -c on the same /proc/net/ip_vs_conn', () => {
  assert.equal(formatConnections(listing('conn-c.proc')), listing('Lnc-c.out'));
  assert.equal(formatConnections(listing('conn-pc.proc'), { persistentConn: true }), listing('Lnc-pc.out'));
  assert.match(listing('Lnc-pc.out'), / sip {16}a84b4c76e66710\n/, 'the fixture holds a persistence-engine entry');
});

test('large numbers take K/M/G/T at ipvsadm\'s thresholds', () => {
  const cases: [bigint, string][] = [
    [0n, '        0'],
    [99_999_999n, ' 99999999'],
    [100_000_000n, '  100000K'],
    [999_999_999n, '  999999K'],
    [1_000_000_000n, '    1000M'],
    [99_999_999_999n, '   99999M'],
    [100_000_000_000n, '     100G'],
    [99_999_999_999_999n, '   99999G'],
    [100_000_000_000_000n, '     100T'],
    [18_446_744_073_709_551_615n, '18446744T'],
  ];
  for (const [v, want] of cases) {
    assert.equal(largenum(v, false), want, String(v));
    assert.equal(want.length, 9, 'every column is 9 wide');
  }
  assert.equal(largenum(12345678n, true), ' 12345678');
  assert.equal(largenum(123456789n, true), ' 123456789');
  assert.equal(largenum(18_446_744_073_709_551_615n, true), ' 18446744073709551615');
});

test('glibc merge sort keeps ties in order and splits n/2 first', () => {
  const a = [3, 1, 2, 1, 3, 0].map((v, i) => ({ v, i }));
  assert.deepEqual(
    glibcMsort(a, (x, y) => x.v - y.v).map((x) => x.i),
    [5, 1, 3, 2, 0, 4],
  );
});
