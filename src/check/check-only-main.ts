// Entry point (process edge): `node check-only-main.js -f FILE [--config-id ID] [--log-level L]`
// runs runCheckOnly in the foreground, as `lvsd run --check-only` will once the CLI calls it.
import { runCheckOnly, type CheckOnlyOptions } from './run-check-only.js';

function usage(msg: string): never {
  process.stderr.write(`${msg}\nusage: check-only-main -f FILE [--config-id ID] [--log-level LEVEL]\n`);
  process.exit(64);
}

const argv = process.argv.slice(2);
const o: Partial<CheckOnlyOptions> = {};
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const v = argv[i + 1];
  if ((a === '-f' || a === '--file') && v) (o.file = v), i++;
  else if ((a === '-i' || a === '--config-id') && v) (o.configId = v), i++;
  else if ((a === '-l' || a === '--log-level') && v) (o.logLevel = v as CheckOnlyOptions['logLevel']), i++;
  else usage(`unexpected argument ${a}`);
}
if (!o.file) usage('no configuration file given (-f FILE)');

runCheckOnly(o as CheckOnlyOptions, { out: (s) => process.stdout.write(`${s}\n`), err: (s) => process.stderr.write(`${s}\n`) }).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`lvsd: internal error: ${String((e as Error)?.stack ?? e)}\n`);
    process.exit(70);
  },
);
