// Config layer (pure): the model written back as keepalived.conf (for `lvsd convert --to keepalived`).
import type { ConfigModel } from '../model/index.js';
import { ConfWriter } from './emit-util.js';
import { emitGlobal } from './emit-global.js';
import { emitVrrp } from './emit-vrrp.js';
import { emitLvs } from './emit-lvs.js';

export function emitKeepalived(m: ConfigModel): string {
  const w = new ConfWriter();
  emitGlobal(m, w);
  emitVrrp(m, w);
  emitLvs(m, w);
  return w.toString();
}
