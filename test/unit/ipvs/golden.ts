// Test helper: reads the netlink captures under test/fixtures/ipvs (see capture/pcap2txt.mjs).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseGenl, parseNlMessages, type GenlMessage, type NlMessage } from '../../../src/ipvs/codec.js';

export interface Datagram {
  dir: '>' | '<';
  bytes: Buffer;
  msgs: NlMessage[];
}

export interface Block {
  /** The command line that produced the datagrams ("" before the first marker). */
  command: string;
  datagrams: Datagram[];
}

export function fixturePath(name: string): string {
  return join(process.cwd(), 'test', 'fixtures', 'ipvs', name);
}

export function readCapture(name: string): Block[] {
  const blocks: Block[] = [{ command: '', datagrams: [] }];
  for (const line of readFileSync(fixturePath(name), 'utf8').split('\n')) {
    if (line.startsWith('##') || line === '') continue;
    if (line.startsWith('# ')) {
      blocks.push({ command: line.slice(2), datagrams: [] });
      continue;
    }
    const dir = line[0] as '>' | '<';
    const bytes = Buffer.from(line.slice(2), 'hex');
    (blocks[blocks.length - 1] as Block).datagrams.push({ dir, bytes, msgs: parseNlMessages(bytes) });
  }
  return blocks.filter((b) => b.datagrams.length > 0);
}

export function block(blocks: Block[], command: string): Block {
  const b = blocks.find((x) => x.command === command);
  if (!b) throw new Error(`no capture block for '${command}'`);
  return b;
}

/** The requests of a block sent to `family` with generic netlink command `cmd`. */
export function requests(b: Block, family: number, cmd: number): { msg: NlMessage; genl: GenlMessage; bytes: Buffer }[] {
  const out = [];
  for (const d of b.datagrams) {
    if (d.dir !== '>') continue;
    for (const m of d.msgs) {
      if (m.type !== family) continue;
      const g = parseGenl(m.payload);
      if (g.cmd === cmd) out.push({ msg: m, genl: g, bytes: d.bytes });
    }
  }
  return out;
}

/** Every kernel->user message of a block with the given netlink type. */
export function replies(b: Block, type: number): NlMessage[] {
  return b.datagrams.filter((d) => d.dir === '<').flatMap((d) => d.msgs.filter((m) => m.type === type));
}
