// OS edge: the daemon's local control socket (Unix-domain stream, mode 0600; never a network socket).
// It answers `lvsd status`, serves the data / stats / JSON dumps and triggers reloads, one JSON line
// per request and per response (protocol.ts).
import { connect, createServer, type Server, type Socket } from 'node:net';
import { chmod, lstat, mkdir, unlink } from 'node:fs/promises';
import { dirname, isAbsolute } from 'node:path';
import type { DaemonStatus } from '../daemon/status.js';
import { request } from './client.js';
import { ControlError } from './errors.js';
import { dumpText, type FormatOptions } from './format.js';
import { encodeLine, MAX_REQUEST_BYTES, parseRequest, type ControlRequest, type ControlResponse } from './protocol.js';

export { DEFAULT_SOCKET_PATH } from './protocol.js';

/** sun_path holds 108 bytes with the terminating NUL (<linux/un.h> UNIX_PATH_MAX). */
const MAX_PATH_BYTES = 107;

export interface ControlOptions {
  path: string;
  /** The daemon's status now; called once per status or dump request. */
  status: () => DaemonStatus;
  /** Reloads the configuration (SIGHUP's work); absent: reload requests are refused. */
  reload?: () => Promise<{ ok: boolean; message: string }>;
  /** A connection with no request for this long is closed (default 10 s). */
  idleMs?: number;
  /** Longest request line in bytes (default 64 KiB). */
  maxRequestBytes?: number;
  /** Concurrent connections (default 16); more are refused by the kernel listener. */
  maxConnections?: number;
  /** Replies buffered for a client that does not read, before it is dropped (default 64 MiB). */
  maxPendingReplyBytes?: number;
  /** Called with failures inside request handlers (status or reload threw), for logs. */
  onError?: (e: unknown, req: ControlRequest) => void;
  /** Time zone of dump time stamps. */
  format?: FormatOptions;
}

export interface ControlServer {
  readonly path: string;
  /** Stops accepting, drops open connections and removes the socket file. Idempotent. */
  close(): Promise<void>;
}

/**
 * Listens on `o.path`. Creates the directory (0755) when missing; refuses with ControlError
 * LVSD_CONTROL_IN_USE when a live daemon answers there, removes a dead daemon's socket file, and
 * refuses (LVSD_CONTROL_PATH) to touch a path that is not a socket. The socket file is mode 0600,
 * owned by this process's user.
 */
export async function startControl(o: ControlOptions): Promise<ControlServer> {
  const path = o.path;
  if (!isAbsolute(path)) throw new ControlError('LVSD_CONTROL_PATH', `control socket path must be absolute: ${path}`);
  if (Buffer.byteLength(path) > MAX_PATH_BYTES) throw new ControlError('LVSD_CONTROL_PATH', `control socket path is longer than ${MAX_PATH_BYTES} bytes: ${path}`);
  await mkdir(dirname(path), { recursive: true, mode: 0o755 });
  await clearStale(path);

  const conns = new Set<Socket>();
  const ctx: Ctx = {
    o,
    idleMs: o.idleMs ?? 10_000,
    maxRequest: o.maxRequestBytes ?? MAX_REQUEST_BYTES,
    maxPending: o.maxPendingReplyBytes ?? 64 * 1024 * 1024,
    reloading: false,
  };
  const server = createServer({ allowHalfOpen: true }, (sock) => {
    conns.add(sock);
    sock.on('close', () => conns.delete(sock));
    serve(sock, ctx);
  });
  server.maxConnections = o.maxConnections ?? 16;
  await listen(server, path);
  let ino: number;
  try {
    // Bound under umask 0177 already (listen below); set the mode exactly all the same.
    await chmod(path, 0o600);
    ino = (await lstat(path)).ino;
  } catch (e) {
    server.close();
    throw e;
  }

  let closing: Promise<void> | undefined;
  return {
    path,
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const c of conns) c.destroy();
        await closed;
        // libuv removes a listening pipe's file on close; remove it here too if it is still ours.
        try {
          if ((await lstat(path)).ino === ino) await unlink(path);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        }
      })();
      return closing;
    },
  };
}

/** A socket file left at the path: a live daemon's (refuse), a dead one's (remove), or not a socket (refuse). */
async function clearStale(path: string): Promise<void> {
  let st;
  try {
    st = await lstat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new ControlError('LVSD_CONTROL_PATH', `cannot inspect ${path}: ${(e as Error).message}`, { cause: e });
  }
  if (!st.isSocket()) throw new ControlError('LVSD_CONTROL_PATH', `${path} exists and is not a socket; not removing it`);
  const state = await probe(path, 1000);
  if (state === 'dead') {
    await unlink(path).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw new ControlError('LVSD_CONTROL_PATH', `cannot remove the stale socket ${path}: ${e.message}`, { cause: e });
    });
    return;
  }
  // Something accepts connections there: name the daemon when it answers as lvsd does.
  let who = 'another process';
  try {
    const r = await request(path, { cmd: 'status' }, 1000);
    const pid = r.ok ? (r.result as { pid?: unknown } | null)?.pid : undefined;
    if (typeof pid === 'number') who = `another lvsd (pid ${pid})`;
  } catch {
    /* listening but not answering: still in use */
  }
  throw new ControlError('LVSD_CONTROL_IN_USE', `${who} is listening on the control socket ${path}; is lvsd already running?`);
}

/** Connects once: 'live' when something accepts (or is too busy to: backlog full, slow), 'dead' when refused. */
function probe(path: string, timeoutMs: number): Promise<'live' | 'dead'> {
  return new Promise((resolve, reject) => {
    const s = connect({ path });
    const done = (v: 'live' | 'dead' | Error): void => {
      clearTimeout(t);
      s.destroy();
      if (v instanceof Error) reject(v);
      else resolve(v);
    };
    const t = setTimeout(() => done('live'), timeoutMs);
    s.on('connect', () => done('live'));
    s.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ECONNREFUSED' || e.code === 'ENOENT') done('dead');
      else if (e.code === 'EAGAIN') done('live');
      else done(new ControlError('LVSD_CONTROL_PATH', `cannot probe ${path}: ${e.message}`, { cause: e }));
    });
  });
}

/**
 * Binds with umask 0177 so the socket is never reachable by others, even between bind() and chmod().
 * Node binds a pipe synchronously inside listen() in a non-cluster process, so the umask covers it.
 */
function listen(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      if (e.code === 'EADDRINUSE') reject(new ControlError('LVSD_CONTROL_IN_USE', `another process bound the control socket ${path} first; is lvsd already running?`, { cause: e }));
      else reject(new ControlError('LVSD_CONTROL_PATH', `cannot listen on ${path}: ${e.message}`, { cause: e }));
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    // process.umask() cannot change the mask in a worker thread; there the chmod() after listen() is all.
    let old: number | undefined;
    try {
      old = process.umask(0o177);
    } catch {
      old = undefined;
    }
    try {
      server.listen({ path, backlog: 64 });
    } finally {
      if (old !== undefined) process.umask(old);
    }
  });
}

interface Ctx {
  o: ControlOptions;
  idleMs: number;
  maxRequest: number;
  maxPending: number;
  reloading: boolean;
}

/** One connection: requests in order, one response line each; bounded line size, idle time and backlog. */
function serve(sock: Socket, ctx: Ctx): void {
  let partial: Buffer[] = [];
  let partialLen = 0;
  let chain: Promise<void> = Promise.resolve();
  let stopped = false;

  const send = (r: ControlResponse): void => {
    if (sock.destroyed || !sock.writable) return;
    let line: string;
    try {
      line = encodeLine(r);
    } catch (e) {
      line = encodeLine({ ok: false, error: `response could not be encoded: ${(e as Error).message}` });
    }
    sock.write(line);
    // A client that pipelines requests without reading the answers is dropped, not buffered forever.
    if (sock.writableLength > ctx.maxPending) sock.destroy();
  };
  /** Answers what is queued, then closes our side. */
  const finish = (last?: ControlResponse): void => {
    if (stopped) return;
    stopped = true;
    sock.pause();
    chain = chain.then(() => {
      if (last) send(last);
      if (!sock.destroyed) sock.end();
    });
  };
  const enqueue = (line: string): void => {
    chain = chain.then(async () => send(await answer(line, ctx)));
  };

  sock.setTimeout(ctx.idleMs);
  sock.on('timeout', () => {
    if (stopped) return sock.destroy();
    finish({ ok: false, error: `no request for ${ctx.idleMs} ms; closing` });
    // A client that does not read its last answer does not hold the connection open either.
    setTimeout(() => sock.destroy(), 1000).unref();
  });
  sock.on('error', () => {
    /* the client went away (EPIPE, ECONNRESET): nothing to answer */
  });
  sock.on('data', (chunk: Buffer) => {
    if (stopped) return;
    let start = 0;
    for (let nl = chunk.indexOf(0x0a); nl >= 0; nl = chunk.indexOf(0x0a, start)) {
      const piece = chunk.subarray(start, nl);
      if (partialLen + piece.length > ctx.maxRequest) return finish(tooLarge(ctx));
      const line = partialLen ? Buffer.concat([...partial, piece]).toString('utf8') : piece.toString('utf8');
      partial = [];
      partialLen = 0;
      enqueue(line);
      start = nl + 1;
    }
    const rest = chunk.subarray(start);
    if (rest.length) {
      if (partialLen + rest.length > ctx.maxRequest) return finish(tooLarge(ctx));
      partial.push(rest);
      partialLen += rest.length;
    }
  });
  sock.on('end', () => {
    // The client closed its side: a last request without its newline is still answered.
    if (!stopped && partialLen > 0) enqueue(Buffer.concat(partial).toString('utf8'));
    finish();
  });
}

function tooLarge(ctx: Ctx): ControlResponse {
  return { ok: false, error: `request too large: over ${ctx.maxRequest} bytes without a newline` };
}

async function answer(raw: string, ctx: Ctx): Promise<ControlResponse> {
  const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  let req: ControlRequest;
  try {
    req = parseRequest(line);
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
  try {
    switch (req.cmd) {
      case 'status':
        return { ok: true, result: ctx.o.status() };
      case 'dump':
        return { ok: true, result: dumpText(ctx.o.status(), req.what, ctx.o.format) };
      case 'reload': {
        if (!ctx.o.reload) return { ok: false, error: 'reload is not available in this run mode' };
        if (ctx.reloading) return { ok: false, error: 'a reload is already running' };
        ctx.reloading = true;
        try {
          const r = await ctx.o.reload();
          return { ok: true, result: { ok: r.ok, message: r.message } };
        } finally {
          ctx.reloading = false;
        }
      }
    }
  } catch (e) {
    try {
      ctx.o.onError?.(e, req);
    } catch {
      /* a failing log sink must not take the answer down */
    }
    return { ok: false, error: `${req.cmd} failed: ${(e as Error)?.message ?? String(e)}` };
  }
}
