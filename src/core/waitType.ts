/**
 * Wait types (include/linux/lockdep_types.h `enum lockdep_wait_type`).
 *
 * Primitives declare symbolic levels; a kernel resolves them to the numbers its
 * configuration prints. With CONFIG_PROVE_RAW_LOCK_NESTING=n the kernel defines
 * LD_WAIT_CONFIG equal to LD_WAIT_SPIN, so every level above SPIN moves down by one.
 * Resolution happens once per class registration, never per acquisition.
 */
export const LD_WAIT = {
  /** not checked: a map with inner INV is skipped as the new lock and as a held lock */
  INV: 0,
  /** wait-free: the outer type of RCU-style maps */
  FREE: 1,
  /** spinning: raw_spinlock_t, non-threaded hardirq context */
  SPIN: 2,
  /** preemptible on PREEMPT_RT: spinlock_t, rwlock_t, local_lock_t */
  CONFIG: 3,
  /** sleeping locks: mutex, rw_semaphore, rt_mutex */
  SLEEP: 4,
  /** plain task context (task_wait_context() outside interrupts) */
  MAX: 5,
} as const;

/** A symbolic wait level as primitives declare it (PROVE_RAW_LOCK_NESTING=y numbering). */
export type WaitLevel = (typeof LD_WAIT)[keyof typeof LD_WAIT];

/** Wait-type names used by traces and the public API. */
export type WaitTypeName = 'inv' | 'free' | 'spin' | 'config' | 'sleep';

const BY_NAME: Readonly<Record<WaitTypeName, WaitLevel>> = {
  inv: LD_WAIT.INV,
  free: LD_WAIT.FREE,
  spin: LD_WAIT.SPIN,
  config: LD_WAIT.CONFIG,
  sleep: LD_WAIT.SLEEP,
};

export const WAIT_TYPE_NAMES: readonly WaitTypeName[] = ['inv', 'free', 'spin', 'config', 'sleep'];

export function isWaitTypeName(s: unknown): s is WaitTypeName {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(BY_NAME, s);
}

export function waitLevelOf(name: WaitTypeName): WaitLevel {
  return BY_NAME[name];
}

/** The number a kernel with this configuration uses (and prints) for a symbolic level. */
export function resolveWait(level: WaitLevel, proveRawLockNesting: boolean): number {
  return proveRawLockNesting || level <= LD_WAIT.SPIN ? level : level - 1;
}

/** Lock types (`enum lockdep_lock_type`). */
export const LD_LOCK = {
  NORMAL: 0,
  /** local_lock_t and RT per-CPU spinlocks: skipped by the irq-inversion search */
  PERCPU: 1,
  /** DEFINE_WAIT_OVERRIDE_MAP(): replaces the running context wait type */
  WAIT_OVERRIDE: 2,
} as const;
export type LockType = (typeof LD_LOCK)[keyof typeof LD_LOCK];
export type LockTypeName = 'normal' | 'percpu' | 'wait-override';
export const LOCK_TYPE_NAMES: readonly LockTypeName[] = ['normal', 'percpu', 'wait-override'];
export function lockTypeOf(name: LockTypeName): LockType {
  return name === 'percpu'
    ? LD_LOCK.PERCPU
    : name === 'wait-override'
      ? LD_LOCK.WAIT_OVERRIDE
      : LD_LOCK.NORMAL;
}
