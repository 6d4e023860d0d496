/**
 * A task and its execution context: held-lock stack, preempt_count laid out like the
 * kernel's, lockdep's irq tracking, hardirq/softirq/NMI nesting. Interrupts run on top
 * of the task they interrupt, so their state lives here too (the kernel keeps
 * hardirq_context per CPU; one current task per CPU makes that equivalent).
 */
import type { LockClass } from './lockClass';
import type { LockdepMap } from './lockdepMap';
import type { ChainNode } from './chains';

/** Task.ctxBits: task_irq_context() in the low two bits, then these flags. */
export const CTX_IRQ_CONTEXT = 3;
const CTX_THREADED = 4;
const CTX_SOFTIRQS_ON = 8;
/** ctxSig()'s bit for irqs disabled at the acquisition */
export const CTX_HARDIRQS_OFF = 16;

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

  /** Set what `plain` stands for (out of line: the cached path rarely needs it). */
  makePlain(): void {
    this.trylock = false;
    this.check = true;
    this.references = 0;
    this.nestLock = null;
    this.sync = false;
    this.plain = true;
  }

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
  /**
   * The context the cached acquisition path compares (Lockdep's ctxSig()), kept by the
   * setters of its inputs below so that path reads one field instead of five:
   * task_irq_context() in bits 0-1, a threaded hardirq or irq_config in CTX_THREADED,
   * softirqs enabled in CTX_SOFTIRQS_ON.
   */
  ctxBits = CTX_SOFTIRQS_ON;
  #softirqsEnabled = true;
  #hardirqContext = 0;
  #hardirqThreaded = false;
  #irqConfig = 0;
  #softirqContext = 0;
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

  /** lockdep's softirqs_enabled */
  get softirqsEnabled(): boolean {
    return this.#softirqsEnabled;
  }
  set softirqsEnabled(on: boolean) {
    this.#softirqsEnabled = on;
    this.syncCtx();
  }

  /** lockdep's hardirq_context (nesting count) */
  get hardirqContext(): number {
    return this.#hardirqContext;
  }
  set hardirqContext(n: number) {
    this.#hardirqContext = n;
    this.syncCtx();
  }

  /** lockdep_hardirq_threaded(): this hardirq runs as a thread on PREEMPT_RT */
  get hardirqThreaded(): boolean {
    return this.#hardirqThreaded;
  }
  set hardirqThreaded(on: boolean) {
    this.#hardirqThreaded = on;
    this.syncCtx();
  }

  /** irq_config: a hardirq-context section that configures irqs (wait-type ceiling CONFIG) */
  get irqConfig(): number {
    return this.#irqConfig;
  }
  set irqConfig(n: number) {
    this.#irqConfig = n;
    this.syncCtx();
  }

  /** lockdep's softirq_context (nesting count) */
  get softirqContext(): number {
    return this.#softirqContext;
  }
  set softirqContext(n: number) {
    this.#softirqContext = n;
    this.syncCtx();
  }

  private syncCtx(): void {
    this.ctxBits =
      (this.#hardirqContext !== 0 ? 2 : 0) |
      (this.#softirqContext !== 0 ? 1 : 0) |
      (this.#hardirqThreaded || this.#irqConfig !== 0 ? CTX_THREADED : 0) |
      (this.#softirqsEnabled ? CTX_SOFTIRQS_ON : 0);
  }

  /** task_irq_context(): 2 in hard-irq context, 1 in soft-irq context, else 0 */
  irqContext(): number {
    return this.ctxBits & CTX_IRQ_CONTEXT;
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
