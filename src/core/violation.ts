/**
 * Violations are values: a readonly discriminated union keyed by `kind`. Each variant
 * carries what the kernel's report prints, captured when the report is raised (the
 * held-lock list and usage strings as they were then). Core owns this data; its text
 * layout lives in report/format.ts, its JSON form in report/json.ts.
 *
 * `kind` values are stable identifiers: new kinds are added, never renamed.
 */

/** One lock as print_lock() shows it: ` <address> (<name>){<usage>}-{<outer>:<inner>}, at: <site>`. */
export interface LockSnapshot {
  /** class name as printed: name, `#<version>` when >1, `/<subclass>` when non-zero */
  readonly name: string;
  /** the lock instance (lockdep_map) name; for per-CPU locks suffixed with the CPU */
  readonly instance: string;
  /** deterministic fake %px address of the instance */
  readonly address: string;
  /** 4-character usage string: HARDIRQ write/read, SOFTIRQ write/read */
  readonly usage: string;
  /** wait_type_outer as printed (inner when outer is 0) */
  readonly outer: number;
  /** wait_type_inner */
  readonly inner: number;
  /** 0 exclusive, 1 non-recursive reader, 2 recursive reader */
  readonly read: 0 | 1 | 2;
  readonly trylock: boolean;
  /** acquisition site (%pS of acquire_ip) */
  readonly at: string;
}

/** A lock class as print_lock_name() shows it (no instance). */
export interface ClassSnapshot {
  readonly name: string;
  readonly usage: string;
  readonly outer: number;
  readonly inner: number;
}

export interface TaskSnapshot {
  readonly comm: string;
  readonly pid: number;
  readonly cpu: number;
}

/** Irq state as printed in `[HC%u[%lu]:SC%u[%lu]:HE%u:SE%u]`. */
export interface IrqStateSnapshot {
  readonly hardirqContext: number;
  readonly hardirqCount: number;
  readonly softirqContext: number;
  readonly softirqCount: number;
  readonly hardirqsEnabled: boolean;
  readonly softirqsEnabled: boolean;
}

/** Fields shared by every violation. */
export interface ViolationBase {
  /** index of the event (trace event, or public call) that raised it */
  readonly event: number;
  readonly task: TaskSnapshot;
  /** held locks of the task when the report was raised, bottom first (lockdep_print_held_locks) */
  readonly held: readonly LockSnapshot[];
  /** print_kernel_ident(): `<release> <version>` */
  readonly ident: string;
}

/** [ BUG: Invalid wait context ] (print_lock_invalid_wait_context). */
export interface InvalidWaitContext extends ViolationBase {
  readonly kind: 'invalid-wait-context';
  readonly lock: LockSnapshot;
  /** task_wait_context(): what `context-{C:C}` prints */
  readonly context: number;
  /** the effective limit the new lock's outer type exceeded (min over held inners) */
  readonly limit: number;
  /** index in `held` of the lock that set `limit`, or -1 when the context itself did */
  readonly culprit: number;
}

/** BUG: sleeping function called from invalid context (__might_resched). */
export interface SleepingInAtomic extends ViolationBase {
  readonly kind: 'sleeping-in-atomic';
  /** `<file>:<line>` of the might_sleep() */
  readonly site: string;
  readonly inAtomic: boolean;
  readonly irqsDisabled: boolean;
  readonly nonBlock: number;
  readonly preemptCount: number;
  readonly expectedPreemptCount: number;
  /** RCU nesting, printed only with CONFIG_PREEMPT_RCU */
  readonly rcuDepth: number | null;
  readonly expectedRcuDepth: number | null;
  /** what acquisition or call made it sleep, for readers (not printed by the kernel) */
  readonly reason: string;
  /** DEBUG_PREEMPT's "Preemption disabled at:" site, when preempt_count differs from expected */
  readonly preemptDisabledAt: string | null;
}

/** BUG: scheduling while atomic (__schedule_bug). */
export interface SchedulingWhileAtomic extends ViolationBase {
  readonly kind: 'scheduling-while-atomic';
  /** preempt_count() as printed, including the scheduler's own +1 */
  readonly preemptCount: number;
  readonly irqsDisabled: boolean;
  readonly reason: string;
  readonly preemptDisabledAt: string | null;
}

/** WARNING: bad unlock balance detected! */
export interface BadUnlockBalance extends ViolationBase {
  readonly kind: 'bad-unlock-balance';
  /** the map name being released */
  readonly lockName: string;
  readonly at: string;
}

/** BUG: MAX_LOCK_DEPTH too low! */
export interface MaxLockDepth extends ViolationBase {
  readonly kind: 'max-lock-depth';
  readonly depth: number;
  readonly max: number;
}

/** WARNING: <comm>/<pid> still has locks held! (debug_check_no_locks_held at exit) */
export interface LockHeldAtExit extends ViolationBase {
  readonly kind: 'lock-held-at-exit';
}

/** WARNING: possible recursive locking detected */
export interface RecursiveLocking extends ViolationBase {
  readonly kind: 'recursive-locking';
  readonly lock: LockSnapshot;
  readonly prev: LockSnapshot;
}

/** One `-> #N` entry of the existing dependency chain. */
export interface ChainEntry {
  readonly depth: number;
  readonly class: ClassSnapshot;
  /** where this dependency was first recorded (the saved stack trace, here a site) */
  readonly at: string;
}

/** WARNING: possible circular locking dependency detected */
export interface CircularDependency extends ViolationBase {
  readonly kind: 'circular-dependency';
  /** the lock being acquired (check_src) */
  readonly lock: LockSnapshot;
  /** the held lock it would depend on (check_tgt) */
  readonly prev: LockSnapshot;
  /** the existing chain, from the held lock's class (#N) down to the new lock's class (#0) */
  readonly chain: readonly ChainEntry[];
}

export type UsageStr =
  | 'IN-HARDIRQ-W'
  | 'HARDIRQ-ON-W'
  | 'IN-HARDIRQ-R'
  | 'HARDIRQ-ON-R'
  | 'IN-SOFTIRQ-W'
  | 'SOFTIRQ-ON-W'
  | 'IN-SOFTIRQ-R'
  | 'SOFTIRQ-ON-R'
  | 'INITIAL USE'
  | 'INITIAL READ USE'
  | 'IN-NMI';

/** WARNING: inconsistent lock state */
export interface InconsistentLockState extends ViolationBase {
  readonly kind: 'inconsistent-lock-state';
  readonly lock: LockSnapshot;
  readonly previousUsage: UsageStr;
  readonly newUsage: UsageStr;
  readonly irq: IrqStateSnapshot;
  /** where the previous usage was registered */
  readonly registeredAt: string;
}

/** HARDIRQ, SOFTIRQ, HARDIRQ-READ or SOFTIRQ-READ (state_name()). */
export type IrqStateName = 'HARDIRQ' | 'SOFTIRQ' | 'HARDIRQ-READ' | 'SOFTIRQ-READ';

/** One step of a dependency path printed by print_shortest_lock_dependencies(). */
export interface PathEntry {
  readonly class: ClassSnapshot;
  /** where the dependency into this class was recorded ("... acquired at:") */
  readonly at: string;
  /** the usage bits of the class and where each was first set (print_lock_class_header) */
  readonly usageTraces: readonly UsageTrace[];
}

export interface UsageTrace {
  readonly usage: UsageStr;
  readonly at: string;
}

/** WARNING: <STATE>-safe -> <STATE>-unsafe lock order detected */
export interface IrqUnsafeOrder extends ViolationBase {
  readonly kind: 'irq-unsafe-order';
  readonly irqState: IrqStateName;
  readonly unsafeState: IrqStateName;
  readonly irq: IrqStateSnapshot;
  readonly lock: LockSnapshot;
  readonly prev: LockSnapshot;
  /** the irq-safe class (found behind `prev`) */
  readonly safe: ClassSnapshot;
  readonly safeAt: string;
  /** the irq-unsafe class (found ahead of the new lock) */
  readonly unsafe: ClassSnapshot;
  readonly unsafeAt: string;
  /** safe class ... -> prev class */
  readonly backwardPath: readonly PathEntry[];
  /** new lock class ... -> unsafe class */
  readonly forwardPath: readonly PathEntry[];
}

/** WARNING: possible irq lock inversion dependency detected */
export interface IrqInversion extends ViolationBase {
  readonly kind: 'irq-inversion';
  /** true: "this lock took another, <STATE>-unsafe lock in the past" */
  readonly forwards: boolean;
  readonly irqState: IrqStateName;
  readonly irq: IrqStateSnapshot;
  /** the lock whose state just changed */
  readonly lock: LockSnapshot;
  readonly other: ClassSnapshot;
  readonly otherAt: string;
  /** root ... -> other (forwards) or other ... -> root (backwards) */
  readonly path: readonly PathEntry[];
}

/** WARNING: Nested lock was not taken */
export interface NestedLockNotTaken extends ViolationBase {
  readonly kind: 'nested-lock-not-taken';
  readonly lock: LockSnapshot;
  readonly nestLock: string;
}

/** WARNING: held lock freed! (debug_check_no_locks_freed, e.g. *_init() of a held lock) */
export interface HeldLockFreed extends ViolationBase {
  readonly kind: 'held-lock-freed';
  readonly lock: LockSnapshot;
}

/**
 * WARNING: suspicious RCU usage (lockdep_rcu_suspicious(), from RCU_LOCKDEP_WARN()):
 * e.g. rcu_sleep_check() finding an RCU read-side map held where the task may sleep.
 * It does not turn lockdep off, and is printed after lockdep went off too (with a
 * "possible false positive" note).
 */
export interface SuspiciousRcuUsage extends ViolationBase {
  readonly kind: 'suspicious-rcu-usage';
  /** `<file>:<line>` of the RCU_LOCKDEP_WARN() */
  readonly site: string;
  /** the warning's message, printed followed by `!` */
  readonly message: string;
  /** debug_locks when it was raised (lockdep still on) */
  readonly debugLocks: boolean;
}

/** A lockdep capacity limit was hit (BUG: MAX_LOCKDEP_... too low!, invalid subclass). */
export interface LockdepLimitReached extends ViolationBase {
  readonly kind: 'lockdep-limit';
  readonly limit:
    | 'MAX_LOCKDEP_KEYS'
    | 'MAX_LOCKDEP_ENTRIES'
    | 'MAX_LOCKDEP_CHAINS'
    | 'MAX_LOCKDEP_CHAIN_HLOCKS'
    | 'MAX_LOCKDEP_SUBCLASSES'
    | 'BFS_QUEUE';
  /** the message line the kernel prints */
  readonly message: string;
}

/** DEBUG_LOCKS_WARN_ON(cond) fired: unbalanced context exits, preempt count underflow, ... */
export interface DebugLocksWarning extends ViolationBase {
  readonly kind: 'debug-locks-warning';
  /** the C condition text, as printed inside DEBUG_LOCKS_WARN_ON(...) */
  readonly condition: string;
  /** the kernel function it fired in */
  readonly where: string;
}

/**
 * A kernel WARN_ONCE() outside lockdep: "------------[ cut here ]------------", the
 * message, then "WARNING: CPU: n PID: p at <site> <where>+0x…/0x…". The one modelled is
 * rcu_note_context_switch()'s (kernel/rcu/tree_plugin.h): a voluntary schedule() with
 * rcu_preempt_depth() > 0 under PREEMPT_RCU. Printed once per site, as WARN_ONCE() is;
 * it does not turn lockdep off.
 */
export interface KernelWarning extends ViolationBase {
  readonly kind: 'kernel-warning';
  /** `<file>:<line>` of the WARN_ONCE() */
  readonly site: string;
  /** the function it fired in */
  readonly where: string;
  /** the message WARN_ONCE() prints before its WARNING line */
  readonly message: string;
}

export type Violation =
  | InvalidWaitContext
  | SleepingInAtomic
  | SchedulingWhileAtomic
  | BadUnlockBalance
  | MaxLockDepth
  | LockHeldAtExit
  | RecursiveLocking
  | CircularDependency
  | InconsistentLockState
  | IrqUnsafeOrder
  | IrqInversion
  | NestedLockNotTaken
  | HeldLockFreed
  | LockdepLimitReached
  | DebugLocksWarning
  | KernelWarning
  | SuspiciousRcuUsage;

export type ViolationKind = Violation['kind'];

export const VIOLATION_KINDS: readonly ViolationKind[] = [
  'invalid-wait-context',
  'sleeping-in-atomic',
  'scheduling-while-atomic',
  'bad-unlock-balance',
  'max-lock-depth',
  'lock-held-at-exit',
  'recursive-locking',
  'circular-dependency',
  'inconsistent-lock-state',
  'irq-unsafe-order',
  'irq-inversion',
  'nested-lock-not-taken',
  'held-lock-freed',
  'lockdep-limit',
  'debug-locks-warning',
  'suspicious-rcu-usage',
  'kernel-warning',
];

/**
 * Reports that come from lockdep itself: the first of them clears debug_locks in the
 * kernel. The scheduler's reports (__might_resched, __schedule_bug) do not.
 */
export function isLockdepReport(v: Violation): boolean {
  return (
    v.kind !== 'sleeping-in-atomic' &&
    v.kind !== 'scheduling-while-atomic' &&
    v.kind !== 'suspicious-rcu-usage' &&
    v.kind !== 'kernel-warning'
  );
}

/** The snapshot of the lock a violation is about (the one being taken or whose state changed). */
export function violationLockSnapshot(v: Violation): LockSnapshot | null {
  switch (v.kind) {
    case 'invalid-wait-context':
    case 'recursive-locking':
    case 'circular-dependency':
    case 'inconsistent-lock-state':
    case 'irq-unsafe-order':
    case 'irq-inversion':
    case 'nested-lock-not-taken':
    case 'held-lock-freed':
      return v.lock;
    case 'bad-unlock-balance':
    case 'sleeping-in-atomic':
    case 'scheduling-while-atomic':
    case 'max-lock-depth':
    case 'lock-held-at-exit':
    case 'lockdep-limit':
    case 'debug-locks-warning':
    case 'suspicious-rcu-usage':
    case 'kernel-warning':
      return null;
    default:
      return assertNever(v);
  }
}

/** The lock a violation is about, for one-line summaries and matrix rows. */
export function violationLock(v: Violation): string | null {
  if (v.kind === 'bad-unlock-balance') return v.lockName;
  return violationLockSnapshot(v)?.name ?? null;
}

export function assertNever(x: never): never {
  throw new Error(`unexpected violation ${JSON.stringify(x)}`);
}

/**
 * Identity used to deduplicate under the `collect` policy: the same report about the
 * same classes in the same situation is counted, not repeated.
 */
export function violationSignature(v: Violation): string {
  const held = v.held.map((h) => h.name).join(',');
  switch (v.kind) {
    case 'invalid-wait-context':
      return `${v.kind}|${v.task.comm}|${v.lock.name}|${v.context}|${held}`;
    case 'sleeping-in-atomic':
      return `${v.kind}|${v.task.comm}|${v.site}|${v.preemptCount}|${v.irqsDisabled}|${v.rcuDepth}|${held}`;
    case 'scheduling-while-atomic':
      return `${v.kind}|${v.task.comm}|${v.preemptCount}|${held}`;
    case 'bad-unlock-balance':
      return `${v.kind}|${v.task.comm}|${v.lockName}`;
    case 'max-lock-depth':
    case 'lock-held-at-exit':
      return `${v.kind}|${v.task.comm}|${held}`;
    case 'recursive-locking':
      return `${v.kind}|${v.lock.name}|${v.prev.name}`;
    case 'circular-dependency':
      return `${v.kind}|${v.chain.map((c) => c.class.name).join('>')}`;
    case 'inconsistent-lock-state':
      return `${v.kind}|${v.lock.name}|${v.previousUsage}|${v.newUsage}`;
    case 'irq-unsafe-order':
      return `${v.kind}|${v.irqState}|${v.safe.name}|${v.unsafe.name}|${v.prev.name}|${v.lock.name}`;
    case 'irq-inversion':
      return `${v.kind}|${v.irqState}|${v.forwards}|${v.lock.name}|${v.other.name}`;
    case 'nested-lock-not-taken':
      return `${v.kind}|${v.lock.name}|${v.nestLock}`;
    case 'held-lock-freed':
      return `${v.kind}|${v.lock.name}`;
    case 'lockdep-limit':
      return `${v.kind}|${v.limit}`;
    case 'debug-locks-warning':
      return `${v.kind}|${v.where}|${v.condition}`;
    case 'suspicious-rcu-usage':
      // RCU_LOCKDEP_WARN() warns once per site (its static __warned)
      return `${v.kind}|${v.site}|${v.message}`;
    case 'kernel-warning':
      // WARN_ONCE(): once per site
      return `${v.kind}|${v.site}`;
    default:
      return assertNever(v);
  }
}
