/** What `lockdep check` and `lockdep matrix` print, as text and as JSON. */
import type { KernelConfig } from '../core/config';
import { formatViolation } from '../report/format';
import { violationRecord, type ViolationRecord } from '../report/json';
import { checkResultToJson, type CheckJson } from '../trace/check';
import { MATRIX_COLUMNS, type MatrixResult } from '../trace/matrix';
import type { ReplayResult } from '../trace/replay';
import type { MatrixConfigId } from '../trace/schema';

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function yn(b: boolean): string {
  return b ? 'y' : 'n';
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
  return `${file}: ${plural(r.events, 'event')}, ${what}${supp}${stopped} [${configLine(r.config)}]`;
}

/** Without trailing newlines (a loop: /\n+$/ retries every newline of a long run). */
function trimNewlines(s: string): string {
  let e = s.length;
  while (e > 0 && s.charCodeAt(e - 1) === 10) e--;
  return s.slice(0, e);
}

/** Text of `lockdep check`: each splat, a blank line between them, then the summary. */
export function checkText(file: string, r: ReplayResult): string {
  const parts = r.violations.map((v) => trimNewlines(formatViolation(v)));
  parts.push(checkSummaryLine(file, r));
  return `${parts.join('\n\n')}\n`;
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

/**
 * The matrix as a terminal table: one row per distinct violation, two columns
 * (PROVE_RAW_LOCK_NESTING y/n) under each preemption model, and the pattern in words.
 */
export function matrixText(file: string, m: MatrixResult): string {
  const labelWidth = Math.max(9, ...m.rows.map((r) => r.key.length)) + 2;
  const pad = (s: string, w: number) => s + ' '.repeat(Math.max(0, w - s.length));
  const models = ['none', 'voluntary', 'full', 'rt'];
  const lines: string[] = [];
  lines.push(`${file}: ${plural(m.events, 'event')} under 8 configurations (DEBUG_ATOMIC_SLEEP=y)`);
  lines.push('');
  lines.push(
    `${pad('', labelWidth)}${models.map((p) => pad(p === 'full' ? 'full' : p, GROUP)).join('')}`.trimEnd(),
  );
  lines.push(
    `${pad('violation', labelWidth)}${models.map(() => pad('y    n', GROUP)).join('')}when`,
  );
  for (const r of m.rows) {
    const set = new Set(r.fires);
    const cells = models.map((p) => {
      const y = set.has(`${p}/prove` as MatrixConfigId) ? 'x' : '.';
      const n = set.has(`${p}/noprove` as MatrixConfigId) ? 'x' : '.';
      return pad(`${y}    ${n}`, GROUP);
    });
    lines.push(`${pad(r.key, labelWidth)}${cells.join('')}${r.when}`);
  }
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
