// Lab demo program (composition, runs in a director's namespace inside UML): programs the IPVS
// table of a configuration's virtual servers with lvsd's own code (config loader, LVS resolver,
// table mapping and IPVS reconciler over generic netlink): the table lvsd starts from, every real
// server at its configured weight and no sorry server. On SIGTERM it removes what it programmed.
// The demo runs it while `lvsd run` does not offer --check-only; it runs no health checks.
//   node program-ipvs.js FILE      stdout: one JSON line {"ops":[...]} then, after SIGTERM, {"stop":{...}}
import { loadConfig } from '../../../../src/config/load.js';
import { resolveLvs } from '../../../../src/config/resolve-lvs.js';
import { virtualServersOf } from '../../../../src/check/table.js';
import { openIpvs } from '../../../../src/ipvs/client.js';
import { describeOp } from '../../../../src/ipvs/ops.js';
import { Reconciler } from '../../../../src/ipvs/reconcile.js';

async function main(): Promise<number> {
  const file = process.argv[2];
  if (!file) throw new Error('usage: program-ipvs FILE');
  const cfg = loadConfig(file);
  const errors = cfg.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(`${file}: ${errors.length} configuration error(s): ${errors.map((d) => d.message).join('; ')}`);
  const lvs = resolveLvs(cfg.model);
  const desired = lvs.virtual_servers.flatMap((vs) =>
    virtualServersOf(
      vs,
      vs.real_servers.map((rs) => ({ rs, address: rs.address, port: rs.port, weight: rs.weight })),
    ),
  );
  const kernel = await openIpvs();
  const reconciler = new Reconciler({ kernel, driftIntervalMs: 0 });
  // Signal handlers do not keep Node's event loop alive: a timer does, until the signal.
  const keepAlive = setInterval(() => undefined, 60_000);
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
  const res = await reconciler.setDesired(desired);
  process.stdout.write(`${JSON.stringify({ ops: res.ops.map(describeOp), failed: res.failed.length })}\n`);
  await stopped;
  clearInterval(keepAlive);
  const stop = await reconciler.stop();
  kernel.close();
  process.stdout.write(`${JSON.stringify({ stop })}\n`);
  return res.failed.length === 0 && stop.left.length === 0 ? 0 : 3;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`program-ipvs: ${String((e as Error)?.stack ?? e)}\n`);
    process.exit(70);
  },
);
