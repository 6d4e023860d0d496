/** What every command shares: the output streams, exit codes, the one-trace argument. */
import { UsageMistake } from './args';

/** Where the CLI writes; process.stdout/stderr by default. */
export interface CliIO {
  readonly stdout: { write(s: string): unknown };
  readonly stderr: { write(s: string): unknown; readonly isTTY?: boolean };
}

export const EXIT_CLEAN = 0;
export const EXIT_VIOLATIONS = 1;
export const EXIT_BAD_INPUT = 2;
export const EXIT_INTERNAL = 3;

/** The single <trace> positional argument of `cmd`. */
export function onePath(cmd: string, positional: readonly string[]): string {
  if (positional.length === 0) throw new UsageMistake(`lockdep ${cmd}: missing <trace> (see lockdep ${cmd} --help)`);
  if (positional.length > 1) throw new UsageMistake(`lockdep ${cmd}: one trace at a time, got ${positional.length}: ${positional.join(' ')}`);
  return positional[0];
}
