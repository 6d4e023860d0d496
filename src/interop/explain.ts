/**
 * `lockdep explain`: read kernel reports, rebuild each one's scenario, replay it under
 * every configuration of `lockdep matrix`, and say in plain words what the rule was,
 * which lock is to blame, and where else the report would (not) fire.
 *
 * The JSON form (explanationToJson) is stable and documented in docs/interop.md.
 */
import { builtinClassTable, type ClassTable } from './classTable';
import {
  configId,
  matrixVerdicts,
  replayTrace,
  ScenarioError,
  type MatrixConfig,
  type Verdict,
} from './replay';
import { escapeText } from '../report/escape';
import type { PrimitiveLookup } from './infer';
import { isPreemptUnderflow, reconstruct, type Scenario, type ScenarioLock } from './reconstruct';
import { isParseError, parseReports, type ParsedReport, type ReportKind } from './splatParser';

export interface ExplainOptions {
  /** lock names → primitives (built-ins plus --classes) */
  readonly classes?: ClassTable | undefined;
  /**
   * an optional class catalogue (class name → primitive), consulted after `classes` and
   * before any naming habit, wherever a name could decide a lock's type
   */
  readonly catalogue?: PrimitiveLookup | undefined;
}

/**
 * The same report read with the other PROVE_RAW_LOCK_NESTING numbering, when the report
 * does not tell which one its kernel used: its own lock types and verdicts.
 */
export interface Reading {
  readonly proveRawLockNesting: boolean;
  readonly scenario: Scenario;
  readonly verdicts: readonly Verdict[];
  readonly reproduced: boolean;
}

/** A report that was understood and replayed. */
export interface ExplainedReport {
  readonly ok: true;
  readonly kind: ReportKind;
  readonly line: number;
  readonly scenario: Scenario;
  readonly verdicts: readonly Verdict[];
  /** the report's kind fires when the scenario is replayed under the configuration it came from */
  readonly reproduced: boolean;
  /** for invalid-wait-context: the culprit the replay's own report names (the library's check_wait_context) */
  readonly replayedCulprit: string | null | undefined;
  /** when the report does not tell PROVE_RAW_LOCK_NESTING: the reading with the other setting; else null */
  readonly otherReading: Reading | null;
}

/** A report that could not be understood (or, never expected, not replayed). */
export interface UnexplainedReport {
  readonly ok: false;
  readonly kind: ReportKind | null;
  readonly title: string;
  /** the source line it could not understand (1-based) */
  readonly line: number;
  readonly text: string;
  readonly message: string;
}

export type ReportExplanation = ExplainedReport | UnexplainedReport;

export interface ExplainResult {
  readonly reports: readonly ReportExplanation[];
  /** 0: every report explained; 2: one could not be parsed (or no report was found) */
  readonly exitCode: 0 | 2;
}

/**
 * A preempt_count underflow after a "scheduling while atomic" of the same task is that
 * bug's echo: schedule_debug() forced the count back to the scheduler's own, so the
 * task's own preempt_enable() found nothing to drop. Say so on the warning, which alone
 * reads as an unbalanced preempt_enable().
 */
function linkScheduleBugEchoes(reports: ReportExplanation[]): void {
  for (let i = 0; i < reports.length; i++) {
    const r = reports[i];
    if (!r.ok || r.kind !== 'debug-locks-warning' || r.scenario.task === null) continue;
    const condition = r.scenario.detail?.condition;
    if (typeof condition !== 'string' || !isPreemptUnderflow(condition)) continue;
    const { pid } = r.scenario.task;
    let bug: ExplainedReport | null = null;
    for (let j = i - 1; j >= 0 && bug === null; j--) {
      const e = reports[j];
      if (e.ok && e.kind === 'scheduling-while-atomic' && e.scenario.task?.pid === pid) bug = e;
    }
    if (bug === null) continue;
    reports[i] = {
      ...r,
      scenario: {
        ...r.scenario,
        notes: [
          ...r.scenario.notes,
          `follows the "scheduling while atomic" of the same task (pid ${pid}, line ${bug.line}): schedule_debug() forced preempt_count back to the scheduler's own, so this task's own later preempt_enable() or spin_unlock() underflows it; fix that bug and this warning goes too`,
        ],
      },
    };
  }
}

/** Explain every report in `text`. Never throws for bad input: unreadable reports are entries with ok=false. */
export function explainText(text: string, options: ExplainOptions = {}): ExplainResult {
  const table = options.classes ?? builtinClassTable();
  const parsed = parseReports(text).reports;
  const reports: ReportExplanation[] = parsed.map((p) => {
    if (isParseError(p))
      return {
        ok: false,
        kind: p.kind,
        title: p.title,
        line: p.line,
        text: p.text,
        message: p.message,
      };
    try {
      const { scenario, verdicts, reproduced } = readWith(p, table, options.catalogue, undefined);
      const otherReading: Reading | null =
        scenario.proveRawLockNesting.value === 'unknown'
          ? {
              proveRawLockNesting: !scenario.origin.proveRawLockNesting,
              ...readWith(p, table, options.catalogue, !scenario.origin.proveRawLockNesting),
            }
          : null;
      let replayedCulprit: string | null | undefined;
      if (p.kind === 'invalid-wait-context') {
        const v = replayTrace(scenario.trace, scenario.origin).violations.find(
          (x) => x.kind === 'invalid-wait-context',
        );
        if (v && v.kind === 'invalid-wait-context')
          replayedCulprit = v.culprit >= 0 ? v.held[v.culprit].name : null;
      }
      return {
        ok: true,
        kind: p.kind,
        line: p.startLine,
        scenario,
        verdicts,
        reproduced,
        replayedCulprit,
        otherReading,
      };
    } catch (e) {
      if (e instanceof ScenarioError)
        return {
          ok: false,
          kind: p.kind,
          title: p.title,
          line: p.startLine,
          text: p.title,
          message: `could not replay the reconstructed scenario: ${e.message}`,
        };
      throw e;
    }
  });
  linkScheduleBugEchoes(reports);
  if (reports.length === 0) {
    const first = text.split('\n').findIndex((l) => l.trim() !== '');
    reports.push({
      ok: false,
      kind: null,
      title: '',
      line: first < 0 ? 1 : first + 1,
      text: first < 0 ? '' : text.split('\n')[first].trim(),
      message:
        'no kernel lock report found (expected a title such as "[ BUG: Invalid wait context ]" or "WARNING: possible circular locking dependency detected")',
    });
  }
  return { reports, exitCode: reports.every((r) => r.ok) ? 0 : 2 };
}

/** One reading of a report: the scenario under a numbering, its verdicts, and whether it reproduces. */
function readWith(
  p: ParsedReport,
  table: ClassTable,
  catalogue: PrimitiveLookup | undefined,
  assume: boolean | undefined,
): { scenario: Scenario; verdicts: Verdict[]; reproduced: boolean } {
  const scenario = reconstruct(p, table, { catalogue, assumeProveRawLockNesting: assume });
  const verdicts = matrixVerdicts(scenario.trace);
  const origin = verdicts.find((v) => v.id === configId(scenario.origin));
  const reproduced = scenario.reproducible && origin !== undefined && origin.kinds.includes(p.kind);
  return { scenario, verdicts, reproduced };
}

// -------------------------------------------------------------------------------------
// Plain words

const TYPE_NAMES: Record<string, string> = {
  raw_spinlock: 'raw_spinlock_t',
  spinlock: 'spinlock_t',
  rwlock: 'rwlock_t',
  local_lock: 'local_lock_t',
  mutex: 'mutex',
  rwsem: 'rw_semaphore',
  rt_mutex: 'rt_mutex',
  srcu: 'SRCU',
  seqcount: 'seqcount',
  percpu_rwsem: 'percpu_rw_semaphore',
  rcu_read_lock: 'rcu_read_lock()',
  rcu_read_lock_bh: 'rcu_read_lock_bh()',
  rcu_read_lock_sched: 'rcu_read_lock_sched()',
  local_bh: 'local_bh_disable() (PREEMPT_RT bh_lock_map)',
  map: 'lockdep_map',
};

function typeName(l: ScenarioLock, prove: boolean): string {
  const t = TYPE_NAMES[l.type] ?? l.type;
  if (l.otherReading) {
    const o = TYPE_NAMES[l.otherReading] ?? l.otherReading;
    return `${t} if =${prove ? 'y' : 'n'}, ${o} if =${prove ? 'n' : 'y'}`;
  }
  // =n numbering folds spinlock_t into SPIN: the printed {2:2} cannot tell the two apart
  if (!l.certain && l.type === 'spinlock' && l.inner === 2) return 'spinlock_t or raw_spinlock_t?';
  return `${t}${l.certain ? '' : '?'}`;
}

function wait(l: ScenarioLock): string {
  return l.outer === null ? '' : ` {${l.outer}:${l.inner}}`;
}

function describeLock(l: ScenarioLock, prove: boolean): string {
  return `${l.name} (${typeName(l, prove)}${wait(l)})`;
}

function configText(c: MatrixConfig): string {
  return `preempt=${c.preempt}, PROVE_RAW_LOCK_NESTING=${c.proveRawLockNesting ? 'y' : 'n'}`;
}

function rule(s: Scenario): string[] {
  const l = s.lock;
  const d = s.detail ?? {};
  switch (s.kind) {
    case 'invalid-wait-context': {
      const c = s.culprit;
      const out = [
        'Rule (check_wait_context): a lock may only be taken where its outer wait type is at most the inner',
        'wait type of the context and of every lock already held in that context.',
      ];
      if (l && c) {
        out.push(
          `${describeLock(l, s.origin.proveRawLockNesting)} has outer wait type ${l.outer ?? '?'}; the limit here is ${c.limit}, set by ${c.name ?? `the ${s.context.value} context`}.`,
        );
        if (l.type === 'spinlock' || l.type === 'rwlock' || l.type === 'local_lock') {
          out.push(
            `A ${TYPE_NAMES[l.type]} sleeps on PREEMPT_RT, so it must not be taken in a context that cannot sleep there.`,
          );
        } else if (l.type === 'mutex' || l.type === 'rwsem' || l.type === 'rt_mutex') {
          out.push(
            `A ${TYPE_NAMES[l.type]} sleeps on every kernel, so it must not be taken under a spinning lock or in interrupt context.`,
          );
        }
      }
      return out;
    }
    case 'circular-dependency':
      return [
        'Rule (check_noncircular): lockdep records the order of every pair of locks it sees nested.',
        `Taking ${l?.name} while holding ${s.held[s.held.length - 1]?.name ?? 'the held lock'} closes a cycle with the existing chain`,
        `${s.chain.map((c) => c.name).join(' -> ')}: CPUs running these paths concurrently can deadlock.`,
      ];
    case 'recursive-locking':
      return [
        'Rule (check_deadlock): a task takes a lock of a class it already holds; without a nesting annotation',
        `(spin_lock_nested(), a subclass) lockdep sees a self-deadlock on ${l?.name}.`,
      ];
    case 'inconsistent-lock-state':
      return [
        'Rule (mark_lock_irq): a lock used inside an interrupt must never be taken with that interrupt enabled,',
        `or the interrupt can arrive while the lock is held and spin on it forever. ${l?.name} was used both ways.`,
      ];
    case 'irq-unsafe-order':
      return [
        'Rule (check_irq_usage): a lock taken in interrupt context (irq-safe) must not come to depend on a lock',
        'taken with that interrupt enabled (irq-unsafe): the interrupt could hit the holder of the unsafe lock.',
      ];
    case 'irq-inversion':
      return [
        "Rule (check_usage_forwards/backwards): the lock's new irq usage conflicts with an existing dependency",
        `between it and ${s.chain[0]?.name ?? 'another lock'}: interrupts could create the inverse lock order.`,
      ];
    case 'sleeping-in-atomic':
      return [
        'Rule (__might_resched): a function that may sleep was called in atomic context',
        `(preempt_count ${s.atomic?.preemptCount.toString(16)}${s.atomic?.irqsDisabled ? ', interrupts disabled' : ''}): sleeping there would schedule away from a CPU that must not.`,
      ];
    case 'scheduling-while-atomic':
      return [
        "Rule (schedule_debug): schedule() was entered with a preempt_count above the scheduler's own 1",
        `(printed 0x${s.atomic?.preemptCount.toString(16).padStart(8, '0')}): the task holds a spinning lock or has preemption off.`,
      ];
    case 'suspicious-rcu-usage':
      return [
        `Rule (RCU_LOCKDEP_WARN at ${String(d.site)}): "${String(d.message)}":`,
        `${s.why ?? 'an RCU usage check failed'}.`,
        ...(d.falsePositive
          ? [
              'debug_locks = 0: lockdep was already off, and lock_is_held() then answers true for every map, so the kernel itself calls this a possible false positive.',
            ]
          : []),
      ];
    case 'bad-unlock-balance':
      return [
        `Rule (print_unlock_imbalance_bug): ${String(d.lockName)} was released by a task that does not hold it`,
        '(a double unlock, an unlock on an error path that never locked, or a lock released by another task than the one that took it).',
      ];
    case 'max-lock-depth':
      return [
        `Rule (__lock_acquire): a task may hold at most MAX_LOCK_DEPTH (${typeof d.max === 'number' ? d.max : 48}) locks at once; this one reached it,`,
        'usually by taking one lock per object in a loop. Lockdep turns itself off.',
      ];
    case 'lock-held-at-exit':
      return d.returningToUser
        ? [
            'Rule (lockdep_sys_exit): a system call returned to user space with locks still held; every kernel entry must release what it took.',
          ]
        : [
            'Rule (debug_check_no_locks_held): the task exited (or froze) with locks still held; nobody will ever release them.',
          ];
    case 'held-lock-freed':
      return [
        `Rule (debug_check_no_locks_freed): memory holding ${l?.name ?? 'a lock'} was freed (or the lock re-initialised) while the lock was held:`,
        'a use-after-free of the lock as soon as anyone releases or waits on it.',
      ];
    case 'nested-lock-not-taken':
      return [
        `Rule (__lock_acquire): ${l?.name} was taken with a nest_lock (_nest_lock()) that the task does not hold: ${String(d.nestLock)}.`,
        'The nest lock is what makes taking many locks of one class safe; without it the annotation is a lie.',
      ];
    case 'lockdep-limit':
      return d.limit === 'MAX_LOCKDEP_SUBCLASSES'
        ? [
            `Rule (look_up_lock_class): a _nested() annotation used subclass ${String(d.subclass)}; lockdep has MAX_LOCKDEP_SUBCLASSES (8). Lockdep turns itself off.`,
          ]
        : [
            `Rule: lockdep's ${String(d.limit)} table is full (${String(d.message)}); this is a capacity limit, not a locking bug,`,
            'but lockdep turns itself off and validates nothing after it.',
          ];
    case 'debug-locks-warning':
      return [
        `Rule (DEBUG_LOCKS_WARN_ON(${String(d.condition)})${typeof d.where === 'string' ? ` in ${d.where}` : ''}): ${s.why ?? 'lockdep found an inconsistent state'}.`,
      ];
    case 'kernel-warning':
      return [
        `Rule (WARN_ONCE in rcu_note_context_switch()): "${String(d.message)}": ${s.why ?? 'a voluntary context switch inside an RCU reader'}.`,
        'Only PREEMPT_RCU kernels check it; without PREEMPT_RCU, rcu_read_lock() disables preemption and the same code is "scheduling while atomic". PREEMPT_RT sleeping spinlocks block through schedule_rtlock(), which is allowed.',
      ];
  }
}

/** An input line cut for a terminal (escaped with everything else in formatReportExplanation). */
function printable(line: string, max = 160): string {
  return line.length > max ? `${line.slice(0, max)}... (${line.length} characters)` : line;
}

const STANDIN = /^unprinted lock #\d+$/;

function proveText(v: boolean | 'unknown'): string {
  return v === 'unknown' ? 'unknown' : v ? 'y' : 'n';
}

/**
 * The kernel-independent text for one explained report. Every line is escaped on the
 * way out (escapeText): lock, task and site names and echoed input come from the file.
 */
export function formatReportExplanation(r: ReportExplanation, n: number): string[] {
  return reportLines(r, n).map(escapeText);
}

function reportLines(r: ReportExplanation, n: number): string[] {
  if (!r.ok) {
    return [
      `Report ${n} (line ${r.line}): ${printable(r.title) || 'no report'}`,
      `  error: line ${r.line}: ${r.message}`,
      r.text ? `  the line reads: ${printable(r.text)}` : '',
    ].filter(Boolean);
  }
  const s = r.scenario;
  const prove = s.origin.proveRawLockNesting;
  const out = [`Report ${n} (line ${r.line}): ${s.title}  [${s.kind}]`];
  if (s.task) out.push(`  task:     ${s.task.comm} (pid ${s.task.pid})`);
  const pr = s.proveRawLockNesting;
  out.push(`  kernel:   PROVE_RAW_LOCK_NESTING=${proveText(pr.value)} (${pr.why})`);
  // the deciding piece is in `why`; the others are counted when they agree, shown when not
  const others = pr.evidence.filter((e) => !pr.why.includes(e.text));
  const agree = others.filter((e) => e.weight === 'numbering' && e.says === pr.value);
  if (agree.length)
    out.push(
      `            and ${agree.length} more printed number${agree.length > 1 ? 's' : ''} agreeing (all in the JSON's proveRawLockNestingEvidence)`,
    );
  for (const e of others)
    if (e.weight === 'numbering' && e.says !== pr.value) out.push(`            against: ${e.text}`);
  for (const e of others) if (e.weight === 'default') out.push(`            ${e.text}`);
  out.push(`            preempt=${s.preempt.value} (${s.preempt.why})`);
  out.push(`  context:  ${s.context.value} (${s.context.why})`);
  if (s.lock)
    out.push(`  taking:   ${describeLock(s.lock, prove)}${s.lock.at ? ` at ${s.lock.at}` : ''}`);
  if (s.held.length) {
    out.push('  held:');
    s.held.forEach((h, i) => {
      // stand-ins for locks the report announced but did not print: one line for the run
      if (STANDIN.test(h.name)) {
        if (i > 0 && STANDIN.test(s.held[i - 1].name)) return;
        let j = i;
        while (j + 1 < s.held.length && STANDIN.test(s.held[j + 1].name)) j++;
        out.push(
          `    #${i}${j > i ? `..#${j}` : ''}: not printed (${j - i + 1} unchecked lockdep_map stand-in${j > i ? 's' : ''})`,
        );
        return;
      }
      const tags = [
        h.implied ? 'taken by the PREEMPT_RT primitive before it' : '',
        h.inIrq ? 'in the interrupt' : '',
        s.culprit?.index === i ? '<- culprit' : '',
      ].filter(Boolean);
      out.push(`    #${i}: ${describeLock(h, prove)}${tags.length ? `  ${tags.join(', ')}` : ''}`);
    });
  } else if (s.kind !== 'irq-inversion') out.push('  held:     none');
  if (s.chain.length && s.kind === 'circular-dependency')
    out.push(
      `  chain:    ${s.chain.map((c) => c.name).join(' -> ')} (existing), then ${s.held[s.held.length - 1]?.name} -> ${s.lock?.name} (new)`,
    );
  if (s.culprit)
    out.push(`  culprit:  ${s.culprit.name ?? 'the context itself'} (${s.culprit.why})`);
  const other = r.otherReading;
  if (other?.scenario.culprit && other.scenario.culprit.name !== s.culprit?.name)
    out.push(
      `            with =${other.proveRawLockNesting ? 'y' : 'n'}: ${other.scenario.culprit.name ?? 'the context itself'} (${other.scenario.culprit.why})`,
    );
  out.push(...rule(s).map((l) => `  ${l}`));
  for (const [k, v] of Object.entries(s.detail ?? {})) {
    if (v !== null && v !== false && k !== 'lockName')
      out.push(
        `  ${`${k}:`.padEnd(9)} ${typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v)}`,
      );
  }
  if (!s.reproducible) {
    out.push(
      '  verdicts: not reproducible: the model has no equivalent of this check (see the notes); explained in words only',
    );
  } else if (other) {
    // the report does not tell its numbering: one column per reading
    const a = `reading =${prove ? 'y' : 'n'}`;
    const b = `reading =${other.proveRawLockNesting ? 'y' : 'n'}`;
    const cells = r.verdicts.map((v) => (v.kinds.length ? v.kinds.join(', ') : '-'));
    const width = Math.max(a.length, ...cells.map((c) => c.length)) + 3;
    out.push(
      '  verdicts (the report does not tell PROVE_RAW_LOCK_NESTING: the scenario read both ways, under each configuration):',
      `    ${''.padEnd(18)} ${a.padEnd(width)}${b}`,
    );
    const originId = configId(s.origin);
    const otherOrigin = configId(other.scenario.origin);
    r.verdicts.forEach((v, k) => {
      const w = other.verdicts[k];
      const mark =
        v.id === originId
          ? `   <- the report's configuration (${a})`
          : v.id === otherOrigin
            ? `   <- the report's configuration (${b})`
            : '';
      out.push(
        `    ${v.id.padEnd(18)} ${cells[k].padEnd(width)}${w.kinds.length ? w.kinds.join(', ') : '-'}${mark}`,
      );
    });
    out.push(
      `  reproduced under ${configText(s.origin)}: ${r.reproduced ? 'yes' : 'NO'}; under ${configText(other.scenario.origin)}: ${other.reproduced ? 'yes' : 'NO'}`,
    );
  } else {
    out.push('  verdicts (the reconstructed scenario under each configuration):');
    const originId = configId(s.origin);
    for (const v of r.verdicts) {
      out.push(
        `    ${v.id.padEnd(18)} ${v.kinds.length ? v.kinds.join(', ') : '-'}${v.id === originId ? "   <- the report's configuration" : ''}`,
      );
    }
    out.push(`  reproduced under ${configText(s.origin)}: ${r.reproduced ? 'yes' : 'NO'}`);
  }
  const uncertain = new Map<string, string>();
  for (const l of [s.lock, ...s.held]) if (l && !l.certain) uncertain.set(l.name, l.basis);
  for (const [name, basis] of uncertain) out.push(`  note: ${name}: ${basis}`);
  for (const note of s.notes) out.push(`  note: ${note}`);
  return out;
}

export interface ExplainTextOptions {
  /**
   * the errors of unreadable reports go elsewhere (the CLI writes them once, on stderr,
   * with formatExplainErrors()): the text names each such report in one line
   */
  readonly errorsElsewhere?: boolean;
}

export function formatExplanation(result: ExplainResult, options: ExplainTextOptions = {}): string {
  return (
    result.reports
      .map((r, i) =>
        !r.ok && options.errorsElsewhere
          ? escapeText(
              `Report ${i + 1} (line ${r.line}): ${printable(r.title) || 'no report'}: not explained (the error is on stderr)`,
            )
          : formatReportExplanation(r, i + 1).join('\n'),
      )
      .join('\n\n') + '\n'
  );
}

/**
 * One located line per report that could not be read, `<name>:<line>: <message>`, for
 * stderr. Escaped: the message may quote the input (an unsupported title).
 */
export function formatExplainErrors(result: ExplainResult, name: string): string {
  return result.reports
    .filter((r): r is UnexplainedReport => !r.ok)
    .map((r) => {
      const found = r.text && !r.message.includes(r.text) ? `; the line reads: ${r.text}` : '';
      return `${escapeText(`${name}:${r.line}: ${printable(`${r.message}${found}`, 400)}`)}\n`;
    })
    .join('');
}

// -------------------------------------------------------------------------------------
// JSON

function lockJson(l: ScenarioLock) {
  return {
    name: l.name,
    type: l.type,
    certain: l.certain,
    outer: l.outer,
    inner: l.inner,
    usage: l.usage,
    at: l.at,
    ...(l.read ? { read: true } : {}),
    ...(l.inIrq ? { inIrq: true } : {}),
    ...(l.implied ? { implied: true } : {}),
    ...(l.trylock ? { trylock: true } : {}),
    ...(l.otherReading ? { otherReading: l.otherReading } : {}),
  };
}

function verdictsJson(verdicts: readonly Verdict[]) {
  return verdicts.map((v) => ({
    config: v.config,
    id: v.id,
    kinds: v.kinds,
    violations: v.violations,
  }));
}

/** The stable JSON form: `{ "reports": [...], "exitCode": 0|2 }` (docs/interop.md). */
export function explanationToJson(result: ExplainResult): unknown {
  return {
    reports: result.reports.map((r) => {
      if (!r.ok)
        return {
          ok: false,
          kind: r.kind,
          line: r.line,
          title: r.title,
          error: r.message,
          text: r.text,
        };
      const s = r.scenario;
      return {
        ok: true,
        kind: s.kind,
        line: r.line,
        title: s.title,
        task: s.task,
        lock: s.lock ? lockJson(s.lock) : null,
        held: s.held.map(lockJson),
        proveRawLockNesting:
          s.proveRawLockNesting.value === 'unknown' ? null : s.proveRawLockNesting.value,
        // everything the report says about it, the numbers first, the release's default last
        proveRawLockNestingEvidence: s.proveRawLockNesting.evidence.map((e) => ({
          source: e.source,
          says: e.says,
          weight: e.weight,
          text: e.text,
        })),
        preempt: s.preempt.value,
        context: s.context.value,
        origin: s.origin,
        culprit: s.culprit
          ? { name: s.culprit.name, index: s.culprit.index, limit: s.culprit.limit }
          : null,
        chain: s.chain.map((c) => c.name),
        atomic: s.atomic,
        verdicts: verdictsJson(r.verdicts),
        reproduced: r.reproduced,
        // when proveRawLockNesting is null: the report read with the other numbering
        otherReading: r.otherReading
          ? {
              proveRawLockNesting: r.otherReading.proveRawLockNesting,
              origin: r.otherReading.scenario.origin,
              lock: r.otherReading.scenario.lock ? lockJson(r.otherReading.scenario.lock) : null,
              held: r.otherReading.scenario.held.map(lockJson),
              culprit: r.otherReading.scenario.culprit
                ? {
                    name: r.otherReading.scenario.culprit.name,
                    index: r.otherReading.scenario.culprit.index,
                    limit: r.otherReading.scenario.culprit.limit,
                  }
                : null,
              verdicts: verdictsJson(r.otherReading.verdicts),
              reproduced: r.otherReading.reproduced,
            }
          : null,
        reproducible: s.reproducible,
        detail: s.detail,
        notes: s.notes,
      };
    }),
    exitCode: result.exitCode,
  };
}
