import type { Command } from 'commander';
import { oneOf, resolveFlags, type FlagDef } from './flags.js';

/** `--output text|json` of the commands that print a report (plan, validate, status). */
export const OUTPUT_FLAG: FlagDef = {
  flags: '--output <format>',
  description: 'text or json',
  parse: oneOf(['text', 'json'] as const),
  default: 'text',
};

/** The `--output` of a command, from its flag or `LBM_OUTPUT`, validated like every other flag. */
export function outputFormat(cmd: Command): 'text' | 'json' {
  return resolveFlags(cmd, [OUTPUT_FLAG]).get('output') as 'text' | 'json';
}
