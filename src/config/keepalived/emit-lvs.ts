// Config layer (pure): keepalived.conf writer for the lvs sections.
import type { ConfigModel } from '../model/index.js';
import type { ConfWriter } from './emit-util.js';

export function emitLvs(m: ConfigModel, w: ConfWriter): void {
  void m;
  void w;
}
