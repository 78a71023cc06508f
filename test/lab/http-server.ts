// Test lab program: a tiny HTTP real server, one process per lab host. Its status code, delay
// and body are changed at run time through JSON lines on stdin; every request is logged as a JSON
// line on stdout so tests can count which real server answered.
//   node http-server.js --name rs1 --port 80 [--port 8080] [--status 200] [--delay 0] [--body TEXT]
// stdin:  {"status":503,"delayMs":200,"body":"x","close":false}   -> stdout: ok {...}
// stdout: listening 80 | req {"n":1,"port":80,"remote":"10.88.0.10","method":"GET","path":"/"}
import { createServer, type Server } from 'node:http';
import { createInterface } from 'node:readline';

interface Behaviour {
  status: number;
  delayMs: number;
  body: string;
  /** Drop the connection without answering. */
  close: boolean;
}

function parseArgv(argv: string[]): { name: string; ports: number[]; b: Behaviour } {
  let name = 'rs';
  const ports: number[] = [];
  const b: Behaviour = { status: 200, delayMs: 0, body: '', close: false };
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i];
    const v = argv[i + 1] ?? '';
    if (k === '--name') name = v;
    else if (k === '--port') ports.push(Number(v));
    else if (k === '--status') b.status = Number(v);
    else if (k === '--delay') b.delayMs = Number(v);
    else if (k === '--body') b.body = v;
    else throw new Error(`http-server: unknown argument ${k}`);
  }
  if (ports.length === 0) ports.push(80);
  if (!b.body) b.body = `${name}\n`;
  return { name, ports, b };
}

const { name, ports, b } = parseArgv(process.argv.slice(2));
let n = 0;
const servers: Server[] = [];
for (const port of ports) {
  const srv = createServer((req, res) => {
    n += 1;
    // The socket is dual-stack: report IPv4 peers as plain IPv4, not ::ffff:a.b.c.d.
    const v4 = (a: string | undefined): string => (a ?? '').replace(/^::ffff:(?=\d+\.)/, '');
    const line = { n, port, remote: v4(req.socket.remoteAddress), local: v4(req.socket.localAddress), method: req.method, path: req.url };
    process.stdout.write(`req ${JSON.stringify(line)}\n`);
    const answer = (): void => {
      if (b.close) {
        req.socket.destroy();
        return;
      }
      res.writeHead(b.status, { 'content-type': 'text/plain', 'x-real-server': name, connection: 'close' });
      res.end(b.body);
    };
    if (b.delayMs > 0) setTimeout(answer, b.delayMs);
    else answer();
  });
  srv.keepAliveTimeout = 1000;
  srv.listen(port, () => process.stdout.write(`listening ${port}\n`));
  srv.on('error', (err) => {
    process.stderr.write(`http-server ${name}: ${String(err)}\n`);
    process.exit(2);
  });
  servers.push(srv);
}

createInterface({ input: process.stdin }).on('line', (l) => {
  try {
    const upd = JSON.parse(l) as Partial<Behaviour>;
    if (upd.status !== undefined) b.status = upd.status;
    if (upd.delayMs !== undefined) b.delayMs = upd.delayMs;
    if (upd.body !== undefined) b.body = upd.body;
    if (upd.close !== undefined) b.close = upd.close;
    process.stdout.write(`ok ${JSON.stringify(b)}\n`);
  } catch (err) {
    process.stdout.write(`error ${String(err)}\n`);
  }
});
process.stdin.on('end', () => {
  for (const s of servers) s.close();
  process.exit(0);
});
process.on('SIGTERM', () => process.exit(0));
