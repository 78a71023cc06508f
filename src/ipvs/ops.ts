// Pure model: the operations lvsd asks of IPVS, and the small interface the kernel sits behind.
import * as C from './constants.js';
import { req, writeDest, writeService, type IpvsRequest } from './codec.js';
import type { NlWriter } from './netlink.js';
import type { IpvsKernelError } from './errors.js';
import {
  describeService,
  hostPort,
  type DestEntry,
  type Destination,
  type DumpedServer,
  type IpvsInfo,
  type Service,
  type ServiceEntry,
  type ServiceKey,
  type SyncDaemon,
  type Timeouts,
} from './types.js';

export type IpvsOp =
  | { op: 'add-service'; service: Service }
  | { op: 'edit-service'; service: Service }
  | { op: 'del-service'; key: ServiceKey }
  | { op: 'add-dest'; key: ServiceKey; dest: Destination }
  | { op: 'edit-dest'; key: ServiceKey; dest: Destination }
  | { op: 'del-dest'; key: ServiceKey; dest: Destination }
  | { op: 'flush' };

export interface OpResult {
  op: IpvsOp;
  /** Set when the kernel refused this operation. */
  error?: IpvsKernelError;
}

/** The kernel side of IPVS as lvsd uses it. The netlink client implements it; tests use a fake. */
export interface IpvsKernel {
  info(): Promise<IpvsInfo>;
  dumpServices(): Promise<ServiceEntry[]>;
  dumpDests(key: ServiceKey): Promise<DestEntry[]>;
  /** Every service with its destinations and counters. */
  dumpTable(): Promise<DumpedServer[]>;
  /** One service, or undefined when the kernel has no such service (ESRCH). */
  getService(key: ServiceKey): Promise<ServiceEntry | undefined>;
  /** Runs the operations in order; each refused one carries its error, the rest still run. */
  apply(ops: readonly IpvsOp[]): Promise<OpResult[]>;
  getTimeouts(): Promise<Timeouts>;
  setTimeouts(t: Timeouts): Promise<void>;
  daemons(): Promise<SyncDaemon[]>;
  startDaemon(d: SyncDaemon): Promise<void>;
  stopDaemon(state: SyncDaemon['state']): Promise<void>;
  zero(key?: ServiceKey): Promise<void>;
  close(): void;
}

export function requestFor(o: IpvsOp): IpvsRequest {
  switch (o.op) {
    case 'add-service':
      return req.newService(o.service);
    case 'edit-service':
      return req.setService(o.service);
    case 'del-service':
      return req.delService(o.key);
    case 'add-dest':
      return req.newDest(o.key, o.dest);
    case 'edit-dest':
      return req.setDest(o.key, o.dest);
    case 'del-dest':
      return req.delDest(o.key, o.dest);
    case 'flush':
      return req.flush();
  }
}

/** One line for logs: "add-dest TCP 10.0.0.1:80 -> 10.0.1.1:80 (masq, weight 3)". */
export function describeOp(o: IpvsOp): string {
  switch (o.op) {
    case 'add-service':
    case 'edit-service':
      return `${o.op} ${describeService(o.service.key)} (${o.service.scheduler})`;
    case 'del-service':
      return `${o.op} ${describeService(o.key)}`;
    case 'add-dest':
    case 'edit-dest':
      return `${o.op} ${describeService(o.key)} -> ${hostPort(o.dest.family, o.dest.address, o.dest.port)} (${o.dest.forwarding}, weight ${o.dest.weight})`;
    case 'del-dest':
      return `${o.op} ${describeService(o.key)} -> ${hostPort(o.dest.family, o.dest.address, o.dest.port)}`;
    case 'flush':
      return 'flush';
  }
}

const OP_CMD: Record<IpvsOp['op'], number> = {
  'add-service': C.IPVS_CMD_NEW_SERVICE,
  'edit-service': C.IPVS_CMD_SET_SERVICE,
  'del-service': C.IPVS_CMD_DEL_SERVICE,
  'add-dest': C.IPVS_CMD_NEW_DEST,
  'edit-dest': C.IPVS_CMD_SET_DEST,
  'del-dest': C.IPVS_CMD_DEL_DEST,
  flush: C.IPVS_CMD_FLUSH,
};

/** Frames `o` straight into `w` (what writeRequest(requestFor(o)) writes, without the objects). */
export function writeOp(w: NlWriter, familyId: number, o: IpvsOp, seq: number, pid: number, ack: boolean): void {
  const m = w.beginMessage(familyId, C.NLM_F_REQUEST | (ack ? C.NLM_F_ACK : 0), seq, pid);
  w.genl(OP_CMD[o.op], C.IPVS_GENL_VERSION);
  switch (o.op) {
    case 'add-service':
    case 'edit-service':
      writeService(w, o.service, true);
      break;
    case 'del-service':
      writeService(w, o.key, false);
      break;
    case 'add-dest':
    case 'edit-dest':
      writeService(w, o.key, false);
      writeDest(w, o.dest, true);
      break;
    case 'del-dest':
      writeService(w, o.key, false);
      writeDest(w, o.dest, false);
      break;
    case 'flush':
      break;
  }
  w.endMessage(m);
}
