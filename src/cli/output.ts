/**
 * What `lockdep check` and `lockdep matrix` print, as text and as JSON; and the one way a
 * command writes an output file (writeOutputFile).
 */
import * as fs from 'fs';
import * as path from 'path';
import type { KernelConfig } from '../core/config';
import { formatViolation } from '../report/format';
import { violationRecord, type ViolationRecord } from '../report/json';
import { checkResultToJson, type CheckJson } from '../trace/check';
import { MATRIX_COLUMNS, type MatrixResult } from '../trace/matrix';
import type { ReplayResult } from '../trace/replay';
import type { MatrixConfigId } from '../trace/schema';
import { escapeText, escapeTextCapped } from '../report/escape';
import { UsageMistake } from './args';
import { describeWriteError, type CliIO } from './common';

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function yn(b: boolean): string {
  return b ? 'y' : 'n';
}

/**
 * The last line of defence for text bound for a terminal: every control character but the
 * line breaks the formatter itself wrote becomes a visible escape, so an ESC sequence in a
 * name (screen clear, OSC-8 link) cannot reach the terminal even where a formatter printed
 * the name raw. Names themselves are escaped with escapeText() where they are printed
 * (that also turns their newlines into `\n`); text with nothing to escape is returned as is.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
export function terminalSafe(text: string): string {
  return text.replace(CONTROL, (c) => escapeText(c));
}

/**
 * `x` with every string in it escaped (escapeText), sharing what needed nothing: the names
 * a violation carries (locks, classes, tasks, call sites) come from the trace, and a
 * newline in one must not forge a report line. Plain objects and arrays are copied, other
 * objects kept.
 */
export function escapeNames<T>(x: T): T {
  if (typeof x === 'string') return escapeText(x) as T;
  if (Array.isArray(x)) {
    const out = (x as unknown[]).map((e) => escapeNames(e));
    return (out.some((e, i) => e !== (x as unknown[])[i]) ? out : x) as T;
  }
  if (x !== null && typeof x === 'object') {
    const proto = Object.getPrototypeOf(x) as unknown;
    if (proto !== Object.prototype && proto !== null) return x;
    let changed = false;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x as Record<string, unknown>)) {
      const e: unknown = escapeNames(v);
      if (e !== v) changed = true;
      out[k] = e;
    }
    return (changed ? out : x) as T;
  }
  return x;
}

/** `s` without the line breaks at its end (a linear scan, not a backtracking pattern). */
export function withoutTrailingNewlines(s: string): string {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 10) end--;
  return s.slice(0, end);
}

/** The configuration in one line, in the kernel's Kconfig names. */
export function configLine(c: KernelConfig): string {
  const model = {
    none: 'PREEMPT_NONE',
    voluntary: 'PREEMPT_VOLUNTARY',
    full: 'PREEMPT',
    rt: 'PREEMPT_RT',
  }[c.preempt];
  return `${model}, PROVE_RAW_LOCK_NESTING=${yn(c.proveRawLockNesting)}, DEBUG_ATOMIC_SLEEP=${yn(c.debugAtomicSleep)}`;
}

/** Kinds and their counts: `2 invalid-wait-context, 1 sleeping-in-atomic`. */
function kindCounts(r: ReplayResult): string {
  const counts = new Map<string, number>();
  for (const v of r.violations) counts.set(v.kind, (counts.get(v.kind) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${n} ${k}`).join(', ');
}

/** The one-line summary after the splats. */
export function checkSummaryLine(file: string, r: ReplayResult): string {
  const n = r.violations.length;
  const what = n === 0 ? 'no violations' : `${plural(n, 'violation')} (${kindCounts(r)})`;
  const supp = r.suppressed ? `, ${r.suppressed} suppressed after the first` : '';
  const stopped = r.stopped ? ', stopped at the first (policy throw)' : '';
  return `${escapeText(file)}: ${plural(r.events, 'event')}, ${what}${supp}${stopped} [${configLine(r.config)}]`;
}

/** Text of `lockdep check`: each splat, a blank line between them, then the summary. */
export function checkText(file: string, r: ReplayResult): string {
  // format.ts escapes every name it prints (report/escape.ts); escaping here again would double it
  const parts = r.violations.map((v) => withoutTrailingNewlines(formatViolation(v)));
  parts.push(checkSummaryLine(file, r));
  return terminalSafe(`${parts.join('\n\n')}\n`);
}

export function checkJson(r: ReplayResult): CheckJson {
  return checkResultToJson(r);
}

/** `lockdep matrix --format json` (docs/cli.md). */
export interface MatrixJson {
  readonly events: number;
  readonly configs: readonly {
    readonly id: MatrixConfigId;
    readonly config: KernelConfig;
    readonly violations: readonly ViolationRecord[];
    readonly summary: CheckJson['summary'];
  }[];
  readonly rows: readonly {
    readonly kind: string;
    readonly lock: string | null;
    readonly fires: readonly MatrixConfigId[];
    readonly when: string;
  }[];
  readonly summary: {
    readonly configurations: number;
    readonly violating: number;
    readonly rows: number;
  };
}

export function matrixJson(m: MatrixResult): MatrixJson {
  return {
    events: m.events,
    configs: m.columns.map((c) => ({
      id: c.id,
      config: c.result.config,
      violations: c.result.violations.map(violationRecord),
      summary: {
        events: c.result.events,
        violations: c.result.violations.length,
        suppressed: c.result.suppressed,
      },
    })),
    rows: m.rows.map((r) => ({ kind: r.kind, lock: r.lock, fires: r.fires, when: r.when })),
    summary: {
      configurations: m.columns.length,
      violating: violatingColumns(m),
      rows: m.rows.length,
    },
  };
}

function violatingColumns(m: MatrixResult): number {
  return m.columns.filter((c) => c.result.violations.length > 0).length;
}

const GROUP = 11;
/** The widest violation label in the table: a 10 MB lock name must not make 10 MB rows. */
export const MATRIX_LABEL_MAX = 72;
/** The widest "when" text. */
const WHEN_MAX = 160;

/**
 * The matrix as a terminal table: one row per distinct violation, two columns
 * (PROVE_RAW_LOCK_NESTING y/n) under each preemption model, and the pattern in words.
 */
export function matrixText(file: string, m: MatrixResult): string {
  const labels = m.rows.map((r) => escapeTextCapped(r.key, MATRIX_LABEL_MAX));
  const labelWidth = labels.reduce((w, l) => Math.max(w, l.length), 9) + 2;
  const pad = (s: string, w: number) => s + ' '.repeat(Math.max(0, w - s.length));
  const models = ['none', 'voluntary', 'full', 'rt'];
  const lines: string[] = [];
  lines.push(
    `${escapeText(file)}: ${plural(m.events, 'event')} under 8 configurations (DEBUG_ATOMIC_SLEEP=y)`,
  );
  lines.push('');
  lines.push(
    `${pad('', labelWidth)}${models.map((p) => pad(p === 'full' ? 'full' : p, GROUP)).join('')}`.trimEnd(),
  );
  lines.push(
    `${pad('violation', labelWidth)}${models.map(() => pad('y    n', GROUP)).join('')}when`,
  );
  m.rows.forEach((r, i) => {
    const set = new Set(r.fires);
    const cells = models.map((p) => {
      const y = set.has(`${p}/prove` as MatrixConfigId) ? 'x' : '.';
      const n = set.has(`${p}/noprove` as MatrixConfigId) ? 'x' : '.';
      return pad(`${y}    ${n}`, GROUP);
    });
    lines.push(
      `${pad(labels[i], labelWidth)}${cells.join('')}${escapeTextCapped(r.when, WHEN_MAX)}`,
    );
  });
  if (m.rows.length === 0) lines.push('(no violations)');
  lines.push('');
  lines.push(
    'columns: preemption model; y/n: CONFIG_PROVE_RAW_LOCK_NESTING; x: reported, .: clean',
  );
  const bad = violatingColumns(m);
  lines.push(
    m.rows.length === 0
      ? `no violations in any of the ${MATRIX_COLUMNS.length} configurations`
      : `${plural(m.rows.length, 'distinct violation')}; ${bad} of ${MATRIX_COLUMNS.length} configurations report at least one`,
  );
  return `${lines.join('\n')}\n`;
}

/** How a command's output-file option (`--emit-trace`, `-o`) may write. */
export interface OutputFileOptions {
  /** the command, for messages: `explain` */
  readonly cmd: string;
  /** the option, for messages: `--emit-trace` */
  readonly option: string;
  /** --force: replace an existing file (never one of `inputs`) */
  readonly force: boolean;
  /** the files the command reads: never overwritten, even with --force */
  readonly inputs: readonly string[];
  /** `-` writes to this stdout */
  readonly io: CliIO;
}

/** The same file, by path or (through a link) by inode. */
function sameFile(a: string, b: string): boolean {
  if (path.resolve(a) === path.resolve(b)) return true;
  try {
    const sa = fs.statSync(a);
    const sb = fs.statSync(b);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false;
  }
}

/**
 * Why `target` may not be written (one usage line), or nothing. Commands that write several
 * files check all of them before writing the first, so a refusal leaves nothing half done.
 */
export function checkOutputFile(target: string, o: OutputFileOptions): void {
  if (target === '-') return;
  const where = `lockdep ${o.cmd}: ${o.option} ${escapeText(target)}`;
  for (const input of o.inputs)
    if (input !== '-' && sameFile(target, input))
      throw new UsageMistake(`${where}: is the input ${escapeText(input)}; choose another file`);
  let st: fs.Stats;
  try {
    st = fs.lstatSync(target);
  } catch {
    return; // does not exist: the 'wx' open creates it
  }
  if (st.isDirectory()) throw new UsageMistake(`${where}: is a directory`);
  if (!o.force) throw new UsageMistake(`${where}: file exists (give --force to replace it)`);
}

/**
 * Write `text` to the output file `target` (`-`: stdout) for an output option: never over
 * an existing file unless --force, never over the command's own input, never through a
 * symbolic link (an existing name is unlinked and the file created anew with O_EXCL).
 */
export function writeOutputFile(target: string, text: string, o: OutputFileOptions): void {
  if (target === '-') {
    o.io.stdout.write(text);
    return;
  }
  checkOutputFile(target, o);
  const where = `lockdep ${o.cmd}: ${o.option}: cannot write ${escapeText(target)}`;
  let fd: number;
  try {
    // --force: remove the name (a symlink goes, its target stays untouched), then create
    if (o.force && fs.lstatSync(target, { throwIfNoEntry: false })) fs.unlinkSync(target);
    fd = fs.openSync(target, 'wx', 0o666);
  } catch (e) {
    throw new UsageMistake(`${where}: ${describeWriteError(e as NodeJS.ErrnoException)}`);
  }
  try {
    fs.writeFileSync(fd, text);
  } catch (e) {
    throw new UsageMistake(`${where}: ${describeWriteError(e as NodeJS.ErrnoException)}`);
  } finally {
    fs.closeSync(fd);
  }
}
