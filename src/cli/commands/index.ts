// CLI layer: the list of subcommands. Each command lives in its own file in this folder.
import type { Command } from '../command.js';
import { checkConfig, convert, dumpConfig, schema } from './config.js';
import { ipvsadmCommand } from './ipvsadm.js';
import { run } from './run.js';

export const commands: Command[] = [run, checkConfig, dumpConfig, convert, schema, ipvsadmCommand];
