#!/usr/bin/env node
// CLI layer: `lvsd` entry point; dispatches to a subcommand, maps errors to exit codes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../util/paths.js';
import { UsageError, formatFlags } from './args.js';
import { EXIT, type Io } from './command.js';
import { commandLoaders, loadAllCommands } from './commands/index.js';
import type { Command } from './command.js';

// Lines for stderr written in one synchronous run (a configuration's warnings: two per virtual
// server for a keepalived.conf written with lb_algo / lb_kind) leave in one write, not one system
// call each. They are flushed before the run yields, before any stdout line, and at exit.
let errLines: string[] = [];
function flushErr(): void {
  if (errLines.length === 0) return;
  const s = errLines.join('');
  errLines = [];
  process.stderr.write(s);
}
process.on('exit', flushErr);

const io: Io = {
  out: (s) => {
    flushErr();
    process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
  },
  err: (s) => {
    if (errLines.length === 0) queueMicrotask(flushErr);
    errLines.push(s.endsWith('\n') ? s : `${s}\n`);
  },
};

export function version(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

function mainUsage(commands: Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length), 8);
  return [
    'usage: lvsd <command> [options]',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'lvsd <command> --help shows the options of a command; lvsd --version prints the version.',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const target = name === 'help' ? rest[0] : undefined;
    const load = target ? commandLoaders.get(target) : undefined;
    if (target && !load) {
      io.err(`lvsd: unknown command '${target}'\n\n${mainUsage(await loadAllCommands())}`);
      return EXIT.USAGE;
    }
    const cmd = load ? await load() : undefined;
    io.out(cmd ? `${cmd.usage}\n\n${formatFlags(cmd.flags)}` : mainUsage(await loadAllCommands()));
    return name === undefined ? EXIT.USAGE : EXIT.OK;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    io.out(`lvsd ${version()}`);
    return EXIT.OK;
  }
  const load = commandLoaders.get(name);
  if (!load) {
    io.err(`lvsd: unknown command '${name}'\n\n${mainUsage(await loadAllCommands())}`);
    return EXIT.USAGE;
  }
  const cmd = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(`${cmd.usage}\n\n${formatFlags(cmd.flags)}`);
    return EXIT.OK;
  }
  try {
    return await cmd.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`lvsd ${cmd.name}: ${e.message}\n\n${cmd.usage}\n\n${formatFlags(cmd.flags)}`);
      return EXIT.USAGE;
    }
    const err = e as Error;
    io.err(`lvsd ${cmd.name}: internal error: ${err.stack ?? String(err)}`);
    return EXIT.INTERNAL;
  }
}

// Run when executed as a program (not when imported by tests).
const invoked = process.argv[1] ?? '';
if (invoked.endsWith('/cli/main.js') || invoked.endsWith('/cli/lvsd.mjs') || invoked.endsWith('/lvsd')) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`lvsd: internal error: ${String(e)}\n`);
      process.exitCode = EXIT.INTERNAL;
    },
  );
}
