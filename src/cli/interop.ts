/**
 * The kernel-interop commands: `lockdep explain <file|->` (real kernel reports) and
 * `lockdep check --from-ftrace <file>` (real trace buffer text). The work is done by
 * src/interop; this file only parses arguments and chooses the output.
 */
import { jsonText, quoted } from './json';
import type { KernelOptions } from '../core/config';
import { builtinClassTable, parseClassTableText, type ClassTable } from '../interop/classTable';
import { bundledClassTable, catalogueLockType } from '../interop/catalogue/lookup';
import {
  explainText,
  explanationToJson,
  formatReportExplanation,
  type UnexplainedReport,
} from '../interop/explain';
import { checkFtraceFile, formatFtraceSummary } from '../interop/ftrace';
import { DEFAULT_MAX_LINE_LENGTH } from '../interop/lineReader';
import { InteropError } from '../interop/errors';
import { LockdepError } from '../core/errors';
import { EXPLAIN_OPTIONS_HELP, parseCheckArgs, parseExplainArgs, UsageMistake } from './args';
import { readStdin, readTextFile, STDIN_NAME, unreadable, type CliIO } from './common';
import { checkJson, checkOutputFile, checkText, terminalSafe, writeOutputFile } from './output';
import { escapeText, escapeTextCapped } from '../report/escape';

/** The CLI's streams; `stdin` feeds `explain -` (tests pass it; default: read fd 0). */
export type InteropIO = CliIO;

export const EXPLAIN_HELP = `Usage: lockdep explain <file|-> [options]

Read kernel lock reports (dmesg, a serial console log, a mailing-list quote; timestamps,
"> " quote markers and wrapped lines are fine), rebuild each report's scenario, and say
in plain words what the rule was, which held lock is the culprit, and under which of the
8 configurations of \`lockdep matrix\` the scenario fires.

Reads every report \`lockdep check\` raises: [ BUG: Invalid wait context ], possible
circular locking dependency, possible recursive locking, inconsistent lock state,
<STATE>-safe -> <STATE>-unsafe lock order, irq lock inversion, sleeping function called
from invalid context, scheduling while atomic, suspicious RCU usage, bad unlock balance,
still has locks held / lock held when returning to user space, held lock freed,
MAX_LOCK_DEPTH too low, Nested lock was not taken, MAX_LOCKDEP_* too low / invalid
subclass / lockdep bfs error, DEBUG_LOCKS_WARN_ON(...). Checks the model does not have
(e.g. rcu_dereference_check()) are explained in words and marked not reproducible.

Options:
${EXPLAIN_OPTIONS_HELP}

Exit codes: 0 every report explained, 2 a report could not be parsed (the message names
the line) or no report was found.
`;

export const FTRACE_HELP = `
Replaying ftrace text (docs/interop.md):
  lockdep check --from-ftrace <trace.txt> [--classes <classes.json>]
                [--max-line-length <bytes>] [check options]
reads the trace buffer or \`trace-cmd report\` text (lock:lock_acquire/lock_release,
irq:irq_handler_entry/exit, irq:softirq_entry/exit, irq_disable/irq_enable, latency
flags) and replays it in one pass; lock names the class table does not know are listed.
A line longer than --max-line-length bytes (default 64 MiB) is an error.
`;

/**
 * A JSON syntax error located as trace errors are, `file:line:col: what was found, what was
 * expected`, from the offset JSON.parse names (`... in JSON at position 14`).
 */
export function jsonErrorAt(file: string, text: string, message: string): string {
  const where = escapeText(file);
  const m =
    /^(.*?)(?: in JSON)? at position (\d+)/.exec(message) ??
    (/^Unexpected end of JSON input/.test(message)
      ? ['', 'expected more JSON', String(text.length)]
      : null);
  if (!m) return `${where}:1:1: not JSON (${message.split('\n')[0]})`;
  const pos = Math.min(Number(m[2]), text.length);
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < pos; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  const found = pos < text.length ? `found ${quoted(text.slice(pos, pos + 1))}` : 'found the end';
  return `${where}:${line}:${pos - start + 1}: ${found}, ${m[1].charAt(0).toLowerCase()}${m[1].slice(1)}`;
}

function readClasses(cmd: string, file: string | undefined): ClassTable {
  if (file === undefined) return builtinClassTable();
  const text = readTextFile(cmd, file, '--classes');
  try {
    return parseClassTableText(text, file);
  } catch (e) {
    // located file:line:col, as trace errors are
    if (e instanceof LockdepError) throw new UsageMistake(e.message);
    throw e;
  }
}

/**
 * A kernel log is text: a NUL byte means a binary file was given by mistake (a vmlinux, a
 * core dump), which would otherwise be echoed to the terminal as "no report found".
 */
function rejectBinary(cmd: string, file: string, text: string): void {
  const nul = text.indexOf('\0');
  if (nul >= 0)
    throw new UsageMistake(
      `lockdep ${cmd}: ${file} is not text (a NUL byte at offset ${nul}); expected a kernel log`,
    );
}

/** `file:line:col: found "...", expected ...`: the one error style of the CLI. */
function locatedError(file: string, lines: readonly string[], r: UnexplainedReport): string {
  const source = lines[r.line - 1] ?? '';
  const at = r.text ? source.indexOf(r.text) : -1;
  const col = at >= 0 ? at + 1 : 1;
  const found = r.text ? `found ${quoted(escapeTextCapped(r.text, 120))}, ` : '';
  return `${escapeText(file)}:${r.line}:${col}: ${found}${r.message}`;
}

/** `lockdep explain`. */
export function explainCommand(argv: readonly string[], io: InteropIO): number {
  const { options: o, positional } = parseExplainArgs(argv);
  if (o.help) {
    io.stdout.write(EXPLAIN_HELP);
    return 0;
  }
  const { format, classes } = o;
  const emit = o.emitTrace;
  if (o.force && emit === undefined)
    throw new UsageMistake('lockdep explain: --force applies to --emit-trace only');
  if (positional.length === 0)
    throw new UsageMistake(
      'lockdep explain: missing <file> (a kernel log, or - for stdin; see lockdep explain --help)',
    );
  if (positional.length > 1)
    throw new UsageMistake(
      `lockdep explain: one file at a time, got ${positional.length}: ${positional.map(escapeText).join(' ')}`,
    );
  const file = positional[0];
  const text = file === '-' ? readStdin('explain', io) : readTextFile('explain', file);
  rejectBinary('explain', file === '-' ? STDIN_NAME : file, text);
  // the bundled catalogue names a lock's primitive when neither the report nor --classes does
  const result = explainText(text, {
    classes: readClasses('explain', classes),
    catalogue: catalogueLockType,
  });
  if (emit !== undefined) {
    const ok = result.reports.filter((r) => r.ok);
    const target = (n: number): string =>
      ok.length === 1 || emit === '-' ? emit : emit.replace(/(\.json)?$/, `-${n + 1}.json`);
    const out = {
      cmd: 'explain',
      option: '--emit-trace',
      force: o.force,
      inputs: classes === undefined ? [file] : [file, classes],
      io,
    };
    // every target is checked before the first is written: a refusal leaves nothing behind
    ok.forEach((_, n) => checkOutputFile(target(n), out));
    ok.forEach((r, n) => {
      if (r.ok) writeOutputFile(target(n), `${jsonText(r.scenario.trace, 2)}\n`, out);
    });
  }
  const name = file === '-' ? STDIN_NAME : file;
  if (format === 'json') io.stdout.write(`${jsonText(explanationToJson(result), 2)}\n`);
  else {
    // the explanations on stdout (numbered as found); an error only once, on stderr
    const parts: string[] = [];
    result.reports.forEach((r, i) => {
      if (r.ok) parts.push(formatReportExplanation(r, i + 1).join('\n'));
    });
    if (parts.length) io.stdout.write(terminalSafe(`${parts.join('\n\n')}\n`));
  }
  const lines = text.split('\n');
  for (const r of result.reports) if (!r.ok) io.stderr.write(`${locatedError(name, lines, r)}\n`);
  return result.exitCode;
}

/**
 * `--from-ftrace <file>` and `--classes <file>` taken out of a `check` command line, or
 * null when it has no --from-ftrace (then `check` reads a trace as usual).
 */
export function takeFtraceArgs(argv: readonly string[]): {
  ftrace: string;
  classes: string | undefined;
  maxLineLength?: number;
  rest: string[];
} | null {
  let ftrace: string | undefined;
  let classes: string | undefined;
  let maxLineLength: number | undefined;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const m = /^(--from-ftrace|--classes|--max-line-length)(?:=(.*))?$/.exec(a);
    if (!m) {
      rest.push(a);
      continue;
    }
    const v = m[2] ?? argv[++i];
    if (v === undefined || v === '')
      throw new UsageMistake(`lockdep check: option ${m[1]} needs a file`);
    const before = m[1] === '--from-ftrace' ? ftrace : classes;
    if (before !== undefined)
      throw new UsageMistake(
        `lockdep check: ${m[1]} given twice (${m[1]} ${escapeText(before)}, ${m[1]} ${escapeText(v)}); give it once`,
      );
    if (m[1] === '--from-ftrace') ftrace = v;
    else if (m[1] === '--max-line-length') {
      if (!/^\d{1,15}$/.test(v) || Number(v) < 1)
        throw new UsageMistake(
          `lockdep check: option --max-line-length: found ${JSON.stringify(v)}, expected a number of bytes (default ${DEFAULT_MAX_LINE_LENGTH})`,
        );
      maxLineLength = Number(v);
    } else classes = v;
  }
  if (ftrace === undefined) {
    if (classes !== undefined || maxLineLength !== undefined)
      throw new UsageMistake(
        `lockdep check: ${classes !== undefined ? '--classes' : '--max-line-length'} applies to --from-ftrace only`,
      );
    return null;
  }
  return { ftrace, classes, maxLineLength, rest };
}

/** `lockdep check --from-ftrace <file>`: replay ftrace text under one configuration. */
export async function checkFtraceCommand(
  ft: { ftrace: string; classes: string | undefined; maxLineLength?: number; rest: string[] },
  io: InteropIO,
): Promise<number> {
  const { options: o, positional } = parseCheckArgs(ft.rest);
  if (o.help) {
    io.stdout.write(FTRACE_HELP);
    return 0;
  }
  if (positional.length)
    throw new UsageMistake(
      `lockdep check: --from-ftrace takes the trace file; unexpected ${positional.join(' ')}`,
    );
  if (ft.ftrace === '-')
    throw new UsageMistake(
      'lockdep check: --from-ftrace reads a file, not stdin (a CPU first seen after line 65,536 makes it read the file again)',
    );
  const why = unreadable(ft.ftrace);
  if (why) throw new UsageMistake(`lockdep check: cannot read ${ft.ftrace}: ${why}`);
  const overrides: KernelOptions = {
    preempt: o.preempt,
    proveRawLockNesting: o.proveRawLockNesting,
    debugAtomicSleep: o.debugAtomicSleep,
    policy: o.first ? 'first' : undefined,
  };
  const showProgress = !o.quiet && io.stderr.isTTY === true;
  const r = await checkFtraceFile(ft.ftrace, {
    // the bundled catalogue unless a table is given (a given table wins)
    classes: ft.classes === undefined ? bundledClassTable() : readClasses('check', ft.classes),
    overrides,
    maxLineLength: ft.maxLineLength,
    onProgress: showProgress
      ? (n) => io.stderr.write(`\rlockdep: ftrace: ${n.toLocaleString('en-US')} lines`)
      : undefined,
  }).catch((e: unknown) => {
    // located `file:line:col: found, expected`, printed as trace errors are
    if (e instanceof InteropError) throw new UsageMistake(e.message);
    throw e;
  });
  if (showProgress) io.stderr.write('\r\x1b[K');
  if (r.summary.lockEvents === 0 && r.result.violations.length === 0) {
    // No lock event: a clean verdict would only mean the wrong file or the lock events
    // not enabled, so it is bad input, not "no violations".
    const n = r.summary.unreadable.length;
    const unread = n
      ? `; ${n} line${n === 1 ? '' : 's'} looked like events but could not be read, the first at line ${r.summary.unreadable[0].line}`
      : '';
    throw new UsageMistake(
      `lockdep check: ${ft.ftrace}: no lock events in ${r.summary.lines} line${r.summary.lines === 1 ? '' : 's'} (expected lock:lock_acquire/lock_release: enable events/lock, which needs CONFIG_LOCKDEP; see docs/interop.md)${unread}`,
    );
  }
  if (o.format === 'json') {
    io.stdout.write(`${jsonText({ ...checkJson(r.result), ftrace: r.summary }, 2)}\n`);
  } else {
    io.stdout.write(checkText(ft.ftrace, r.result)); // the path as given, as `check` prints it
    io.stdout.write(terminalSafe(`${formatFtraceSummary(r.summary).join('\n')}\n`));
  }
  return r.result.violations.length > 0 ? 1 : 0;
}
