/**
 * A task and its execution context: held-lock stack, preempt_count laid out like the
 * kernel's, lockdep's irq tracking, hardirq/softirq/NMI nesting. Interrupts run on top
 * of the task they interrupt, so their state lives here too (the kernel keeps
 * hardirq_context per CPU; one current task per CPU makes that equivalent).
 */
import type { LockClass } from './lockClass';
import type { LockdepMap } from './lockdepMap';
import type { ChainNode } from './chains';

/** struct held_lock */
export class HeldLock {
  map!: LockdepMap;
  cls!: LockClass;
  /** task_irq_context() at acquisition: 2*hardirq + softirq */
  irqContext = 0;
  trylock = false;
  read: 0 | 1 | 2 = 0;
  check = true;
  hardirqsOff = false;
  references = 0;
  nestLock: LockdepMap | null = null;
  /** the chain of this irq context's held locks up to and including this one */
  chain!: ChainNode;
  at = '';
  subclass = 0;
  /** lock_sync(): validated, never pushed */
  sync = false;
  /**
   * trylock, check, references, nestLock and sync hold what the cached path would
   * write (false, true, 0, null, false), so it can leave them alone: a slot is
   * almost always reused by the same kind of acquisition.
   */
  plain = true;
  /**
   * check_wait_context() bookkeeping, so a check costs O(1) instead of a walk of the
   * held stack: the context ceiling this entry was pushed under, the running limit
   * (min of inner types, override maps replacing) after this entry within its irq
   * context, and the index of the entry that set that limit (-1: the context itself).
   */
  ctxBase = 0;
  ctxInner = 0;
  ctxCulprit = -1;
}

/** Saved state for returning from an interrupt or an irq-thread frame. */
export interface ContextFrame {
  readonly kind: 'hardirq' | 'softirq' | 'nmi' | 'irq-thread';
  readonly irqsOff: boolean;
  /** irq-thread frames: the task the interrupt came in on, current again afterwards */
  readonly interrupted: Task | null;
  readonly hardirqThreaded: boolean;
  readonly preemptCount: number;
  readonly depth: number;
}

export class Task {
  /** held_locks[]; entries are reused, so pushing allocates nothing once warm */
  readonly held: HeldLock[] = [];
  depth = 0;
  preemptCount = 0;
  /** local irq flag as lockdep tracks it (hardirqs_enabled is its negation) */
  irqsOff = false;
  /** lockdep's softirqs_enabled */
  softirqsEnabled = true;
  hardirqContext = 0;
  hardirqThreaded = false;
  irqConfig = 0;
  softirqContext = 0;
  /** lockdep_recursion: non-zero inside NMI (lockdep_off()) */
  lockdepRecursion = 0;
  /** rcu_read_lock_nesting (CONFIG_PREEMPT_RCU) */
  rcuDepth = 0;
  /** PREEMPT_RT: softirq_disable_cnt */
  softirqDisableCnt = 0;
  migrateDisable = 0;
  nonBlock = 0;
  exited = false;
  /** the CPU this task runs on, or -1 when not running */
  cpu = -1;
  readonly frames: ContextFrame[] = [];
  /** where preemption was last disabled (DEBUG_PREEMPT's "Preemption disabled at:") */
  preemptDisabledAt = '';

  constructor(
    readonly pid: number,
    /** what the kernel prints (task->comm) */
    readonly comm: string,
    /** what traces and the API call it; the comm unless a pid was declared (`comm-pid`) */
    readonly name: string = comm,
  ) {}

  /** task_irq_context() */
  irqContext(): number {
    return (this.hardirqContext ? 2 : 0) + (this.softirqContext ? 1 : 0);
  }

  /** Next reusable held-lock slot. */
  slot(i: number): HeldLock {
    let h = this.held[i];
    if (!h) {
      h = new HeldLock();
      this.held[i] = h;
    }
    return h;
  }
}
