// Pure codec: the control socket's line protocol. One JSON request per line, one JSON response per line:
//   {"cmd":"status"} | {"cmd":"dump","what":"data"|"stats"|"json"} | {"cmd":"reload"}
//   {"ok":true,"result":...} | {"ok":false,"error":"..."}
import { ControlError } from './errors.js';

export const DUMP_KINDS = ['data', 'stats', 'json'] as const;
export type DumpKind = (typeof DUMP_KINDS)[number];

export type ControlRequest = { cmd: 'status' } | { cmd: 'dump'; what: DumpKind } | { cmd: 'reload' };

export type ControlResponse = { ok: true; result: unknown } | { ok: false; error: string };

/** Where the daemon listens unless told otherwise. */
export const DEFAULT_SOCKET_PATH = '/run/lvsd/lvsd.sock';

/** Largest request line the server reads (bytes, newline excluded); a longer one is refused. */
export const MAX_REQUEST_BYTES = 64 * 1024;

/** Parses one request line (without its newline); throws ControlError LVSD_CONTROL_BAD_REQUEST. */
export function parseRequest(line: string): ControlRequest {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    throw new ControlError('LVSD_CONTROL_BAD_REQUEST', 'request is not JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ControlError('LVSD_CONTROL_BAD_REQUEST', 'request must be a JSON object');
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  const only = (allowed: string[]): void => {
    const extra = keys.find((k) => !allowed.includes(k));
    if (extra !== undefined) throw new ControlError('LVSD_CONTROL_BAD_REQUEST', `unexpected field '${clip(extra)}' in a '${String(o['cmd'])}' request`);
  };
  switch (o['cmd']) {
    case 'status':
      only(['cmd']);
      return { cmd: 'status' };
    case 'reload':
      only(['cmd']);
      return { cmd: 'reload' };
    case 'dump': {
      only(['cmd', 'what']);
      const what = o['what'];
      if (typeof what !== 'string' || !(DUMP_KINDS as readonly string[]).includes(what)) {
        throw new ControlError('LVSD_CONTROL_BAD_REQUEST', `dump needs "what": one of ${DUMP_KINDS.join(', ')}`);
      }
      return { cmd: 'dump', what: what as DumpKind };
    }
    case undefined:
      throw new ControlError('LVSD_CONTROL_BAD_REQUEST', 'request has no "cmd"');
    default:
      throw new ControlError('LVSD_CONTROL_BAD_REQUEST', `unknown cmd '${clip(String(o['cmd']))}' (status, dump, reload)`);
  }
}

/** Parses one response line; throws ControlError LVSD_CONTROL_BAD_RESPONSE. */
export function parseResponse(line: string): ControlResponse {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    throw new ControlError('LVSD_CONTROL_BAD_RESPONSE', 'response is not JSON');
  }
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    if (o['ok'] === true && 'result' in o) return { ok: true, result: o['result'] };
    if (o['ok'] === false && typeof o['error'] === 'string') return { ok: false, error: o['error'] };
  }
  throw new ControlError('LVSD_CONTROL_BAD_RESPONSE', 'response is not {"ok":true,"result":...} or {"ok":false,"error":"..."}');
}

/** One line on the wire (JSON has no raw newlines, so the line ends where the message does). */
export function encodeLine(msg: ControlRequest | ControlResponse): string {
  return `${JSON.stringify(msg)}\n`;
}

/** Echoed names are cut short: an error message never carries a client's whole payload back. */
function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}...` : s;
}
