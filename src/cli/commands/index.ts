// CLI layer: the subcommands, loaded on demand so `lvsd check-config` does not pay for the
// netlink and logging modules `lvsd run` needs. Each command lives in its own file here.
import type { Command } from '../command.js';

/** Command name -> loader, in the order `lvsd --help` lists them. */
export const commandLoaders: ReadonlyMap<string, () => Promise<Command>> = new Map([
  ['run', async () => (await import('./run.js')).run],
  ['check-config', async () => (await import('./config.js')).checkConfig],
  ['dump-config', async () => (await import('./config.js')).dumpConfig],
  ['convert', async () => (await import('./config.js')).convert],
  ['schema', async () => (await import('./config.js')).schema],
  ['ipvsadm', async () => (await import('./ipvsadm.js')).ipvsadmCommand],
  ['status', async () => (await import('./status.js')).status],
]);

export async function loadAllCommands(): Promise<Command[]> {
  return Promise.all([...commandLoaders.values()].map((load) => load()));
}
