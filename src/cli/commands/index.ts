// CLI layer: the list of subcommands. Each command lives in its own file in this folder.
import type { Command } from '../command.js';
import { checkConfig, convert, dumpConfig, schema } from './config.js';

export const commands: Command[] = [checkConfig, dumpConfig, convert, schema];
