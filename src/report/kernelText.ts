/**
 * The kernel's own words for lock reports, written once: the banners and fixed lines of
 * kernel/locking/lockdep.c's print_*() functions and kernel/sched/core.c's
 * __might_resched() / __schedule_bug(). report/format.ts prints them; interop's splat
 * parser reads them (through lineRe(), which escapes them into anchored patterns), so a
 * report this library prints and the parser that reads it cannot drift apart.
 */

/** Titles (the line between the `=` and `-` rules), current kernels. */
export const TITLE = {
  invalidWaitContext: '[ BUG: Invalid wait context ]',
  circular: 'WARNING: possible circular locking dependency detected',
  recursive: 'WARNING: possible recursive locking detected',
  inconsistent: 'WARNING: inconsistent lock state',
  irqInversion: 'WARNING: possible irq lock inversion dependency detected',
  sleeping: 'BUG: sleeping function called from invalid context',
  schedulingWhileAtomic: 'BUG: scheduling while atomic',
  suspiciousRcu: 'WARNING: suspicious RCU usage',
  badUnlock: 'WARNING: bad unlock balance detected!',
  maxLockDepth: 'BUG: MAX_LOCK_DEPTH too low!',
  heldLockFreed: 'WARNING: held lock freed!',
  nestedNotTaken: 'WARNING: Nested lock was not taken',
  cutHere: '------------[ cut here ]------------',
} as const;

/** Fixed lines inside the reports (without the `<comm>/<pid> ` that starts some of them). */
export const LINE = {
  isTryingToLock: 'is trying to lock:',
  isTryingToAcquireLock: 'is trying to acquire lock:',
  isTryingToAcquire: 'is trying to acquire:',
  alreadyHoldingLock: 'but task is already holding lock:',
  andAlreadyHolding: 'and this task is already holding:',
  notHolding: 'but this task is not holding:',
  justChangedState: 'just changed the state of lock:',
  otherInfo: 'other info that might help us debug this:',
  dependsOnNew: 'which lock already depends on the new lock.',
  existingChain: 'the existing dependency chain (in reverse order) is:',
  unsafeScenario: ' Possible unsafe locking scenario:',
  irqUnsafeScenario: ' Possible interrupt unsafe locking scenario:',
  deadlock: ' *** DEADLOCK ***',
  missingNesting: ' May be due to missing lock nesting notation',
  noMoreLocks: 'but there are no more locks to release!',
  stackBacktrace: 'stack backtrace:',
  callTrace: 'Call Trace:',
  turningOff: 'turning off the locking correctness validator.',
  preemptionDisabledAt: 'Preemption disabled at:',
  modulesLinkedIn: 'Modules linked in:',
  falsePositive: 'Possible false positive due to lockdep disabling via debug_locks = 0',
  lockdepTurnedOff: 'INFO: lockdep is turned off.',
  irqEventStamp: 'irq event stamp:',
} as const;

/** print_bad_irq_dependency()'s title for an irq state (HARDIRQ, SOFTIRQ-READ, ...). */
export function irqOrderTitle(state: string): string {
  return `WARNING: ${state}-safe -> ${state}-unsafe lock order detected`;
}

/** debug_check_no_locks_held()'s title. */
export function stillHasLocksTitle(who: string): string {
  return `WARNING: ${who} still has locks held!`;
}

/** `context-{C:C}`: task_wait_context() in print_lock_invalid_wait_context(). */
export function contextLine(c: number): string {
  return `context-{${c}:${c}}`;
}

/** lockdep_print_held_locks()'s header. */
export function heldHeader(n: number, who: string): string {
  return n === 0 ? `no locks held by ${who}.` : `${n} lock${n > 1 ? 's' : ''} held by ${who}:`;
}

/** `%s/%d` of a task. */
export function who(comm: string, pid: number): string {
  return `${comm}/${pid}`;
}

/** print_kernel_ident(): `<release> <version> <taint>`. */
export function kernelIdent(ident: string): string {
  return `${ident} Not tainted`;
}

/** A fixed text as a regular expression source, special characters escaped. */
export function literal(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** An anchored pattern for a fixed line, read as the parser sees it (trimmed). */
export function lineRe(s: string, prefix = ''): RegExp {
  return new RegExp(`^${prefix}${literal(s.trim())}$`);
}
