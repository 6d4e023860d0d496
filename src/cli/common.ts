/** What every command shares: the output streams, exit codes, the one-trace argument. */
import * as fs from 'fs';
import { UsageMistake } from './args';

/** Where the CLI writes; process.stdout/stderr by default. */
export interface CliIO {
  readonly stdout: { write(s: string): unknown };
  readonly stderr: { write(s: string): unknown; readonly isTTY?: boolean };
  /** the text of stdin for a `-` argument (tests pass it; default: read fd 0) */
  readonly stdin?: () => string;
}

export const EXIT_CLEAN = 0;
export const EXIT_VIOLATIONS = 1;
export const EXIT_BAD_INPUT = 2;
export const EXIT_INTERNAL = 3;

/** The name errors and summaries give a trace read from stdin (`-`). */
export const STDIN_NAME = '<stdin>';

/** The single <trace> positional argument of `cmd` (`-` is stdin). */
export function onePath(cmd: string, positional: readonly string[]): string {
  if (positional.length === 0)
    throw new UsageMistake(
      `lockdep ${cmd}: missing <trace> (a file, or - for stdin; see lockdep ${cmd} --help)`,
    );
  if (positional.length > 1)
    throw new UsageMistake(
      `lockdep ${cmd}: one trace at a time, got ${positional.length}: ${positional.join(' ')}`,
    );
  return positional[0];
}

/** All of stdin as text: a trace piped in is read whole, it cannot be streamed by position. */
export function readStdin(cmd: string, io: CliIO): string {
  try {
    return io.stdin ? io.stdin() : fs.readFileSync(0, 'utf8');
  } catch (e) {
    throw new UsageMistake(`lockdep ${cmd}: cannot read stdin: ${(e as Error).message}`);
  }
}

/**
 * Why `file` cannot be read as an input text, in the words trace errors use
 * (`no such file`, `is a directory`, `permission denied`), or null when it can.
 */
export function unreadable(file: string): string | null {
  try {
    const st = fs.statSync(file);
    if (st.isDirectory()) return 'is a directory';
    fs.accessSync(file, fs.constants.R_OK);
    return null;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'no such file';
    if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
    return (e as Error).message;
  }
}

/** Read a text input of `cmd` (a kernel log, a class table); a failure is one usage line. */
export function readTextFile(cmd: string, file: string, option?: string): string {
  const which = option ? `${option} ${file}` : file;
  const why = unreadable(file);
  if (why) throw new UsageMistake(`lockdep ${cmd}: cannot read ${which}: ${why}`);
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageMistake(`lockdep ${cmd}: cannot read ${which}: ${(e as Error).message}`);
  }
}

/** The CLI's real streams, and what went wrong writing stdout. */
export interface ProcessIO extends CliIO {
  /**
   * Resolves once everything written to stdout has been handed to the system: null, or
   * the first write error (EPIPE when the reader went away, ENOSPC on a full disk...).
   */
  settle(): Promise<NodeJS.ErrnoException | null>;
}

/**
 * process.stdout behind the one output path every command uses. A write error never
 * escapes as an 'error' event with a stack: the first one is kept, later writes are
 * dropped (there is no reader, or no room), and main() decides the exit status from it.
 */
export function processIO(
  stdout: NodeJS.WritableStream & { destroyed?: boolean } = process.stdout,
  stderr: { write(s: string): unknown; readonly isTTY?: boolean } = process.stderr,
): ProcessIO {
  let failure: NodeJS.ErrnoException | null = null;
  const fail = (e: unknown): void => {
    failure ??= e as NodeJS.ErrnoException;
  };
  stdout.on('error', fail);
  return {
    stdout: {
      write(s: string): boolean {
        if (failure) return false;
        try {
          return stdout.write(s);
        } catch (e) {
          // a file (SyncWriteStream) throws ENOSPC/EIO from write() itself
          fail(e);
          return false;
        }
      },
    },
    stderr,
    settle() {
      return new Promise((resolve) => {
        if (failure || stdout.destroyed) {
          resolve(failure);
          return;
        }
        try {
          stdout.write('', (e) => {
            if (e) fail(e);
            // an 'error' event is emitted on the next tick after the failing write
            setImmediate(() => resolve(failure));
          });
        } catch (e) {
          fail(e);
          resolve(failure);
        }
      });
    },
  };
}

/** A write error in one line, in words: `no space left on device`. */
export function describeWriteError(e: NodeJS.ErrnoException): string {
  const words: Record<string, string> = {
    ENOSPC: 'no space left on device',
    EIO: 'input/output error',
    EBADF: 'stdout is closed',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EEXIST: 'file exists',
    EISDIR: 'is a directory',
    ENOENT: 'no such directory',
    ENOTDIR: 'a path component is not a directory',
    ELOOP: 'is a symbolic link',
    EROFS: 'read-only file system',
    EFBIG: 'file too large',
  };
  const code = e.code;
  if (code && words[code]) return words[code];
  return (e.message || String(e)).split('\n')[0];
}
