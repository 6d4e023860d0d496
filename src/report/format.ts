/**
 * Kernel-style text for violations, laid out line for line like the kernel's printk
 * output (kernel/locking/lockdep.c print_* functions, kernel/sched/core.c
 * __might_resched() and __schedule_bug()). Stack traces are the model's acquisition
 * sites; addresses are deterministic fakes, so output is stable and diffable.
 */
import type {
  BadUnlockBalance,
  CircularDependency,
  ClassSnapshot,
  DebugLocksWarning,
  KernelWarning,
  HeldLockFreed,
  InconsistentLockState,
  InvalidWaitContext,
  IrqInversion,
  IrqStateSnapshot,
  IrqUnsafeOrder,
  LockdepLimitReached,
  LockHeldAtExit,
  LockSnapshot,
  MaxLockDepth,
  NestedLockNotTaken,
  PathEntry,
  RecursiveLocking,
  SchedulingWhileAtomic,
  SleepingInAtomic,
  SuspiciousRcuUsage,
  TaskSnapshot,
  Violation,
  ViolationKind,
} from './violation';
import { escapeText } from './escape';
import { violationLockSnapshot } from './violation';
import {
  contextLine,
  heldHeader,
  irqOrderTitle,
  kernelIdent,
  stillHasLocksTitle,
  LINE,
  TITLE,
  who as whoText,
} from './kernelText';

const NO_ADDR = '0000000000000000';

function who(t: TaskSnapshot): string {
  return whoText(t.comm, t.pid);
}

function ident(v: Violation): string {
  return kernelIdent(v.ident);
}

/** print_lock_name(): ` (name){usage}-{o:i}` */
export function lockName(c: { name: string; usage: string; outer: number; inner: number }): string {
  return ` (${c.name}){${c.usage}}-{${c.outer}:${c.inner}}`;
}

/** print_lock(): `<addr> (name){usage}-{o:i}, at: <site>` */
export function lockLine(l: LockSnapshot): string {
  return `${l.address}${lockName(l)}, at: ${l.at}`;
}

/** lockdep_print_held_locks() */
export function heldLocks(v: Violation): string[] {
  const n = v.held.length;
  const out = [heldHeader(n, who(v.task))];
  if (n === 0) return out;
  v.held.forEach((h, i) => out.push(` #${i}: ${lockLine(h)}`));
  return out;
}

/** dump_stack(): the model has one frame, the site of the event. */
function dumpStack(v: Violation, site: string): string[] {
  return [
    `CPU: ${v.task.cpu} UID: 0 PID: ${v.task.pid} Comm: ${v.task.comm} Not tainted ${v.ident}`,
    LINE.callTrace,
    ' <TASK>',
    ` ${site}`,
    ' </TASK>',
  ];
}

/** Title block: empty line, `=` row, title, ident, `-` row. */
function header(v: Violation, title: string, width = title.length): string[] {
  return ['', '='.repeat(width), title, ident(v), '-'.repeat(width)];
}

/** print_lock_trace(trace, spaces): one frame per line, indented 1+spaces. */
function trace(site: string, spaces: number): string {
  return `${' '.repeat(spaces + 1)}${site}`;
}

function irqTraceEvents(): string[] {
  return [
    `${LINE.irqEventStamp} 0`,
    `hardirqs last  enabled at (0): [<${NO_ADDR}>] 0x0`,
    `hardirqs last disabled at (0): [<${NO_ADDR}>] 0x0`,
    `softirqs last  enabled at (0): [<${NO_ADDR}>] 0x0`,
    `softirqs last disabled at (0): [<${NO_ADDR}>] 0x0`,
  ];
}

function irqState(s: IrqStateSnapshot): string {
  return `[HC${s.hardirqContext}[${s.hardirqCount}]:SC${s.softirqContext}[${s.softirqCount}]:HE${s.hardirqsEnabled ? 1 : 0}:SE${s.softirqsEnabled ? 1 : 0}]`;
}

function currentSite(v: Violation): string {
  const lock = violationLockSnapshot(v);
  if (lock) return lock.at;
  switch (v.kind) {
    case 'bad-unlock-balance':
      return v.at;
    case 'sleeping-in-atomic':
      return v.site;
    case 'debug-locks-warning':
      return v.where;
    case 'suspicious-rcu-usage':
      return v.site;
    case 'kernel-warning':
      return v.where;
    default:
      return v.held.length ? v.held[v.held.length - 1].at : 'lockdep';
  }
}

function backtrace(v: Violation): string[] {
  return [LINE.stackBacktrace, ...dumpStack(v, currentSite(v))];
}

/**
 * How nearly every print_*() ends: lockdep_print_held_locks(), then
 * `pr_warn("\nstack backtrace:\n")` and dump_stack().
 */
function heldAndBacktrace(v: Violation): string[] {
  return [...heldLocks(v), '', ...backtrace(v)];
}

/**
 * The end of __might_resched() and __schedule_bug() alike: print_irqtrace_events() when
 * irqs are off, where preemption was disabled, then dump_stack().
 */
function atomicTail(v: SleepingInAtomic | SchedulingWhileAtomic, site: string): string[] {
  const out = v.irqsDisabled ? irqTraceEvents() : [];
  if (v.preemptDisabledAt)
    out.push(LINE.preemptionDisabledAt, `[<${NO_ADDR}>] ${v.preemptDisabledAt}`);
  out.push(...dumpStack(v, site));
  return out;
}

/**
 * print_deadlock_bug() and print_circular_bug_header() open alike: the lock being taken,
 * then the one already held.
 */
function acquireWhileHolding(v: RecursiveLocking | CircularDependency): string[] {
  return [
    `${who(v.task)} ${LINE.isTryingToAcquireLock}`,
    lockLine(v.lock),
    '',
    LINE.alreadyHoldingLock,
    lockLine(v.prev),
    '',
  ];
}

/** The CPU column heads of the scenario blocks: one CPU, or two side by side. */
const ONE_CPU = ['       CPU0', '       ----'];
const TWO_CPUS = ['       CPU0                    CPU1', '       ----                    ----'];

/**
 * The frame every print_*_scenario() shares: its banner, the CPU columns, the steps,
 * then ` *** DEADLOCK ***` between empty lines.
 */
function scenario(banner: string, cpus: readonly string[], steps: readonly string[]): string[] {
  return [banner, '', ...cpus, ...steps, '', LINE.deadlock, ''];
}

function invalidWaitContext(v: InvalidWaitContext): string[] {
  return [
    ...header(v, TITLE.invalidWaitContext),
    `${who(v.task)} ${LINE.isTryingToLock}`,
    lockLine(v.lock),
    LINE.otherInfo,
    contextLine(v.context),
    ...heldLocks(v),
    ...backtrace(v),
  ];
}

function sleepingInAtomic(v: SleepingInAtomic): string[] {
  const out = [
    `${TITLE.sleeping} at ${v.site}`,
    `in_atomic(): ${v.inAtomic ? 1 : 0}, irqs_disabled(): ${v.irqsDisabled ? 1 : 0}, non_block: ${v.nonBlock}, pid: ${v.task.pid}, name: ${v.task.comm}`,
    `preempt_count: ${v.preemptCount.toString(16)}, expected: ${v.expectedPreemptCount.toString(16)}`,
  ];
  if (v.rcuDepth !== null)
    out.push(`RCU nest depth: ${v.rcuDepth}, expected: ${v.expectedRcuDepth ?? 0}`);
  out.push(...heldLocks(v), ...atomicTail(v, v.site));
  return out;
}

function schedulingWhileAtomic(v: SchedulingWhileAtomic): string[] {
  return [
    `${TITLE.schedulingWhileAtomic}: ${who(v.task)}/0x${v.preemptCount.toString(16).padStart(8, '0')}`,
    ...heldLocks(v),
    LINE.modulesLinkedIn,
    ...atomicTail(v, 'schedule'),
  ];
}

function badUnlock(v: BadUnlockBalance): string[] {
  return [
    ...header(v, TITLE.badUnlock),
    `${who(v.task)} is trying to release lock (${v.lockName}) at:`,
    `[<${NO_ADDR}>] ${v.at}`,
    LINE.noMoreLocks,
    '',
    LINE.otherInfo,
    ...heldAndBacktrace(v),
  ];
}

function maxLockDepth(v: MaxLockDepth): string[] {
  return [
    TITLE.maxLockDepth,
    LINE.turningOff,
    `depth: ${v.depth}  max: ${v.max}!`,
    ...heldLocks(v),
    ...dumpStack(v, currentSite(v)),
  ];
}

function heldAtExit(v: LockHeldAtExit): string[] {
  // print_held_locks_bug() prints fixed 36-character rules, not the title width
  return [...header(v, stillHasLocksTitle(who(v.task)), 36), ...heldAndBacktrace(v)];
}

function recursive(v: RecursiveLocking): string[] {
  return [
    ...header(v, TITLE.recursive),
    ...acquireWhileHolding(v),
    LINE.otherInfo,
    // print_deadlock_scenario()
    ...scenario(LINE.unsafeScenario, ONE_CPU, [
      `  lock(${v.prev.name});`,
      `  lock(${v.lock.name});`,
    ]),
    LINE.missingNesting,
    '',
    ...heldAndBacktrace(v),
  ];
}

function circular(v: CircularDependency): string[] {
  const out = [
    ...header(v, TITLE.circular),
    ...acquireWhileHolding(v),
    LINE.dependsOnNew,
    '',
    '',
    LINE.existingChain,
  ];
  for (const e of v.chain) out.push('', `-> #${e.depth}${lockName(e.class)}:`, trace(e.at, 6));
  out.push('', LINE.otherInfo, '');
  const source = v.lock.name;
  const target = v.prev.name;
  const parent = v.chain.length > 1 ? v.chain[1].class.name : source;
  if (parent !== source)
    out.push('Chain exists of:', `  ${source} --> ${parent} --> ${target}`, '');
  // print_circular_lock_scenario()
  out.push(
    ...scenario(LINE.unsafeScenario, TWO_CPUS, [
      `  ${v.prev.read ? 'rlock' : 'lock'}(${target});`,
      `                               lock(${parent});`,
      `                               lock(${target});`,
      `  ${v.lock.read ? 'rlock' : 'lock'}(${source});`,
    ]),
    ...heldAndBacktrace(v),
  );
  return out;
}

function inconsistent(v: InconsistentLockState): string[] {
  return [
    ...header(v, TITLE.inconsistent),
    `inconsistent {${v.previousUsage}} -> {${v.newUsage}} usage.`,
    `${who(v.task)} ${irqState(v.irq)} takes:`,
    lockLine(v.lock),
    `{${v.previousUsage}} state was registered at:`,
    trace(v.registeredAt, 1),
    ...irqTraceEvents(),
    '',
    LINE.otherInfo,
    // print_usage_bug_scenario()
    ...scenario(LINE.unsafeScenario, ONE_CPU, [
      `  lock(${v.lock.name});`,
      '  <Interrupt>',
      `    lock(${v.lock.name});`,
    ]),
    ...heldAndBacktrace(v),
  ];
}

/**
 * print_lock_class_header(): `%*s->` + the class, then one `%*s   <usage> at:` line per
 * usage bit with its trace. The trace indent is what the kernel computes from printk()'s
 * return values: depth + (depth + 3 + strlen(usage)) + strlen(" at:"), plus the one-space
 * field of print_lock_trace(); hence the ragged alignment of real splats.
 */
function classHeader(e: PathEntry, depth: number): string[] {
  const pad = ' '.repeat(depth);
  const out = [`${pad}->${lockName(e.class)} {`];
  for (const u of e.usageTraces)
    out.push(`${pad}   ${u.usage} at:`, trace(u.at, 2 * depth + 7 + u.usage.length));
  out.push(`${pad} }`, `${pad} ... key      at: [<${NO_ADDR}>] ${e.class.name}`);
  return out;
}

/**
 * print_shortest_lock_dependencies(): leaf first, each class with the trace of the
 * dependency that reached it (`... acquired at:`, print_lock_trace(trace, 2)).
 */
function shortestPath(path: readonly PathEntry[]): string[] {
  const out: string[] = [];
  let depth = path.length - 1;
  for (const e of path) {
    out.push(...classHeader(e, depth), `${' '.repeat(depth)} ... acquired at:`, trace(e.at, 2), '');
    depth--;
  }
  return out;
}

/**
 * print_shortest_lock_dependencies_backwards(): a backwards path prints L1 -> .. -> Ln in
 * dependency order; an entry's `... acquired at:` is the trace recorded on the entry
 * printed before it, so the leaf has none.
 */
function shortestPathBackwards(path: readonly PathEntry[]): string[] {
  const out: string[] = [];
  let depth = path.length - 1;
  let prevAt: string | null = null;
  for (const e of path) {
    out.push(...classHeader(e, depth));
    if (prevAt !== null) out.push(`${' '.repeat(depth)} ... acquired at:`, trace(prevAt, 2), '');
    prevAt = e.at;
    depth--;
  }
  return out;
}

/**
 * print_irq_lock_scenario(safe, unsafe, prev_class, next_class): the middle lock is
 * prev_class unless that is the safe lock itself, then next_class; the chain line is
 * printed only when the middle lock is not the unsafe one.
 */
function irqScenario(
  safe: ClassSnapshot,
  unsafe: ClassSnapshot,
  prevClass: ClassSnapshot,
  nextClass: ClassSnapshot,
): string[] {
  const middle = prevClass.name === safe.name ? nextClass : prevClass;
  const out: string[] = [];
  if (middle.name !== unsafe.name)
    out.push('Chain exists of:', `  ${safe.name} --> ${middle.name} --> ${unsafe.name}`, '');
  out.push(
    ...scenario(LINE.irqUnsafeScenario, TWO_CPUS, [
      `  lock(${unsafe.name});`,
      '                               local_irq_disable();',
      `                               lock(${safe.name});`,
      `                               lock(${middle.name});`,
      '  <Interrupt>',
      `    lock(${safe.name});`,
    ]),
  );
  return out;
}

function classOf(l: LockSnapshot): ClassSnapshot {
  return { name: l.name, usage: l.usage, outer: l.outer, inner: l.inner };
}

function irqUnsafeOrder(v: IrqUnsafeOrder): string[] {
  const s = v.irqState;
  const title = irqOrderTitle(s);
  return [
    // print_bad_irq_dependency() prints fixed 53-character rules, not the title width
    ...header(v, title, 53),
    `${who(v.task)} ${irqState(v.irq)} ${LINE.isTryingToAcquire}`,
    lockLine(v.lock),
    '',
    LINE.andAlreadyHolding,
    lockLine(v.prev),
    'which would create a new lock dependency:',
    `${lockName(v.prev)} ->${lockName(v.lock)}`,
    '',
    `but this new dependency connects a ${s}-irq-safe lock:`,
    lockName(v.safe),
    '',
    `... which became ${s}-irq-safe at:`,
    trace(v.safeAt, 1),
    '',
    `to a ${s}-irq-unsafe lock:`,
    lockName(v.unsafe),
    '',
    `... which became ${s}-irq-unsafe at:`,
    '...',
    trace(v.unsafeAt, 1),
    '',
    LINE.otherInfo,
    '',
    ...irqScenario(v.safe, v.unsafe, classOf(v.prev), classOf(v.lock)),
    ...heldLocks(v),
    '',
    `the dependencies between ${s}-irq-safe lock and the holding lock:`,
    ...shortestPathBackwards(v.backwardPath),
    '',
    // two pr_warn() calls, hence two lines
    'the dependencies between the lock to be acquired',
    ` and ${s}-irq-unsafe lock:`,
    ...shortestPath(v.forwardPath),
    '',
    ...backtrace(v),
  ];
}

function irqInversion(v: IrqInversion): string[] {
  const root = classOf(v.lock);
  // The middle lock is the one next to the root on the path (path is other ... root).
  const middle = v.path.length >= 2 ? v.path[v.path.length - 2].class : null;
  const irqLines = v.forwards
    ? irqScenario(root, v.other, middle ?? root, v.other)
    : irqScenario(v.other, root, middle ?? v.other, root);
  return [
    ...header(v, TITLE.irqInversion),
    `${who(v.task)} ${LINE.justChangedState}`,
    lockLine(v.lock),
    v.forwards
      ? `but this lock took another, ${v.irqState}-unsafe lock in the past:`
      : `but this lock was taken by another, ${v.irqState}-safe lock in the past:`,
    lockName(v.other),
    '',
    '',
    'and interrupts could create inverse lock ordering between them.',
    '',
    '',
    LINE.otherInfo,
    ...irqLines,
    ...heldLocks(v),
    '',
    'the shortest dependencies between 2nd lock and 1st lock:',
    ...shortestPath(v.path),
    '',
    ...backtrace(v),
  ];
}

function nestedNotTaken(v: NestedLockNotTaken): string[] {
  // print_lock_nested_lock_not_held() dumps the stack, then the held locks, then the stack again
  return [
    ...header(v, TITLE.nestedNotTaken),
    `${who(v.task)} ${LINE.isTryingToLock}`,
    lockLine(v.lock),
    '',
    LINE.notHolding,
    v.nestLock,
    '',
    ...backtrace(v),
    '',
    LINE.otherInfo,
    ...heldAndBacktrace(v),
  ];
}

/** The end of a lock object for `%px-%px`: the model's maps sit in 0x40-byte slots. */
function lastByte(address: string): string {
  return (BigInt(`0x${address}`) + 0x3fn).toString(16).padStart(address.length, '0');
}

function heldLockFreed(v: HeldLockFreed): string[] {
  return [
    ...header(v, TITLE.heldLockFreed),
    `${who(v.task)} is freeing memory ${v.lock.address}-${lastByte(v.lock.address)}, with a lock still held there!`,
    lockLine(v.lock),
    ...heldAndBacktrace(v),
  ];
}

function limit(v: LockdepLimitReached): string[] {
  if (v.limit === 'BFS_QUEUE') {
    return [
      TITLE.cutHere,
      v.message,
      `WARNING: CPU: ${v.task.cpu} PID: ${v.task.pid} at kernel/locking/lockdep.c print_bfs_bug`,
      ...dumpStack(v, 'print_bfs_bug'),
    ];
  }
  return [v.message, LINE.turningOff, ...dumpStack(v, currentSite(v))];
}

function suspiciousRcu(v: SuspiciousRcuUsage): string[] {
  return [
    ...header(v, TITLE.suspiciousRcu),
    `${v.site} ${v.message}!`,
    '',
    LINE.otherInfo,
    '',
    '',
    `rcu_scheduler_active = 2, debug_locks = ${v.debugLocks ? 1 : 0}`,
    ...(v.debugLocks ? [] : [LINE.falsePositive]),
    ...heldAndBacktrace(v),
  ];
}

function debugWarn(v: DebugLocksWarning): string[] {
  return [
    TITLE.cutHere,
    `DEBUG_LOCKS_WARN_ON(${v.condition})`,
    `WARNING: CPU: ${v.task.cpu} PID: ${v.task.pid} at ${v.where}`,
    LINE.modulesLinkedIn,
    ...dumpStack(v, v.where),
    '---[ end trace 0000000000000000 ]---',
  ];
}

/** WARN_ONCE(cond, message): the message, then __warn()'s WARNING line at its site. */
function kernelWarn(v: KernelWarning): string[] {
  return [
    TITLE.cutHere,
    v.message,
    `WARNING: CPU: ${v.task.cpu} PID: ${v.task.pid} at ${v.site} ${v.where}+0x0/0x0`,
    LINE.modulesLinkedIn,
    ...dumpStack(v, v.where),
    '---[ end trace 0000000000000000 ]---',
  ];
}

/** What the kernel prints for one kind: the title a reader searches for, and the layout. */
interface Layout<V> {
  readonly title: (v: V) => string;
  readonly lines: (v: V) => string[];
}

/** One entry per kind, so a kind cannot gain a layout without its title or the other way. */
const LAYOUTS: { readonly [K in ViolationKind]: Layout<Extract<Violation, { kind: K }>> } = {
  'invalid-wait-context': { title: () => TITLE.invalidWaitContext, lines: invalidWaitContext },
  'sleeping-in-atomic': { title: () => TITLE.sleeping, lines: sleepingInAtomic },
  'scheduling-while-atomic': {
    title: () => TITLE.schedulingWhileAtomic,
    lines: schedulingWhileAtomic,
  },
  'bad-unlock-balance': { title: () => TITLE.badUnlock, lines: badUnlock },
  'max-lock-depth': { title: () => TITLE.maxLockDepth, lines: maxLockDepth },
  'lock-held-at-exit': { title: (v) => stillHasLocksTitle(who(v.task)), lines: heldAtExit },
  'recursive-locking': { title: () => TITLE.recursive, lines: recursive },
  'circular-dependency': { title: () => TITLE.circular, lines: circular },
  'inconsistent-lock-state': { title: () => TITLE.inconsistent, lines: inconsistent },
  'irq-unsafe-order': { title: (v) => irqOrderTitle(v.irqState), lines: irqUnsafeOrder },
  'irq-inversion': { title: () => TITLE.irqInversion, lines: irqInversion },
  'nested-lock-not-taken': { title: () => TITLE.nestedNotTaken, lines: nestedNotTaken },
  'held-lock-freed': { title: () => TITLE.heldLockFreed, lines: heldLockFreed },
  'lockdep-limit': { title: (v) => v.message, lines: limit },
  'debug-locks-warning': {
    title: (v) => `DEBUG_LOCKS_WARN_ON(${v.condition})`,
    lines: debugWarn,
  },
  'suspicious-rcu-usage': { title: () => TITLE.suspiciousRcu, lines: suspiciousRcu },
  'kernel-warning': { title: (v) => v.message, lines: kernelWarn },
};

function layout(v: Violation): Layout<Violation> {
  // LAYOUTS is keyed by kind, so the entry found takes exactly this v's variant
  return LAYOUTS[v.kind] as Layout<Violation>;
}

/** The kernel's text for one violation, lines joined with `\n`. */
export function formatViolation(v: Violation): string {
  return formatLines(v).join('\n');
}

/**
 * The report's lines. Every line goes through escapeText(): lock, class, task and site
 * names come from traces and files, and a control character or newline in one must not
 * reach a terminal or forge a report line. Kernel-ordinary text passes unchanged, so the
 * layout stays the kernel's byte for byte.
 */
export function formatLines(v: Violation): string[] {
  return layout(v).lines(v).map(escapeText);
}

/** The title line a reader would search for (the kernel's first non-rule line), escaped. */
export function violationTitle(v: Violation): string {
  return escapeText(layout(v).title(v));
}
