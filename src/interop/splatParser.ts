/**
 * A tolerant parser for the reports a kernel prints about locking: lockdep's splats
 * (kernel/locking/lockdep.c print_*), __might_resched() and __schedule_bug()
 * (kernel/sched/core.c). It reads what dmesg, a serial console or a mailing-list quote
 * shows: timestamps, quote markers and log prefixes are stripped (lines.ts), lines
 * wrapped by mail clients are re-joined where a known line shape is expected, and the
 * stack backtrace may be missing.
 *
 * It never guesses: a line it needs but cannot read raises a ReportParseError naming
 * the source line. Reconstruction of a scenario from the parsed data is reconstruct.ts.
 */
import { VIOLATION_KINDS, type ViolationKind } from '../report/violation';
import { LINE, lineRe, literal, TITLE } from '../report/kernelText';
import { cleanLines, type LogLine } from './lines';

/**
 * The report kinds `explain` reads: every kind `lockdep check` raises, with the same
 * identifiers (src/report/violation.ts).
 */
export type ReportKind = ViolationKind;

export const REPORT_KINDS: readonly ReportKind[] = VIOLATION_KINDS;

/** A lock class as print_lock_name() prints it: ` (name){usage}-{outer:inner}`. */
export interface ParsedClass {
  /** the printed name, decorations included (`#2` name version, `/1` subclass) */
  readonly name: string;
  /** the usage characters between braces (4 on current kernels, 6 on old ones); null if absent */
  readonly usage: string | null;
  /** wait types; null when the kernel predates wait-type printing (before v5.7) */
  readonly outer: number | null;
  readonly inner: number | null;
}

/** A lock as print_lock() prints it: `<address> (name){usage}-{o:i}, at: <site>`. */
export interface ParsedLock extends ParsedClass {
  readonly address: string | null;
  /** the acquisition site (`func+0x2f/0x70`), or null when cut off */
  readonly at: string | null;
  /**
   * every site printed for this lock, outermost inline frame first: syzbot-style
   * kernels print one line per inlined function (`spin_lock include/linux/spinlock.h:354
   * [inline]`), which names the primitive the lock was taken with
   */
  readonly sites: readonly string[];
  /** source line (1-based) */
  readonly line: number;
}

export interface ParsedTask {
  readonly comm: string;
  readonly pid: number;
}

/** What the report tells about the kernel that printed it. */
export interface KernelIdent {
  /** `6.12.0-rc1` */
  readonly release: string | null;
  /** `#1` */
  readonly version: string | null;
  readonly tainted: string | null;
  /** preemption model printed by dump_stack() (v6.15+: `PREEMPT(full)`, `PREEMPT_RT`), or hinted by an `-rt` release */
  readonly preemptHint: 'none' | 'voluntary' | 'full' | 'lazy' | 'rt' | null;
}

/** `[HC%u[%lu]:SC%u[%lu]:HE%u:SE%u]` */
export interface ParsedIrqState {
  readonly hardirqContext: number;
  readonly hardirqCount: number;
  readonly softirqContext: number;
  readonly softirqCount: number;
  readonly hardirqsEnabled: boolean;
  readonly softirqsEnabled: boolean;
}

/** Fields every parsed report has. */
export interface ParsedBase {
  readonly kind: ReportKind;
  /** the title line as printed */
  readonly title: string;
  /** first and last source line of the report (1-based) */
  readonly startLine: number;
  readonly endLine: number;
  readonly ident: KernelIdent;
  readonly task: ParsedTask | null;
  /** the CPU from the dump_stack() line, when present */
  readonly cpu: number | null;
  /** lockdep_print_held_locks(), bottom first; null when the block is absent */
  readonly held: readonly ParsedLock[] | null;
  /** the count the held-lock header announced (`3 locks held by`); null without a header */
  readonly heldDeclared: number | null;
  /** `INFO: lockdep is turned off.`: an earlier report disabled lockdep, no locks are printed */
  readonly lockdepOff: boolean;
  /** function names of the backtrace, innermost first; context markers kept as `<IRQ>` etc. */
  readonly backtrace: readonly string[];
}

export interface ParsedInvalidWaitContext extends ParsedBase {
  readonly kind: 'invalid-wait-context';
  readonly lock: ParsedLock;
  /** task_wait_context() as printed in `context-{C:C}` */
  readonly context: number;
}

export interface ParsedChainEntry {
  readonly depth: number;
  readonly class: ParsedClass;
  /** the saved stack trace of this dependency, innermost first */
  readonly trace: readonly string[];
}

export interface ParsedCircular extends ParsedBase {
  readonly kind: 'circular-dependency';
  /** the lock being acquired (check_src) */
  readonly lock: ParsedLock;
  /** the held lock it would depend on (check_tgt) */
  readonly prev: ParsedLock;
  /** `-> #N` entries as printed: from the held lock's class (#N) to the new lock's (#0) */
  readonly chain: readonly ParsedChainEntry[];
  /** from the unsafe-scenario table: was the held lock / new lock taken for read */
  readonly prevRead: boolean;
  readonly lockRead: boolean;
}

export interface ParsedRecursive extends ParsedBase {
  readonly kind: 'recursive-locking';
  readonly lock: ParsedLock;
  readonly prev: ParsedLock;
}

export interface ParsedInconsistent extends ParsedBase {
  readonly kind: 'inconsistent-lock-state';
  readonly previousUsage: string;
  readonly newUsage: string;
  readonly irq: ParsedIrqState | null;
  readonly lock: ParsedLock;
}

export interface ParsedIrqUnsafeOrder extends ParsedBase {
  readonly kind: 'irq-unsafe-order';
  /** HARDIRQ, SOFTIRQ, HARDIRQ-READ or SOFTIRQ-READ */
  readonly irqState: string;
  readonly irq: ParsedIrqState | null;
  readonly lock: ParsedLock;
  readonly prev: ParsedLock;
  readonly safe: ParsedClass;
  readonly unsafe: ParsedClass;
  /** class names of the printed shortest paths (leaf first, as printed); empty if absent */
  readonly backwardPath: readonly ParsedClass[];
  readonly forwardPath: readonly ParsedClass[];
}

export interface ParsedIrqInversion extends ParsedBase {
  readonly kind: 'irq-inversion';
  /** "this lock took another, <STATE>-unsafe lock in the past" */
  readonly forwards: boolean;
  readonly irqState: string;
  readonly irq: ParsedIrqState | null;
  readonly lock: ParsedLock;
  readonly other: ParsedClass;
}

export interface ParsedSleeping extends ParsedBase {
  readonly kind: 'sleeping-in-atomic';
  /** `<file>:<line>` of the might_sleep() */
  readonly site: string;
  readonly inAtomic: boolean;
  readonly irqsDisabled: boolean;
  readonly nonBlock: number;
  readonly preemptCount: number;
  readonly expectedPreemptCount: number;
  /** `RCU nest depth:` (CONFIG_PREEMPT_RCU only), else null */
  readonly rcuDepth: number | null;
  readonly expectedRcuDepth: number | null;
  readonly preemptDisabledAt: string | null;
}

export interface ParsedSchedulingWhileAtomic extends ParsedBase {
  readonly kind: 'scheduling-while-atomic';
  /** as printed: includes the scheduler's own +1 */
  readonly preemptCount: number;
  readonly irqsDisabled: boolean;
  readonly preemptDisabledAt: string | null;
}

/** WARNING: suspicious RCU usage (lockdep_rcu_suspicious(), from RCU_LOCKDEP_WARN()). */
export interface ParsedSuspiciousRcu extends ParsedBase {
  readonly kind: 'suspicious-rcu-usage';
  /** `<file>:<line>` of the RCU_LOCKDEP_WARN(), as printed (a leading `./` kept) */
  readonly site: string;
  /** the message, without the `!` lockdep_rcu_suspicious() appends */
  readonly message: string;
  /** `rcu_scheduler_active = N, debug_locks = N`; null when the line is absent */
  readonly rcuSchedulerActive: number | null;
  readonly debugLocks: boolean | null;
  /** "Possible false positive due to lockdep disabling via debug_locks = 0" */
  readonly falsePositiveNote: boolean;
  /** "RCU used illegally from offline CPU!" */
  readonly offlineCpu: boolean;
  /** "RCU used illegally from extended quiescent state!" */
  readonly extendedQs: boolean;
}

/** WARNING: bad unlock balance detected! (print_unlock_imbalance_bug) */
export interface ParsedBadUnlock extends ParsedBase {
  readonly kind: 'bad-unlock-balance';
  /** the lock name between the parentheses (print_lockdep_cache()) */
  readonly lockName: string;
  /** the release site (print_ip_sym(); the last of syzbot's inline lines), or null */
  readonly at: string | null;
}

/** BUG: MAX_LOCK_DEPTH too low! */
export interface ParsedMaxLockDepth extends ParsedBase {
  readonly kind: 'max-lock-depth';
  /** `depth: N  max: M!`; null when not printed */
  readonly depth: number | null;
  readonly max: number | null;
}

/** WARNING: <comm>/<pid> still has locks held! / WARNING: lock held when returning to user space! */
export interface ParsedHeldAtExit extends ParsedBase {
  readonly kind: 'lock-held-at-exit';
  /** lockdep_sys_exit()'s variant (the task was returning to user space, not exiting) */
  readonly returningToUser: boolean;
}

/** WARNING: held lock freed! (print_freed_lock_bug) */
export interface ParsedHeldLockFreed extends ParsedBase {
  readonly kind: 'held-lock-freed';
  /** the held lock inside the freed range */
  readonly lock: ParsedLock;
  /** `is freeing memory <from>-<to>`, when printed */
  readonly range: { readonly from: string; readonly to: string } | null;
}

/** WARNING: Nested lock was not taken (print_lock_nested_lock_not_held) */
export interface ParsedNestedLockNotTaken extends ParsedBase {
  readonly kind: 'nested-lock-not-taken';
  readonly lock: ParsedLock;
  /** the nest_lock's name (`but this task is not holding:`) */
  readonly nestLock: string;
}

/** The lockdep capacity limits and subclass check a report can name. */
export type ParsedLimit =
  | 'MAX_LOCKDEP_KEYS'
  | 'MAX_LOCKDEP_ENTRIES'
  | 'MAX_LOCKDEP_CHAINS'
  | 'MAX_LOCKDEP_CHAIN_HLOCKS'
  | 'MAX_LOCKDEP_SUBCLASSES'
  | 'BFS_QUEUE'
  | 'MAX_STACK_TRACE_ENTRIES';

/** BUG: MAX_LOCKDEP_* too low! / BUG: looking up invalid subclass: N / lockdep bfs error:N */
export interface ParsedLockdepLimit extends ParsedBase {
  readonly kind: 'lockdep-limit';
  readonly limit: ParsedLimit;
  /** the message line as printed */
  readonly message: string;
  /** for an invalid subclass: the subclass looked up */
  readonly subclass: number | null;
}

/** DEBUG_LOCKS_WARN_ON(cond), printed by WARN() inside a `[ cut here ]` block. */
export interface ParsedDebugLocksWarning extends ParsedBase {
  readonly kind: 'debug-locks-warning';
  /** the C condition between the parentheses */
  readonly condition: string;
  /** the function the WARNING line names (`preempt_count_sub`), or null */
  readonly where: string | null;
  /** `<file>:<line>` the WARNING line names, or null */
  readonly file: string | null;
}

/** A kernel WARN_ONCE() the model knows by its message (rcu_note_context_switch()'s). */
export interface ParsedKernelWarning extends ParsedBase {
  readonly kind: 'kernel-warning';
  /** the message line */
  readonly message: string;
  /** the function the WARNING line names, or null */
  readonly where: string | null;
  /** `<file>:<line>` the WARNING line names, or null */
  readonly file: string | null;
}

export type ParsedReport =
  | ParsedInvalidWaitContext
  | ParsedCircular
  | ParsedRecursive
  | ParsedInconsistent
  | ParsedIrqUnsafeOrder
  | ParsedIrqInversion
  | ParsedSleeping
  | ParsedSchedulingWhileAtomic
  | ParsedSuspiciousRcu
  | ParsedBadUnlock
  | ParsedMaxLockDepth
  | ParsedHeldAtExit
  | ParsedHeldLockFreed
  | ParsedNestedLockNotTaken
  | ParsedLockdepLimit
  | ParsedDebugLocksWarning
  | ParsedKernelWarning;

/** A report whose text could not be understood: which line, and what was expected there. */
export interface ReportParseError {
  readonly kind: ReportKind | null;
  readonly title: string;
  /** the source line that could not be understood (1-based) */
  readonly line: number;
  /** that line's text, cleaned */
  readonly text: string;
  readonly message: string;
}

export interface ParseResult {
  /** one entry per report found, in file order */
  readonly reports: readonly (ParsedReport | ReportParseError)[];
}

export function isParseError(r: ParsedReport | ReportParseError): r is ReportParseError {
  return 'message' in r && 'text' in r;
}

// -------------------------------------------------------------------------------------
// Titles

interface TitleRule {
  readonly kind: ReportKind;
  readonly re: RegExp;
}

/**
 * A current `WARNING: <text>` title, or the same text under an older prefix, e.g. the
 * `[ INFO: <text> ]` kernels before v4.15 printed.
 */
function warningOr(title: string, old: readonly string[]): RegExp {
  const text = literal(title.replace(/^WARNING: /, ''));
  const prefixes = ['WARNING: ', ...old].map(literal).join('|');
  return new RegExp(`^(?:${prefixes})${text}(?: \\])?$`);
}

function warningOrInfo(title: string, alsoBare = false): RegExp {
  return warningOr(title, alsoBare ? ['[ INFO: ', '[ '] : ['[ INFO: ']);
}

// Current kernels print `WARNING: ...`; kernels before v4.15 printed `[ INFO: ... ]`.
const TITLES: readonly TitleRule[] = [
  { kind: 'invalid-wait-context', re: lineRe(TITLE.invalidWaitContext) },
  { kind: 'circular-dependency', re: warningOrInfo(TITLE.circular) },
  { kind: 'recursive-locking', re: warningOrInfo(TITLE.recursive) },
  { kind: 'inconsistent-lock-state', re: warningOrInfo(TITLE.inconsistent, true) },
  {
    kind: 'irq-unsafe-order',
    re: /^(?:WARNING: |\[ INFO: )(HARDIRQ|SOFTIRQ|HARDIRQ-READ|SOFTIRQ-READ)-safe -> \1-unsafe lock order detected(?: \])?$/,
  },
  { kind: 'irq-inversion', re: warningOrInfo(TITLE.irqInversion) },
  {
    kind: 'sleeping-in-atomic',
    re: new RegExp(`^${literal(TITLE.sleeping)}(?: at .*)?$`),
  },
  { kind: 'scheduling-while-atomic', re: new RegExp(`^${literal(TITLE.schedulingWhileAtomic)}:`) },
  // v4.15+ `WARNING: suspicious RCU usage`; before: `[ INFO: suspicious RCU usage. ]`
  {
    kind: 'suspicious-rcu-usage',
    re: new RegExp(`^(?:${literal(TITLE.suspiciousRcu)}|\\[ INFO: suspicious RCU usage\\. \\])$`),
  },
  {
    kind: 'bad-unlock-balance',
    re: warningOr(TITLE.badUnlock, ['[ BUG: ']),
  },
  { kind: 'max-lock-depth', re: lineRe(TITLE.maxLockDepth) },
  {
    kind: 'lock-held-at-exit',
    re: /^(?:WARNING: |\[ BUG: |BUG: )(?:\S.*\/\d+ still has locks held!|lock held when returning to user space!)(?: \])?$/,
  },
  { kind: 'held-lock-freed', re: warningOr(TITLE.heldLockFreed, ['[ BUG: ', 'BUG: ']) },
  {
    kind: 'nested-lock-not-taken',
    re: warningOr(TITLE.nestedNotTaken, ['[ BUG: ']),
  },
  {
    kind: 'lockdep-limit',
    re: /^(?:BUG: (?:MAX_LOCKDEP_(?:KEYS|ENTRIES|CHAINS|CHAIN_HLOCKS)|MAX_STACK_TRACE_ENTRIES) too low!|BUG: looking up invalid subclass: \d+|lockdep bfs error:\s*-?\d+)$/,
  },
  { kind: 'debug-locks-warning', re: /^DEBUG_LOCKS_WARN_ON\(.*\)$/ },
  // WARN_ONCE()s outside lockdep that the model raises, known by their message
  {
    kind: 'kernel-warning',
    re: /^Voluntary context switch within RCU read-side critical section!$/,
  },
];

// Lockdep banners this parser does not read: reported rather than skipped, so an
// input is never silently "clean".
const OTHER_BANNER =
  /^(?:WARNING: |\[ BUG: |\[ INFO: |BUG: )(?:bad contention detected!|Unsafe rcu_dereference_check\(\) usage!|MAX_\w+ too low!)/;

// Other kernel reports end the one before them (their lines are not its backtrace) but
// are not lock reports: WARN(), oopses, KASAN, hung tasks, RCU stalls.
const OTHER_REPORT =
  /^(?:-+\[ cut here \]-+|WARNING: CPU: \d+ PID: \d+|WARNING: \S+:\d+ at \S+, CPU#\d+:|---\[ end trace|Oops[: ]|BUG: (?:KASAN|KCSAN|unable to handle|kernel NULL pointer|Bad page|workqueue lockup|soft lockup)|Kernel panic|general protection fault|INFO: task \S.* blocked for more than|rcu: INFO: |INFO: rcu_\w+ detected stalls|UBSAN: |Unable to handle kernel)/;

function titleOf(text: string): TitleRule | null {
  const t = text.trim();
  for (const r of TITLES) if (r.re.test(t)) return r;
  return null;
}

// -------------------------------------------------------------------------------------
// Line shapes

const HEX = /^(?:0x)?[0-9a-f]{6,16}$/i;

/**
 * Parse ` (name){usage}-{o:i}` starting at `s[from]` (which must be `(`). Names nest
 * parentheses: `((wq_completion)events)`, `(&(&zone->lock)->rlock)`.
 */
function parseClassAt(s: string, from: number): { cls: ParsedClass; end: number } | null {
  if (s[from] !== '(') return null;
  let depth = 0;
  let i = from;
  // The name ends at the `)` that balances the opening one and is followed by `{`
  // (usage) or the end of a class printed without usage (`(name)` in chain lines).
  for (; i < s.length; i++) {
    const c = s[i];
    if (c === '(') depth++;
    else if (c === ')') {
      depth--;
      if (depth === 0 && (s[i + 1] === '{' || i + 1 === s.length || /[\s,:]/.test(s[i + 1]))) break;
    }
  }
  if (i >= s.length) return null;
  const name = s.slice(from + 1, i);
  if (name.length === 0) return null;
  let j = i + 1;
  let usage: string | null = null;
  let outer: number | null = null;
  let inner: number | null = null;
  const u = /^\{([.+\-?]{2,8})\}/.exec(s.slice(j));
  if (u) {
    usage = u[1];
    j += u[0].length;
  }
  const w = /^-\{(\d):(\d)\}/.exec(s.slice(j));
  if (w) {
    outer = Number(w[1]);
    inner = Number(w[2]);
    j += w[0].length;
  }
  return { cls: { name, usage, outer, inner }, end: j };
}

/** Parse a whole lock line; `null` if it is not one. */
export function parseLockLine(text: string, line: number): ParsedLock | null {
  let s = text.trim();
  const idx = /^#\d+:\s*/.exec(s);
  if (idx) s = s.slice(idx[0].length);
  let address: string | null = null;
  const a = /^(\S+)\s+\(/.exec(s);
  if (a && (HEX.test(a[1]) || a[1] === '(____ptrval____)')) {
    address = a[1];
    s = s.slice(a[1].length).trimStart();
  }
  const c = parseClassAt(s, 0);
  if (!c) return null;
  const rest = s.slice(c.end);
  let at: string | null = null;
  const m = /^,\s*at:(.*)$/.exec(rest);
  if (m) {
    // Old kernels print `[<ffffffff81234567>] func+0x1/0x2`.
    at =
      m[1]
        .trim()
        .replace(/^\[<[0-9a-f]+>\]/i, '')
        .trim() || null;
  } else if (rest.trim() !== '' && rest.trim() !== ':' && rest.trim() !== ',') return null;
  if (c.cls.usage === null && c.cls.inner === null && at === null) return null;
  return { ...c.cls, address, at, sites: at === null ? [] : [at], line };
}

/** `name+0x1f/0x40 [module]` → `name+0x1f/0x40`; `[<addr>] name` and `? name` handled. */
function frameName(s: string): string {
  const t = s
    .trim()
    .replace(/^\[<[0-9a-f]+>\]\s*/i, '')
    .replace(/^\?\s*/, '');
  return dropSuffix(t, /\s\[[\w-]+\]$/).trim();
}

/**
 * `t` without the suffix `re` matches (a pattern that starts with one fixed character
 * class and ends at `$`), and without the spaces before it. A `\s+` at the start of such
 * a pattern would rescan every run of spaces from each of its positions: quadratic.
 */
function dropSuffix(t: string, re: RegExp): string {
  const m = re.exec(t);
  return m ? t.slice(0, m.index).trimEnd() : t;
}

/**
 * One backtrace line → the function (with offset when printed), or null when the line
 * is not a frame (an unrelated log line printed in the middle of the trace). Reads
 * x86 (`func+0x1/0x2 [mod]`, `? func`), syzbot (`func+0x1/0x2 file.c:12`, `func
 * file.h:3 [inline]`), decode_stacktrace.sh (`func (file.c:12)`), arm64 (`func+0x1/0x2
 * (C)`) and arm32 (`[<c01>] (func) from [<c02>] (caller+0x1/0x2)`).
 */
export function parseFrame(line: string): string | null {
  let t = line.trim();
  const arm = /^\[<[0-9a-f]+>\]\s+\(([^)\s]+)\)\s+from\s+\[<[0-9a-f]+>\]/i.exec(t);
  if (arm) return arm[1];
  t = t.replace(/^\[<[0-9a-f]+>\]\s*/i, '').replace(/^\?\s+/, '');
  t = dropSuffix(dropSuffix(t, /\s\((?:[CPL]|discriminator \d+)\)$/), /\s\[[\w-]+\]$/);
  const m = /^([\w.$]+)(\+0x[0-9a-f]+\/0x[0-9a-f]+)?(?:\s(.*))?$/.exec(t);
  if (!m) return null;
  const rest = (m[3] ?? '').trim();
  // Without an offset, a frame is only recognised by what follows it: a source location.
  if (!m[2] && !/^\S*\.[chS]:\d+/.test(rest) && !/^\S+\.[chS]:-?\d+/.test(rest)) return null;
  if (rest !== '' && !/^\S*\.[chS]:-?\d+|^\[[\w-]+\]/.test(rest)) return null;
  return m[1] + (m[2] ?? '');
}

const IRQ_STATE = /\[HC(\d+)\[(\d+)\]:SC(\d+)\[(\d+)\]:HE(\d+):SE(\d+)\]/;

function parseIrqState(s: string): ParsedIrqState | null {
  const m = IRQ_STATE.exec(s);
  if (!m) return null;
  return {
    hardirqContext: Number(m[1]),
    hardirqCount: Number(m[2]),
    softirqContext: Number(m[3]),
    softirqCount: Number(m[4]),
    hardirqsEnabled: m[5] === '1',
    softirqsEnabled: m[6] === '1',
  };
}

function preemptHint(rest: string): KernelIdent['preemptHint'] {
  if (/PREEMPT_RT|PREEMPT_\{RT/.test(rest)) return 'rt';
  const m = /PREEMPT\((none|voluntary|full|lazy)\)/.exec(rest);
  if (m) return m[1] as 'none' | 'voluntary' | 'full' | 'lazy';
  if (/\d-rt\d*\b/.test(rest)) return 'rt';
  return null;
}

// -------------------------------------------------------------------------------------
// The cursor over one report's lines

class Failure extends Error {
  constructor(
    readonly line: LogLine,
    message: string,
  ) {
    super(message);
  }
}

class Cursor {
  i: number;
  constructor(
    readonly lines: readonly LogLine[],
    readonly start: number,
    readonly end: number,
  ) {
    this.i = start;
  }

  /** The line at i (or the last line of the report when past its end). */
  here(): LogLine {
    return this.lines[Math.min(this.i, this.end - 1)];
  }

  /**
   * Find the next line (from i) matching `re`, trying each line alone and then joined
   * with up to two following lines (mail clients wrap long lines at spaces).
   */
  find(re: RegExp, limit = this.end): { m: RegExpExecArray; line: LogLine } | null {
    // Whole lines first: joining is only for lines a mail client wrapped, and a joined
    // window could otherwise swallow the lines before the one we want.
    for (const joins of [1, 3]) {
      for (let k = this.i; k < limit; k++) {
        const r = this.matchAt(k, re, joins);
        if (r) return r;
      }
    }
    return null;
  }

  matchAt(k: number, re: RegExp, joins = 3): { m: RegExpExecArray; line: LogLine } | null {
    let joined = '';
    for (let n = 0; n < joins && k + n < this.end; n++) {
      const t = this.lines[k + n].text.trim();
      if (n > 0 && (t === '' || titleOf(t))) break;
      joined = n === 0 ? t : `${joined} ${t}`;
      const m = re.exec(joined);
      if (m) {
        this.i = k + n + 1;
        return { m, line: this.lines[k] };
      }
    }
    return null;
  }

  require(re: RegExp, what: string, limit?: number): RegExpExecArray {
    const r = this.find(re, limit);
    if (!r) throw new Failure(this.here(), `expected ${what}`);
    return r.m;
  }

  /** The next non-empty line must be a lock line (joined with wrapped continuations). */
  lock(what: string): ParsedLock {
    while (this.i < this.end && this.lines[this.i].text.trim() === '') this.i++;
    if (this.i >= this.end)
      throw new Failure(this.here(), `expected ${what}, found the end of the report`);
    const first = this.lines[this.i];
    const idx = /^#(\d+):/.exec(first.text.trim());
    let joined = '';
    let best: ParsedLock | null = null;
    let used = 0;
    for (let n = 0; n < 3 && this.i + n < this.end; n++) {
      const t = this.lines[this.i + n].text.trim();
      if (
        n > 0 &&
        (t === '' ||
          /^#\d+:/.test(t) ||
          titleOf(t) ||
          /^(?:other info|but |which |stack backtrace|\d+ locks? held|no locks held)/.test(t))
      )
        break;
      joined = n === 0 ? t : `${joined} ${t}`;
      const l = parseLockLine(joined, first.line);
      if (l) {
        best = l;
        used = n + 1;
        if (l.at !== null) break;
      }
    }
    if (!best)
      throw new Failure(
        first,
        `expected ${what} as \`<address> (<name>){<usage>}-{<outer>:<inner>}, at: <site>\``,
      );
    this.i += used;
    return this.absorb(best, idx ? Number(idx[1]) : null);
  }

  /**
   * Kernels with inlined-frame symbolisation (syzbot) print a lock once per inline
   * level: the same `#N:`, address and name, one site each. Mail clients using
   * format=flowed wrap `at: spin_lock_bh  ` / `/./include/linux/spinlock.h:343 [inline]`.
   * Fold both into the one lock, keeping every site and the last (real) one as `at`.
   */
  private absorb(l: ParsedLock, index: number | null): ParsedLock {
    const sites = [...l.sites];
    let at = l.at;
    const more = (): void => {
      // a cut-off site: the next line carries its source location
      while (this.i < this.end && at !== null && !/\+0x[0-9a-f]+/.test(at)) {
        const t = this.lines[this.i].text.trim();
        if (
          !/^\S*\.[chS]:\d+(?:\s+\[inline\])?$/.test(t) &&
          !/^[\w.$]+\+0x[0-9a-f]+\/0x[0-9a-f]+(?:\s|$)/.test(t)
        )
          break;
        at = `${at} ${t}`;
        sites[sites.length - 1] = at;
        this.i++;
      }
    };
    more();
    for (;;) {
      if (this.i >= this.end) break;
      const t = this.lines[this.i].text.trim();
      const ix = /^#(\d+):/.exec(t);
      // syzbot prints `#0: ` alone on a line before the first inline frame: the lines
      // after it carry no index, only the same address and name (checked below)
      if (index !== null ? ix !== null && Number(ix[1]) !== index : ix !== null) break;
      let joined = t;
      let dup: ParsedLock | null = null;
      let used = 0;
      for (let n = 0; n < 3 && this.i + n < this.end; n++) {
        if (n > 0) {
          const u = this.lines[this.i + n].text.trim();
          if (u === '' || /^#\d+:/.test(u) || titleOf(u)) break;
          joined = `${joined} ${u}`;
        }
        const p = parseLockLine(joined, this.lines[this.i].line);
        if (p) {
          dup = p;
          used = n + 1;
          if (p.at !== null) break;
        }
      }
      if (
        !dup ||
        dup.name !== l.name ||
        (dup.address !== l.address && dup.address !== null && l.address !== null)
      )
        break;
      this.i += used;
      if (dup.at !== null) {
        sites.push(dup.at);
        at = dup.at;
      }
      more();
    }
    return sites.length === l.sites.length && at === l.at ? l : { ...l, at, sites };
  }

  /** A class line (` (name){usage}-{o:i}`), joined with wrapped continuations. */
  cls(what: string): ParsedClass {
    while (this.i < this.end && this.lines[this.i].text.trim() === '') this.i++;
    const first = this.here();
    let joined = '';
    for (let n = 0; n < 2 && this.i + n < this.end; n++) {
      const t = this.lines[this.i + n].text.trim();
      joined = n === 0 ? t : `${joined} ${t}`;
      const c = parseClassAt(joined, 0);
      if (c && joined.slice(c.end).trim() === '') {
        this.i += n + 1;
        return c.cls;
      }
    }
    throw new Failure(first, `expected ${what} as \`(<name>){<usage>}-{<outer>:<inner>}\``);
  }
}

// -------------------------------------------------------------------------------------
// Pieces shared by several reports

const HELD_HEADER = /^(?:(\d+) locks? held by (.+)\/(\d+):|no locks held by (.+)\/(\d+)\.)$/;
/** The same header, for the task it names. */
const HELD_BY = /^(?:\d+ locks? held by (.+)\/(\d+):|no locks held by (.+)\/(\d+)\.)$/;

interface HeldBlock {
  readonly held: ParsedLock[] | null;
  readonly declared: number | null;
}

/**
 * lockdep_print_held_locks(). The header announces N locks; the lines that follow may be
 * fewer: a task that is running when another prints its locks gets only the header,
 * and a log cut short loses the tail. What is there is returned, with the count
 * announced, so the gap can be named. Lines that are not `#k:` lock lines end the block.
 */
function heldBlock(c: Cursor, limit: number): HeldBlock {
  const save = c.i;
  const r = c.find(HELD_HEADER, limit);
  if (!r) {
    c.i = save;
    return { held: null, declared: null };
  }
  if (r.m[4] !== undefined) return { held: [], declared: 0 };
  const n = Number(r.m[1]);
  const out: ParsedLock[] = [];
  for (let k = 0; k < n; k++) {
    let j = c.i;
    while (j < c.end && c.lines[j].text.trim() === '') j++;
    if (j >= c.end || !/^#\d+:/.test(c.lines[j].text.trim())) break;
    out.push(c.lock(`held lock #${k} of ${n}`));
  }
  return { held: out, declared: n };
}

function lockdepOff(c: Cursor): boolean {
  return findLine(c, lineRe(LINE.lockdepTurnedOff), c.start) >= 0;
}

interface Trailer {
  readonly cpu: number | null;
  readonly identFromCpuLine: Partial<KernelIdent>;
  readonly backtrace: string[];
}

/** dump_stack(): `CPU: ... Comm: ...` and `Call Trace:` frames. */
function trailer(lines: readonly LogLine[], from: number, end: number): Trailer {
  let cpu: number | null = null;
  const ident: {
    release?: string;
    version?: string;
    tainted?: string;
    preemptHint?: KernelIdent['preemptHint'];
  } = {};
  const backtrace: string[] = [];
  let inTrace = false;
  for (let k = from; k < end; k++) {
    const t = lines[k].text.trim();
    const m = /^CPU: (\d+) (?:UID: \d+ )?PID: \d+ Comm: \S+(?: (.*))?$/.exec(t);
    if (m && cpu === null) {
      cpu = Number(m[1]);
      const rest = m[2] ?? '';
      Object.assign(ident, kernelIdentOf(rest));
      ident.preemptHint = preemptHint(rest);
      continue;
    }
    // arm32 prints no heading: its `[<addr>] (func) from [<addr>] (caller)` lines start the trace
    if (
      /^Call [Tt]race:$/.test(t) ||
      (!inTrace && backtrace.length === 0 && /^\[<[0-9a-f]+>\]\s+\(\S+\)\s+from\s/i.test(t))
    ) {
      inTrace = true;
      if (/^Call/.test(t)) continue;
    }
    if (!inTrace) continue;
    if (/^<\/?(?:IRQ|SOFTIRQ|NMI|TASK)>$/.test(t)) {
      if (!t.startsWith('</')) backtrace.push(t);
      continue;
    }
    if (t === '') continue;
    if (
      /^(?:RIP|RSP|RAX|RDX|RBP|R\d+|Code|---\[|Exception stack|irq event stamp|Modules linked in)/.test(
        t,
      )
    ) {
      if (backtrace.length) inTrace = false;
      continue;
    }
    // other log lines interleave with the trace on a busy console: skipped, not frames
    const f = parseFrame(t);
    if (f !== null) backtrace.push(f);
  }
  return { cpu, identFromCpuLine: ident, backtrace };
}

/**
 * `Not tainted 6.9.0 #1 ...` / `Tainted: G        W  OE 6.11.0 #28 ...` after dump_stack()'s
 * `Comm:`. Taint flags are capitals between single or repeated spaces: each run of spaces
 * is read once, so a line of spaces costs linear time.
 */
export function kernelIdentOf(
  rest: string,
): Partial<Pick<KernelIdent, 'tainted' | 'release' | 'version'>> {
  const id = /^(Not tainted|Tainted:(?: +[A-Z]+)+) +(\S+) +(#\S+)/.exec(rest);
  return id ? { tainted: id[1].trim(), release: id[2], version: id[3] } : {};
}

function identLine(c: Cursor): Partial<KernelIdent> {
  // print_kernel_ident(): `<release> <version> <taint>` right under the title.
  for (let k = c.start + 1; k < Math.min(c.start + 3, c.end); k++) {
    const m = /^(\S+) (#\S+) (Not tainted|Tainted: .*)$/.exec(c.lines[k].text.trim());
    if (m)
      return { release: m[1], version: m[2], tainted: m[3].trim(), preemptHint: preemptHint(m[1]) };
  }
  return {};
}

const WHO = '(\\S.*?)\\/(\\d+)';

function task(m: RegExpExecArray, at = 1): ParsedTask {
  return { comm: m[at], pid: Number(m[at + 1]) };
}

/** A class list printed by print_shortest_lock_dependencies(): `->(name){..}-{..} {`. */
function pathClasses(c: Cursor, limit: number): ParsedClass[] {
  const out: ParsedClass[] = [];
  for (let k = c.i; k < limit; k++) {
    const t = c.lines[k].text.trim();
    if (!t.startsWith('->')) continue;
    const p = parseClassAt(t.replace(/^->\s*/, ''), 0);
    if (p) out.push(p.cls);
  }
  return out;
}

// -------------------------------------------------------------------------------------
// One parser per report kind

/** The fields every report has and parseOne() fills in, whatever the kind. */
type Common =
  'kind' | 'title' | 'startLine' | 'endLine' | 'ident' | 'cpu' | 'backtrace' | 'lockdepOff';

/** What the parser of one kind reads: its report without the common fields. */
type BodyOf<R extends ParsedReport> = Omit<R, Common>;

/** The parser of one kind. */
type KindParser<K extends ReportKind> = (
  c: Cursor,
  title: string,
) => BodyOf<Extract<ParsedReport, { kind: K }>>;

function parseInvalidWaitContext(c: Cursor): BodyOf<ParsedInvalidWaitContext> {
  const w = c.require(lineRe(LINE.isTryingToLock, `${WHO} `), '"<comm>/<pid> is trying to lock:"');
  const lock = c.lock('the lock being acquired');
  // contextLine(): `context-{C:C}`
  const ctx = c.require(/^context-\{(\d):\d\}$/, '"context-{C:C}" (task_wait_context())');
  const hb = heldBlock(c, c.end);
  return { task: task(w), lock, context: Number(ctx[1]), held: hb.held, heldDeclared: hb.declared };
}

function parseTwoLocks(c: Cursor) {
  const w = c.require(
    lineRe(LINE.isTryingToAcquireLock, `${WHO} `),
    '"<comm>/<pid> is trying to acquire lock:"',
  );
  const lock = c.lock('the lock being acquired');
  c.require(lineRe(LINE.alreadyHoldingLock), `"${LINE.alreadyHoldingLock}"`);
  const prev = c.lock('the lock already held');
  return { task: task(w), lock, prev };
}

function parseCircular(c: Cursor): BodyOf<ParsedCircular> {
  const two = parseTwoLocks(c);
  c.require(lineRe(LINE.existingChain), `"${LINE.existingChain}"`);
  const chain: ParsedChainEntry[] = [];
  // The chain section runs from the heading to "other info that might help us debug this:".
  let k = c.i;
  const stop = c.find(lineRe(LINE.otherInfo));
  const other = stop ? c.i - 1 : c.end;
  let current: { depth: number; class: ParsedClass; trace: string[] } | null = null;
  for (; k < other; k++) {
    const t = c.lines[k].text.trim();
    const e = /^-> #(\d+)(\D.*)?$/.exec(t);
    if (e) {
      let rest = (e[2] ?? '').trim();
      // `-> #1 (name){..}-{..}:` may wrap after the number.
      if (rest === '' && k + 1 < other) rest = c.lines[++k].text.trim();
      const p = parseClassAt(rest.replace(/:$/, ''), 0);
      if (!p)
        throw new Failure(
          c.lines[k],
          'expected a dependency chain entry `-> #N (<name>){<usage}-{<outer>:<inner>}:`',
        );
      current = { depth: Number(e[1]), class: p.cls, trace: [] };
      chain.push(current);
      continue;
    }
    if (current && t !== '') current.trace.push(frameName(t));
  }
  if (chain.length === 0)
    throw new Failure(
      c.lines[Math.min(k, c.end - 1)],
      'expected at least one `-> #N` dependency chain entry',
    );
  // The unsafe scenario table says whether prev / next were readers.
  let prevRead = false;
  let lockRead = false;
  const sc = findLine(c, lineRe(LINE.unsafeScenario), other);
  if (sc >= 0) {
    const rows = c.lines
      .slice(sc + 1, c.end)
      .map((l) => l.text)
      .filter((t) => /^\s*(?:r?lock|sync)\(/.test(t));
    if (rows.length) {
      prevRead = /^\s*rlock\(/.test(rows[0]);
      lockRead = /^\s*rlock\(/.test(rows[rows.length - 1]);
    }
  }
  c.i = other;
  const hb = heldBlock(c, c.end);
  return {
    ...two,
    chain: chain.map((e) => ({ depth: e.depth, class: e.class, trace: e.trace })),
    prevRead,
    lockRead,
    held: hb.held,
    heldDeclared: hb.declared,
  };
}

function findLine(c: Cursor, re: RegExp, from: number): number {
  for (let k = Math.max(from, c.start); k < c.end; k++)
    if (re.test(c.lines[k].text.trim())) return k;
  return -1;
}

function parseRecursive(c: Cursor): BodyOf<ParsedRecursive> {
  const two = parseTwoLocks(c);
  const hb = heldBlock(c, c.end);
  return { ...two, held: hb.held, heldDeclared: hb.declared };
}

function parseInconsistent(c: Cursor): BodyOf<ParsedInconsistent> {
  const u = c.require(
    /^inconsistent \{([A-Z -]+)\} -> \{([A-Z -]+)\} usage\.$/,
    '"inconsistent {<old usage>} -> {<new usage>} usage."',
  );
  const w = c.require(
    new RegExp(`^${WHO} (\\[HC\\d+\\[\\d+\\]:SC\\d+\\[\\d+\\]:HE\\d:SE\\d\\]) takes:$`),
    '"<comm>/<pid> [HC..:SC..:HE.:SE.] takes:"',
  );
  const lock = c.lock('the lock whose usage changed');
  const hb = heldBlock(c, c.end);
  return {
    task: task(w),
    previousUsage: u[1],
    newUsage: u[2],
    irq: parseIrqState(w[3]),
    lock,
    held: hb.held,
    heldDeclared: hb.declared,
  };
}

function parseIrqUnsafeOrder(c: Cursor, state: string): BodyOf<ParsedIrqUnsafeOrder> {
  const w = c.require(
    new RegExp(
      `^${WHO} (\\[HC\\d+\\[\\d+\\]:SC\\d+\\[\\d+\\]:HE\\d:SE\\d\\]) is trying to acquire:$`,
    ),
    '"<comm>/<pid> [HC..:SC..:HE.:SE.] is trying to acquire:"',
  );
  const lock = c.lock('the lock being acquired');
  c.require(lineRe(LINE.andAlreadyHolding), `"${LINE.andAlreadyHolding}"`);
  const prev = c.lock('the lock already held');
  c.require(
    /^but this new dependency connects a \S+-irq-safe lock:$/,
    '"but this new dependency connects a <STATE>-irq-safe lock:"',
  );
  const safe = c.cls('the irq-safe lock class');
  c.require(/^to a \S+-irq-unsafe lock:$/, '"to a <STATE>-irq-unsafe lock:"');
  const unsafe = c.cls('the irq-unsafe lock class');
  const hb = heldBlock(c, c.end);
  const held = hb.held;
  const back = findLine(
    c,
    /^the dependencies between \S+-irq-safe lock and the holding lock:$/,
    c.i,
  );
  const fwd = findLine(c, /^the dependencies between the lock to be acquired/, c.i);
  const save = c.i;
  let backwardPath: ParsedClass[] = [];
  let forwardPath: ParsedClass[] = [];
  if (back >= 0) {
    c.i = back + 1;
    backwardPath = pathClasses(c, fwd >= 0 ? fwd : c.end);
  }
  if (fwd >= 0) {
    c.i = fwd + 1;
    const bt = findLine(c, lineRe(LINE.stackBacktrace), fwd);
    forwardPath = pathClasses(c, bt >= 0 ? bt : c.end);
  }
  c.i = save;
  return {
    task: task(w),
    irqState: state,
    irq: parseIrqState(w[3]),
    lock,
    prev,
    safe,
    unsafe,
    held,
    heldDeclared: hb.declared,
    backwardPath,
    forwardPath,
  };
}

function parseIrqInversion(c: Cursor): BodyOf<ParsedIrqInversion> {
  const w = c.require(
    lineRe(LINE.justChangedState, `${WHO} `),
    '"<comm>/<pid> just changed the state of lock:"',
  );
  const lock = c.lock('the lock whose state changed');
  const d = c.require(
    /^but this lock (took another, (\S+)-unsafe lock|was taken by another, (\S+)-safe lock) in the past:$/,
    '"but this lock took another, <STATE>-unsafe lock in the past:" or "... was taken by another, <STATE>-safe lock ..."',
  );
  const other = c.cls('the other lock class');
  const hb = heldBlock(c, c.end);
  const forwards = d[2] !== undefined;
  // v2.6 printed `soft-irq-safe` / `hard-irq-unsafe` where current kernels print SOFTIRQ / HARDIRQ.
  const raw = forwards ? d[2] : d[3];
  const irqState = /^soft-?irq/i.test(raw) ? 'SOFTIRQ' : /^hard-?irq/i.test(raw) ? 'HARDIRQ' : raw;
  // The irq state is not printed in this report; the scenario table has it implicitly.
  return {
    task: task(w),
    forwards,
    irqState,
    irq: null,
    lock,
    other,
    held: hb.held,
    heldDeclared: hb.declared,
  };
}

function parseSleeping(c: Cursor, title: string): BodyOf<ParsedSleeping> {
  let site = /at (\S+)$/.exec(title)?.[1] ?? null;
  if (!site) {
    // `... invalid context at` wrapped: the site is the next line.
    const s = c.require(/^(?:at )?(\S+:\d+)$/, 'the might_sleep() site `<file>:<line>`', c.i + 2);
    site = s[1];
  }
  const a = c.require(
    /^in_atomic\(\): (\d), irqs_disabled\(\): (\d), (?:non_block: (\d+), )?pid: (\d+), name: (.+)$/,
    '"in_atomic(): N, irqs_disabled(): N, non_block: N, pid: N, name: <comm>"',
  );
  const pcm = c.find(
    /^preempt_count: ([0-9a-f]+), expected: ([0-9a-f]+)$/i,
    Math.min(c.end, c.i + 4),
  );
  const rcu = c.find(/^RCU nest depth: (\d+), expected: (\d+)$/, Math.min(c.end, c.i + 4));
  const hb = heldBlock(c, c.end);
  const pd = findLine(c, lineRe(LINE.preemptionDisabledAt), c.start);
  const preemptDisabledAt = pd >= 0 && pd + 1 < c.end ? frameName(c.lines[pd + 1].text) : null;
  const inAtomic = a[1] === '1';
  return {
    task: { comm: a[5].trim(), pid: Number(a[4]) },
    site,
    inAtomic,
    irqsDisabled: a[2] === '1',
    nonBlock: a[3] === undefined ? 0 : Number(a[3]),
    // Kernels before v5.16 did not print preempt_count; in_atomic() is all we know then.
    preemptCount: pcm ? parseInt(pcm.m[1], 16) : inAtomic ? 1 : 0,
    expectedPreemptCount: pcm ? parseInt(pcm.m[2], 16) : 0,
    rcuDepth: rcu ? Number(rcu.m[1]) : null,
    expectedRcuDepth: rcu ? Number(rcu.m[2]) : null,
    preemptDisabledAt,
    held: hb.held,
    heldDeclared: hb.declared,
  };
}

function parseSchedulingWhileAtomic(c: Cursor, title: string): BodyOf<ParsedSchedulingWhileAtomic> {
  let m = new RegExp(`^BUG: scheduling while atomic: ${WHO}\\/0x([0-9a-f]+)$`, 'i').exec(
    title.trim(),
  );
  // Before v2.6.22 the count came before the pid: `comm/0x%08x/pid`.
  const old = m
    ? null
    : /^BUG: scheduling while atomic: (\S.*?)\/0x([0-9a-f]+)\/(\d+)$/i.exec(title.trim());
  if (old) m = [old[0], old[1], old[3], old[2]] as unknown as RegExpExecArray;
  if (!m)
    throw new Failure(
      c.lines[c.start],
      'expected "BUG: scheduling while atomic: <comm>/<pid>/0x<preempt_count>"',
    );
  c.i = c.start + 1;
  const hb = heldBlock(c, c.end);
  // print_irqtrace_events() comes before dump_stack(); a stamp after it belongs to another report
  const cpuLine = findLine(c, /^CPU: \d+ /, c.start);
  const stamp = findLine(c, /^irq event stamp:/, c.start);
  const pd = findLine(c, lineRe(LINE.preemptionDisabledAt), c.start);
  return {
    task: task(m),
    heldDeclared: hb.declared,
    preemptCount: parseInt(m[3], 16),
    // __schedule_bug() prints the irq event stamps only when irqs_disabled().
    irqsDisabled: stamp >= 0 && (cpuLine < 0 || stamp < cpuLine),
    preemptDisabledAt: pd >= 0 && pd + 1 < c.end ? frameName(c.lines[pd + 1].text) : null,
    held: hb.held,
  };
}

/** The task a report names only in its held-lock header or its dump_stack() line. */
function taskFrom(c: Cursor): ParsedTask | null {
  for (let k = c.start; k < c.end; k++) {
    const t = c.lines[k].text.trim();
    const h = HELD_BY.exec(t);
    if (h)
      return h[1] !== undefined
        ? { comm: h[1], pid: Number(h[2]) }
        : { comm: h[3], pid: Number(h[4]) };
    const d = /^CPU: \d+ (?:UID: \d+ )?PID: (\d+) Comm: (\S+)/.exec(t);
    if (d) return { comm: d[2], pid: Number(d[1]) };
  }
  return null;
}

function parseSuspiciousRcu(c: Cursor): BodyOf<ParsedSuspiciousRcu> {
  // "%s:%d %s!\n": the site and the message; the message may be wrapped by a mail client
  const other = findLine(c, lineRe(LINE.otherInfo), c.i);
  const limit = other >= 0 ? other : Math.min(c.end, c.i + 6);
  const m = c.require(
    /^(\S+:\d+) (.+)!$/,
    'the RCU_LOCKDEP_WARN() line `<file>:<line> <message>!`',
    limit,
  );
  const s = c.find(
    /^(?:RCU used illegally from offline CPU! )?rcu_scheduler_active = (\d+), debug_locks = (\d+)$/,
    Math.min(c.end, c.i + 8),
  );
  const has = (re: RegExp): boolean => findLine(c, re, c.start) >= 0;
  const hb = heldBlock(c, c.end);
  return {
    task: taskFrom(c),
    site: m[1],
    message: m[2],
    rcuSchedulerActive: s ? Number(s.m[1]) : null,
    debugLocks: s ? s.m[2] !== '0' : null,
    falsePositiveNote: has(lineRe(LINE.falsePositive)),
    offlineCpu: has(/^RCU used illegally from offline CPU!/),
    extendedQs: has(/^RCU used illegally from extended quiescent state!$/),
    held: hb.held,
    heldDeclared: hb.declared,
  };
}

function parseBadUnlock(c: Cursor): BodyOf<ParsedBadUnlock> {
  const w = c.require(
    new RegExp(`^${WHO} is trying to release lock \\((.*)\\) at:$`),
    '"<comm>/<pid> is trying to release lock (<name>) at:"',
  );
  // print_ip_sym(): `[<address>] site`; syzbot prints one line per inlined frame, the real one last
  let at: string | null = null;
  const but = findLine(c, lineRe(LINE.noMoreLocks), c.i);
  for (let k = c.i; k < (but >= 0 ? but : Math.min(c.end, c.i + 4)); k++) {
    const t = c.lines[k].text.trim();
    const f = /^\[<[0-9a-f]+>\](.+)$/i.exec(t);
    if (f) at = f[1].trim();
    else if (at !== null && /^\S+\.[chS]:\d+/.test(t)) at = `${at} ${t}`;
  }
  if (but >= 0) c.i = but + 1;
  const hb = heldBlock(c, c.end);
  return { task: task(w), lockName: w[3], at, held: hb.held, heldDeclared: hb.declared };
}

function parseMaxLockDepth(c: Cursor): BodyOf<ParsedMaxLockDepth> {
  const d = c.find(/^depth: (\d+)\s+max: (\d+)!$/, Math.min(c.end, c.i + 4));
  // debug_show_all_locks() follows with every task's locks: the first block is the current task's
  const hb = heldBlock(c, c.end);
  return {
    task: taskFrom(c),
    depth: d ? Number(d.m[1]) : null,
    max: d ? Number(d.m[2]) : null,
    held: hb.held,
    heldDeclared: hb.declared,
  };
}

function parseHeldAtExit(c: Cursor, title: string): BodyOf<ParsedHeldAtExit> {
  const w = new RegExp(`^(?:WARNING: |\\[ BUG: |BUG: )${WHO} still has locks held!`).exec(
    title.trim(),
  );
  let t: ParsedTask | null = w ? task(w) : null;
  if (!w) {
    const l = c.find(
      new RegExp(`^${WHO} is leaving the kernel with locks still held!$`),
      Math.min(c.end, c.i + 5),
    );
    if (l) t = task(l.m);
  }
  const hb = heldBlock(c, c.end);
  return { task: t ?? taskFrom(c), returningToUser: !w, held: hb.held, heldDeclared: hb.declared };
}

function parseHeldLockFreed(c: Cursor): BodyOf<ParsedHeldLockFreed> {
  const w = c.require(
    new RegExp(`^${WHO} is freeing memory ([^\\s-]+)-([^\\s,]+), with a lock still held there!$`),
    '"<comm>/<pid> is freeing memory <from>-<to>, with a lock still held there!"',
  );
  const lock = c.lock('the held lock in the freed memory');
  const hb = heldBlock(c, c.end);
  return {
    task: task(w),
    lock,
    range: { from: w[3], to: w[4] },
    held: hb.held,
    heldDeclared: hb.declared,
  };
}

function parseNestedLockNotTaken(c: Cursor): BodyOf<ParsedNestedLockNotTaken> {
  const w = c.require(lineRe(LINE.isTryingToLock, `${WHO} `), '"<comm>/<pid> is trying to lock:"');
  const lock = c.lock('the lock being acquired');
  c.require(lineRe(LINE.notHolding), `"${LINE.notHolding}"`);
  while (c.i < c.end && c.lines[c.i].text.trim() === '') c.i++;
  if (c.i >= c.end)
    throw new Failure(c.here(), 'expected the name of the nest lock, found the end of the report');
  const nestLock = c.lines[c.i].text.trim();
  c.i++;
  const hb = heldBlock(c, c.end);
  return { task: task(w), lock, nestLock, held: hb.held, heldDeclared: hb.declared };
}

function parseLockdepLimit(c: Cursor, title: string): BodyOf<ParsedLockdepLimit> {
  const t = title.trim();
  const m = /^BUG: (MAX_\w+) too low!$/.exec(t);
  const sub = /^BUG: looking up invalid subclass: (\d+)$/.exec(t);
  const limit: ParsedLimit = m
    ? (m[1] as ParsedLimit)
    : sub
      ? 'MAX_LOCKDEP_SUBCLASSES'
      : 'BFS_QUEUE';
  const hb = heldBlock(c, c.end);
  return {
    task: taskFrom(c),
    limit,
    message: t,
    subclass: sub ? Number(sub[1]) : null,
    held: hb.held,
    heldDeclared: hb.declared,
  };
}

/**
 * __warn()'s line after a WARN() message: `WARNING: CPU: 0 PID: 1 at kernel/sched/core.c:5889
 * preempt_count_sub+0x90/0xd4` (v6.19+: `WARNING: kernel/sched/core.c:5889 at
 * preempt_count_sub+0x90/0xd4, CPU#4: mount/258`), within the next few lines.
 */
function warnLine(c: Cursor): {
  where: string | null;
  file: string | null;
  task: ParsedTask | null;
} {
  const old = c.find(/^WARNING: CPU: \d+ PID: (\d+) at (.*)$/, Math.min(c.end, c.i + 4));
  if (old) {
    const parts = old.m[2].trim().split(/\s+/);
    const fn = parts[parts.length - 1];
    return {
      file: parts.length > 1 && /:\d+$/.test(parts[0]) ? parts[0] : null,
      where: fn.replace(/^\./, '').replace(/\+0x[0-9a-f]+\/0x[0-9a-f]+$/, ''),
      task: null,
    };
  }
  const neu = c.find(
    /^WARNING: (\S+:\d+) at (\S+?)(?:\+0x[0-9a-f]+\/0x[0-9a-f]+)?, CPU#\d+: (\S.*?)\/(\d+)$/,
    Math.min(c.end, c.i + 4),
  );
  if (neu)
    return {
      file: neu.m[1],
      where: neu.m[2].replace(/^\./, ''),
      task: { comm: neu.m[3], pid: Number(neu.m[4]) },
    };
  return { where: null, file: null, task: null };
}

function parseDebugLocksWarning(c: Cursor, title: string): BodyOf<ParsedDebugLocksWarning> {
  const condition = /^DEBUG_LOCKS_WARN_ON\((.*)\)$/.exec(title.trim())?.[1] ?? '';
  const w = warnLine(c);
  const hb = heldBlock(c, c.end);
  return {
    task: w.task ?? taskFrom(c),
    condition,
    where: w.where,
    file: w.file,
    held: hb.held,
    heldDeclared: hb.declared,
  };
}

function parseKernelWarning(c: Cursor, title: string): BodyOf<ParsedKernelWarning> {
  const w = warnLine(c);
  const hb = heldBlock(c, c.end);
  return {
    task: w.task ?? taskFrom(c),
    message: title.trim(),
    where: w.where,
    file: w.file,
    held: hb.held,
    heldDeclared: hb.declared,
  };
}

/** One parser per report kind, each with the report type it reads. */
const PARSERS: { readonly [K in ReportKind]: KindParser<K> } = {
  'invalid-wait-context': (c) => parseInvalidWaitContext(c),
  'circular-dependency': (c) => parseCircular(c),
  'recursive-locking': (c) => parseRecursive(c),
  'inconsistent-lock-state': (c) => parseInconsistent(c),
  'irq-unsafe-order': (c, title) =>
    parseIrqUnsafeOrder(c, /((?:HARD|SOFT)IRQ(?:-READ)?)-safe ->/.exec(title)?.[1] ?? 'HARDIRQ'),
  'irq-inversion': (c) => parseIrqInversion(c),
  'sleeping-in-atomic': parseSleeping,
  'scheduling-while-atomic': parseSchedulingWhileAtomic,
  'suspicious-rcu-usage': (c) => parseSuspiciousRcu(c),
  'bad-unlock-balance': (c) => parseBadUnlock(c),
  'max-lock-depth': (c) => parseMaxLockDepth(c),
  'lock-held-at-exit': parseHeldAtExit,
  'held-lock-freed': (c) => parseHeldLockFreed(c),
  'nested-lock-not-taken': (c) => parseNestedLockNotTaken(c),
  'lockdep-limit': parseLockdepLimit,
  'debug-locks-warning': parseDebugLocksWarning,
  'kernel-warning': parseKernelWarning,
};

/** A kind's body with the common fields: the one place the kind and its body are joined. */
function assemble<K extends ReportKind>(
  kind: K,
  body: BodyOf<Extract<ParsedReport, { kind: K }>>,
  common: Omit<Pick<ParsedBase, Common>, 'kind'>,
): ParsedReport {
  return { ...body, ...common, kind } as Extract<ParsedReport, { kind: K }>;
}

function parseKind<K extends ReportKind>(
  kind: K,
  c: Cursor,
  title: string,
  common: () => Omit<Pick<ParsedBase, Common>, 'kind'>,
): ParsedReport {
  const body = PARSERS[kind](c, title);
  return assemble(kind, body, common());
}

// -------------------------------------------------------------------------------------
// Entry points

/**
 * WARN() prints its message (DEBUG_LOCKS_WARN_ON(...), "lockdep bfs error:-1") and then
 * __warn()'s `WARNING: CPU: ...` line: that line belongs to the report the message started.
 */
function ownWarnLine(
  last: { at: number; rule: TitleRule | null } | undefined,
  k: number,
  t: string,
): boolean {
  if (!last || !last.rule || k - last.at > 3) return false;
  if (
    last.rule.kind !== 'debug-locks-warning' &&
    last.rule.kind !== 'lockdep-limit' &&
    last.rule.kind !== 'kernel-warning'
  )
    return false;
  return /^WARNING: (?:CPU: \d+ PID: \d+|\S+:\d+ at )/.test(t);
}

/**
 * Parse every report in `text`. Reports are delimited by their title lines; each one is
 * parsed on its own, so one unreadable report does not hide the others.
 */
export function parseReports(text: string): ParseResult {
  const lines = cleanLines(text);
  const starts: { at: number; rule: TitleRule | null; stop?: boolean }[] = [];
  for (let k = 0; k < lines.length; k++) {
    const t = lines[k].text.trim();
    const rule = titleOf(t);
    if (rule) starts.push({ at: k, rule });
    else if (OTHER_BANNER.test(t)) starts.push({ at: k, rule: null });
    else if (OTHER_REPORT.test(t) && !ownWarnLine(starts[starts.length - 1], k, t))
      starts.push({ at: k, rule: null, stop: true });
  }
  const reports: (ParsedReport | ReportParseError)[] = [];
  starts.forEach((s, n) => {
    if (s.stop) return;
    const end = n + 1 < starts.length ? starts[n + 1].at : lines.length;
    // The `====` row above a title belongs to the next report, not this one.
    let stop = end;
    while (stop > s.at + 1 && /^=*$/.test(lines[stop - 1].text.trim())) stop--;
    const title = lines[s.at].text.trim();
    if (!s.rule) {
      reports.push({
        kind: null,
        title,
        line: lines[s.at].line,
        text: title,
        message: `unsupported report kind: "${title}" (explain reads: ${REPORT_KINDS.join(', ')})`,
      });
      return;
    }
    reports.push(parseOne(s.rule.kind, lines, s.at, stop, title));
  });
  return { reports };
}

function parseOne(
  kind: ReportKind,
  lines: readonly LogLine[],
  start: number,
  end: number,
  title: string,
): ParsedReport | ReportParseError {
  const c = new Cursor(lines, start, end);
  c.i = start + 1;
  try {
    return parseKind(kind, c, title, () => {
      const bt = findLine(c, /^(?:stack backtrace:|CPU: \d+ )/, start);
      const tr = trailer(lines, bt >= 0 ? bt : end, end);
      const id = identLine(c);
      return {
        lockdepOff: lockdepOff(c),
        title,
        startLine: lines[start].line,
        endLine: lines[end - 1].line,
        ident: {
          release: id.release ?? tr.identFromCpuLine.release ?? null,
          version: id.version ?? tr.identFromCpuLine.version ?? null,
          tainted: id.tainted ?? tr.identFromCpuLine.tainted ?? null,
          preemptHint: tr.identFromCpuLine.preemptHint ?? id.preemptHint ?? null,
        },
        cpu: tr.cpu,
        backtrace: tr.backtrace,
      };
    });
  } catch (e) {
    if (e instanceof Failure)
      return { kind, title, line: e.line.line, text: e.line.text, message: e.message };
    throw e;
  }
}
