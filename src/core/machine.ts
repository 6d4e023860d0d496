/**
 * The machine: CPUs, tasks, execution contexts and the scheduler checks, around the
 * lockdep engine. Operations here are the kernel's own low-level ones
 * (preempt_count_add, local_irq_disable, __irq_enter, ...), with lockdep's irq
 * tracking hooked in where the kernel hooks it. Lock primitives and interrupt
 * threading live a layer up; nothing here knows a primitive by name.
 */
import createDebug from 'debug';
import type { IrqStateSnapshot, TaskSnapshot, Violation, ViolationBase } from './violation';
import { deriveConfig, type Derived, type KernelConfig } from './config';
import { UsageError } from './errors';
import { Lockdep } from './lockdep';
import { LockdepMap } from './lockdepMap';
import {
  HARDIRQ_MASK,
  HARDIRQ_OFFSET,
  HARDIRQ_SHIFT,
  MIGHT_RESCHED_PREEMPT_MASK,
  MIGHT_RESCHED_RCU_SHIFT,
  NMI_MASK,
  NMI_OFFSET,
  PREEMPT_OFFSET,
  PREEMPT_MASK,
  SOFTIRQ_MASK,
  SOFTIRQ_SHIFT,
} from './preemptCount';
import { ViolationSink } from './sink';
import { heldSnapshot } from './snapshot';
import { Task } from './task';
import type { LockType, WaitLevel } from './waitType';

const log = createDebug('lockdep:machine');

/**
 * Where the RCU_LOCKDEP_WARN()s of rcu_sleep_check() expand in kernel/sched/core.c: in
 * __might_resched() (v6.12) and in schedule_debug() (line approximate). Distinct sites,
 * so a blocking call reports from both, as the kernel's per-site WARN_ONCE does.
 */
const MIGHT_RESCHED_SITE = 'kernel/sched/core.c:8694';
const SCHEDULE_DEBUG_SITE = 'kernel/sched/core.c:5883';
/** rcu_note_context_switch()'s WARN_ONCE() in kernel/rcu/tree_plugin.h (v6.11; line approximate) */
const RCU_NOTE_SITE = 'kernel/rcu/tree_plugin.h:331';
const RCU_VOLUNTARY_SWITCH = 'Voluntary context switch within RCU read-side critical section!';

/**
 * The preempt_count constants the fused spin_lock() path reads, as module constants:
 * an imported binding compiles to a property load of the other module's exports on
 * every use, which the JIT does not fold (about a fifth of that path's instructions).
 * FAST_PREEMPT_MAX: below it, one more preempt_disable() cannot reach the "overflowing
 * soon" warning at PREEMPT_MASK - 10.
 */
const PREEMPT_BITS: number = PREEMPT_MASK;
const PREEMPT_ONE: number = PREEMPT_OFFSET;
const FAST_PREEMPT_MAX: number = PREEMPT_MASK - 11;

export interface Cpu {
  readonly id: number;
  current: Task;
  /** the idle task (swapper/N) */
  readonly idle: Task;
}

export interface AcquireOptions {
  readonly subclass?: number;
  readonly trylock?: boolean;
  readonly read?: 0 | 1 | 2;
  /** false for annotations lockdep only wait-type checks (rcu_lock_acquire) */
  readonly check?: boolean;
  readonly nestLock?: LockdepMap | null;
  readonly at?: string;
  /** lock_sync(): validate as an acquisition, push nothing */
  readonly sync?: boolean;
}

/** @internal the modelled machine behind a Kernel; not part of the published API */
export class Machine {
  readonly derived: Derived;
  readonly sink: ViolationSink;
  readonly lockdep: Lockdep;
  readonly cpus: Cpu[] = [];
  readonly tasks: Task[] = [];
  private readonly byName = new Map<string, Task>();
  /** names of exited tasks: all an exited task keeps, so its later mention is an error */
  private readonly exitedNames = new Set<string>();
  private nextPid = 1;
  private mapCount = 0;
  /** the CPU operations apply to */
  cpu = 0;
  /** index of the operation in progress, as violations record it */
  event = -1;
  private eventOverride: number | null = null;
  private opDepth = 0;
  /** cpus[cpu].current, kept by switchTo() and setCurrent(): the hot paths read it once */
  private cur: Task;

  constructor(
    readonly config: KernelConfig,
    makeError: (v: Violation, all: readonly Violation[]) => Error,
  ) {
    this.derived = deriveConfig(config);
    this.sink = new ViolationSink(config.policy, makeError);
    this.lockdep = new Lockdep({
      config,
      derived: this.derived,
      base: (t) => this.base(t),
      irqState: (t) => this.irqState(t),
      report: (v) => this.sink.report(v),
    });
    for (let i = 0; i < config.cpus; i++) {
      const idle = new Task(0, `swapper/${i}`);
      idle.cpu = i;
      this.cpus.push({ id: i, current: idle, idle });
    }
    this.cur = this.cpus[0].current;
    const init = this.task('init');
    this.switchTo(init, 0);
  }

  // ---------------------------------------------------------------------------------
  // Operations and events

  /**
   * Run one public operation. Violations raised inside are delivered (and, under the
   * `throw` policy, thrown) only when the outermost operation has finished.
   */
  op<T>(fn: () => T): T {
    this.opBegin();
    let result: T;
    try {
      result = fn();
    } catch (e) {
      this.opAbort();
      throw e;
    }
    this.opEnd();
    return result;
  }

  /**
   * op() without a closure, for the primitives' hot paths: opBegin(), the body, then
   * opEnd(), or opAbort() when the body threw (nothing is delivered then).
   */
  opBegin(): void {
    if (this.opDepth === 0) this.nextEvent();
    this.opDepth++;
  }

  /** The next operation's number: the replayed event's index, else one more. */
  private nextEvent(): void {
    this.event = this.eventOverride ?? this.event + 1;
  }

  opEnd(): void {
    if (--this.opDepth === 0) this.sink.flush();
  }

  opAbort(): void {
    this.opDepth--;
  }

  /**
   * spin_lock() of a spinning lock when nothing can happen but bookkeeping: no
   * operation in progress, preempt_count far from its overflow warning, and the
   * acquisition on lockdep's cached path (Lockdep.tryCached()). Then preempt_disable()
   * and lock_acquire() are a push and a count, done here as one operation; otherwise
   * nothing is changed and false sends the caller down the whole path.
   */
  spinLockFast(map: LockdepMap, at: string): boolean {
    if (this.opDepth !== 0) return false;
    const t = this.cur;
    const pc = t.preemptCount;
    if ((pc & PREEMPT_BITS) >= FAST_PREEMPT_MAX) return false;
    if (!this.lockdep.tryCached(t, map, 0, 0, at, t.irqsOff)) return false;
    if ((pc & PREEMPT_BITS) === 0) t.preemptDisabledAt = at;
    t.preemptCount = pc + PREEMPT_ONE;
    map.holders++;
    this.nextEvent();
    return true;
  }

  /** spin_unlock() of the innermost lock, the counterpart of spinLockFast(). */
  spinUnlockFast(map: LockdepMap): boolean {
    if (this.opDepth !== 0) return false;
    const t = this.cur;
    const pc = t.preemptCount;
    if ((pc & PREEMPT_BITS) === 0 || !this.lockdep.tryReleaseTop(t, map)) return false;
    t.preemptCount = pc - PREEMPT_ONE;
    if (map.holders > 0) map.holders--;
    this.nextEvent();
    return true;
  }

  /** Number the next operations as event `index` (trace replay). */
  setEvent(index: number | null): void {
    this.eventOverride = index;
  }

  // ---------------------------------------------------------------------------------
  // Tasks and CPUs

  /**
   * Create task `name` with a real pid (an ftrace import's `comm-pid`): a name ending in
   * `-<pid>` prints as the comm before it, as ftrace's own task column reads.
   */
  declareTask(name: string, pid: number): Task {
    if (this.byName.has(name)) throw new UsageError(`task ${name} already exists`);
    if (this.exitedNames.has(name)) throw new UsageError(`task ${name} has exited`);
    const suffix = `-${pid}`;
    const comm =
      name.length > suffix.length && name.endsWith(suffix) ? name.slice(0, -suffix.length) : name;
    const t = new Task(pid, comm, name);
    this.tasks.push(t);
    this.byName.set(name, t);
    return t;
  }

  /** The task called `comm`, created on first use. */
  task(comm: string): Task {
    let t = this.byName.get(comm);
    if (!t) {
      if (this.exitedNames.has(comm)) throw new UsageError(`task ${comm} has exited`);
      t = new Task(this.nextPid++, comm);
      this.tasks.push(t);
      this.byName.set(comm, t);
    }
    return t;
  }

  findTask(comm: string): Task | undefined {
    return this.byName.get(comm);
  }

  /** Did a task of this name exit (and so was freed)? */
  hasExited(comm: string): boolean {
    return this.exitedNames.has(comm);
  }

  /** `current` on the CPU operations apply to. */
  get current(): Task {
    return this.cur;
  }

  /** Every change of a CPU's current task goes here, so that `cur` stays right. */
  private setCurrent(c: Cpu, t: Task): void {
    c.current = t;
    this.cur = this.cpus[this.cpu].current;
  }

  checkCpu(cpu: number): void {
    if (!Number.isInteger(cpu) || cpu < 0 || cpu >= this.cpus.length) {
      throw new UsageError(
        `cpu ${cpu} does not exist (this kernel has ${this.cpus.length} CPUs: 0..${this.cpus.length - 1})`,
      );
    }
  }

  /**
   * Make `task` current on `cpu`. The task it replaces is switched out as by a
   * preemption, which is a bug when that task is atomic.
   */
  switchTo(task: Task, cpu: number): void {
    this.checkCpu(cpu);
    const c = this.cpus[cpu];
    this.cpu = cpu;
    this.cur = c.current;
    if (c.current === task) return;
    // While a forced-threaded handler serves `task`'s interrupt, code named for `task`
    // (a trace's events between irq_enter and irq_exit) runs in the handler's thread.
    if (this.interruptedBy(c.current) === task) return;
    if (task.exited) throw new UsageError(`task ${task.comm} has exited`);
    const out = c.current;
    if (out !== c.idle && !out.exited)
      this.checkPreemptible(out, `switching ${out.comm} out for ${task.comm} on CPU ${cpu}`);
    if (out !== c.idle) out.cpu = -1;
    if (task.cpu >= 0 && task.cpu !== cpu) {
      const other = this.cpus[task.cpu];
      this.setCurrent(other, other.idle);
    }
    task.cpu = cpu;
    this.setCurrent(c, task);
    if (log.enabled) log('cpu%d: %s -> %s', cpu, out.comm, task.comm);
  }

  /** The task whose interrupt the irq thread `t` is serving, if it is one running its handler. */
  interruptedBy(t: Task): Task | null {
    for (let i = t.frames.length - 1; i >= 0; i--) {
      const f = t.frames[i];
      if (f.kind === 'irq-thread') return f.interrupted;
    }
    return null;
  }

  /** A task may only be switched out when it could be preempted or chose to schedule. */
  private checkPreemptible(t: Task, reason: string): void {
    if (this.preemptCount(t) !== 0 || this.irqsDisabled(t)) this.scheduleBug(t, reason);
  }

  // ---------------------------------------------------------------------------------
  // Maps

  /** A new lockdep_map for a lock instance. */
  createMap(
    name: string,
    key: string | undefined,
    inner: WaitLevel,
    outer: WaitLevel,
    lockType: LockType,
    ownKey = false,
  ): LockdepMap {
    const keyName = key ?? name;
    const k = ownKey ? this.lockdep.newKey(keyName) : this.lockdep.keyFor(keyName);
    const n = this.mapCount++;
    const address = `ffffffff${(0x82000000 + n * 0x40).toString(16).padStart(8, '0')}`;
    return new LockdepMap(this, name, k, inner, outer, lockType, address);
  }

  ownMap(map: LockdepMap): void {
    if (map.owner !== this)
      throw new UsageError(`lock ${map.name} belongs to another kernel`, 'foreign-object');
  }

  /**
   * acquire() for the common exclusive, checked, non-trylock acquisition, with
   * positional arguments: the lock primitives' hot path allocates no options object.
   */
  acquireExclusive(
    map: LockdepMap,
    subclass: number,
    nestLock: LockdepMap | null,
    at: string,
  ): boolean {
    return this.acquireWith(map, subclass, false, 0, true, nestLock, at);
  }

  acquire(map: LockdepMap, o: AcquireOptions = {}): boolean {
    return this.acquireWith(
      map,
      o.subclass ?? 0,
      o.trylock ?? false,
      o.read ?? 0,
      o.check ?? true,
      o.nestLock ?? null,
      o.at ?? map.name,
      o.sync ?? false,
    );
  }

  /** acquire() with positional arguments: no options object on the primitives' paths. */
  acquireWith(
    map: LockdepMap,
    subclass: number,
    trylock: boolean,
    read: 0 | 1 | 2,
    check: boolean,
    nestLock: LockdepMap | null,
    at: string,
    sync = false,
  ): boolean {
    if (map.owner !== this) this.ownMap(map);
    if (nestLock) this.ownMap(nestLock);
    if (!Number.isInteger(subclass) || subclass < 0)
      throw new UsageError(`subclass must be a non-negative integer, got ${subclass}`);
    const t = this.current;
    return this.lockdep.acquire(
      t,
      map,
      subclass,
      trylock,
      read,
      check,
      nestLock,
      at,
      t.irqsOff,
      0,
      sync,
    );
  }

  /** lock_downgrade(): a held write lock becomes a read lock. */
  downgrade(map: LockdepMap, at?: string): boolean {
    this.ownMap(map);
    return this.lockdep.downgrade(this.current, map, at ?? map.name);
  }

  /** lock_set_subclass(): re-class a held lock. */
  setSubclass(map: LockdepMap, subclass: number, at?: string): boolean {
    this.ownMap(map);
    if (!Number.isInteger(subclass) || subclass < 0)
      throw new UsageError(`subclass must be a non-negative integer, got ${subclass}`);
    return this.lockdep.setSubclass(this.current, map, subclass, at ?? map.name);
  }

  release(map: LockdepMap, at?: string): boolean {
    this.ownMap(map);
    return this.lockdep.release(this.current, map, at ?? map.name);
  }

  isHeld(map: LockdepMap, task: Task = this.current): boolean {
    return this.lockdep.isHeld(task, map);
  }

  // ---------------------------------------------------------------------------------
  // preempt_count and irq flags

  /** preempt_count() of `t` */
  preemptCount(t: Task): number {
    return t.preemptCount;
  }

  /** irqs_disabled() on `t` */
  irqsDisabled(t: Task): boolean {
    return t.irqsOff;
  }

  preemptCountAdd(val: number, at = 'preempt_disable'): void {
    const t = this.current;
    if ((t.preemptCount & PREEMPT_MASK) + (val & PREEMPT_MASK) > PREEMPT_MASK) {
      // The 8-bit field would carry into SOFTIRQ: the model refuses the add (the kernel
      // would corrupt the count) after having warned at PREEMPT_MASK - 10 below.
      this.warn(t, '(preempt_count() & PREEMPT_MASK) >= PREEMPT_MASK - 10', 'preempt_count_add');
      return;
    }
    if ((t.preemptCount & PREEMPT_MASK) === 0 && val & PREEMPT_MASK) t.preemptDisabledAt = at;
    t.preemptCount += val;
    // "Spinlock count overflowing soon?" (CONFIG_DEBUG_PREEMPT), checked after the add
    if (val & PREEMPT_MASK && (t.preemptCount & PREEMPT_MASK) >= PREEMPT_MASK - 10) {
      this.warn(t, '(preempt_count() & PREEMPT_MASK) >= PREEMPT_MASK - 10', 'preempt_count_add');
    }
  }

  preemptCountSub(val: number): boolean {
    const t = this.current;
    if (
      val > t.preemptCount ||
      (val & PREEMPT_MASK && (t.preemptCount & PREEMPT_MASK) < (val & PREEMPT_MASK))
    ) {
      this.warn(t, 'val > preempt_count()', 'preempt_count_sub');
      return false;
    }
    t.preemptCount -= val;
    return true;
  }

  /** local_irq_disable() with lockdep_hardirqs_off(). */
  irqDisable(): void {
    this.current.irqsOff = true;
  }

  /** local_irq_enable() with lockdep_hardirqs_on(). */
  irqEnable(): void {
    const t = this.current;
    if (!t.irqsOff) return;
    if (t.hardirqContext && !t.lockdepRecursion) {
      // "Can't allow enabling interrupts while in an interrupt handler"
      this.warn(t, 'lockdep_hardirq_context()', 'lockdep_hardirqs_on_prepare');
    }
    t.irqsOff = false;
    if (!t.hardirqContext) this.lockdep.hardirqsOn(t);
  }

  /** local_irq_save(): returns the flags to restore. */
  irqSave(): boolean {
    const was = this.irqsDisabled(this.current);
    this.irqDisable();
    return was;
  }

  irqRestore(flags: boolean): void {
    if (flags) this.irqDisable();
    else this.irqEnable();
  }

  /** Lockdep's softirqs_off/on bookkeeping around a BH-disable count change. */
  softirqsOff(): void {
    this.current.softirqsEnabled = false;
  }

  softirqsOn(): void {
    const t = this.current;
    if (t.softirqsEnabled) return;
    t.softirqsEnabled = true;
    this.lockdep.softirqsOn(t);
  }

  /** softirq_count(): from preempt_count on !RT, from softirq_disable_cnt on RT. */
  softirqCount(t: Task): number {
    return this.derived.rt ? t.softirqDisableCnt & SOFTIRQ_MASK : t.preemptCount & SOFTIRQ_MASK;
  }

  /** !RT __local_bh_disable_ip(cnt): the count lives in preempt_count. */
  bhDisableCount(cnt: number): void {
    const t = this.current;
    const before = this.softirqCount(t);
    if (this.derived.rt) t.softirqDisableCnt += cnt;
    else this.preemptCountAdd(cnt, 'local_bh_disable');
    if (before === 0 && this.softirqCount(t) !== 0) this.softirqsOff();
  }

  /** !RT __local_bh_enable_ip(cnt). Returns false on underflow (reported). */
  bhEnableCount(cnt: number): boolean {
    const t = this.current;
    if (this.softirqCount(t) < (cnt & SOFTIRQ_MASK)) {
      this.warn(t, 'val > preempt_count()', '__local_bh_enable_ip');
      return false;
    }
    if (this.derived.rt) t.softirqDisableCnt -= cnt;
    else t.preemptCount -= cnt;
    if (this.softirqCount(t) === 0) this.softirqsOn();
    return true;
  }

  // ---------------------------------------------------------------------------------
  // Interrupt contexts

  /** local_irq_disable(); __irq_enter(); [lockdep_hardirq_threaded()] */
  hardirqEnter(threaded: boolean): void {
    const t = this.current;
    t.frames.push({
      kind: 'hardirq',
      irqsOff: t.irqsOff,
      hardirqThreaded: t.hardirqThreaded,
      preemptCount: t.preemptCount,
      depth: t.depth,
      interrupted: null,
    });
    t.irqsOff = true;
    t.preemptCount += HARDIRQ_OFFSET;
    t.hardirqContext++;
    if (t.hardirqContext === 1) t.hardirqThreaded = false;
    if (threaded) t.hardirqThreaded = true;
  }

  /** __irq_exit(); then the interrupted irq state comes back. */
  hardirqExit(): boolean {
    const t = this.current;
    const f = this.popFrame(t, 'hardirq', '__irq_exit', 'val > preempt_count()');
    if (!f) return false;
    t.hardirqContext--;
    // preempt_count_sub(HARDIRQ_OFFSET): refused with a warning when a "scheduling while
    // atomic" in the handler reset the count
    this.preemptCountSub(HARDIRQ_OFFSET);
    t.hardirqThreaded = f.hardirqThreaded;
    this.irqRestore(f.irqsOff);
    return true;
  }

  /** lockdep_softirq_start(): softirq processing; leaves the lockdep hardirq context. */
  softirqContextEnter(): void {
    const t = this.current;
    t.frames.push({
      kind: 'softirq',
      irqsOff: t.irqsOff,
      hardirqThreaded: t.hardirqThreaded,
      preemptCount: t.hardirqContext,
      depth: t.depth,
      interrupted: null,
    });
    t.hardirqContext = 0;
    if (!this.derived.rt) t.softirqContext++;
  }

  softirqContextExit(): boolean {
    const t = this.current;
    const f = this.popFrame(t, 'softirq', 'lockdep_softirq_end', 'current->softirq_context < 0');
    if (!f) return false;
    if (!this.derived.rt) t.softirqContext--;
    t.hardirqContext = f.preemptCount;
    return true;
  }

  /** nmi_enter(): lockdep_off(), NMI and HARDIRQ counts. */
  nmiEnter(): void {
    const t = this.current;
    t.frames.push({
      kind: 'nmi',
      irqsOff: t.irqsOff,
      hardirqThreaded: t.hardirqThreaded,
      preemptCount: t.preemptCount,
      depth: t.depth,
      interrupted: null,
    });
    t.lockdepRecursion++;
    t.preemptCount += NMI_OFFSET + HARDIRQ_OFFSET;
    t.irqsOff = true;
  }

  nmiExit(): boolean {
    const t = this.current;
    const f = this.popFrame(t, 'nmi', '__nmi_exit', 'in_nmi()');
    if (!f) return false;
    // __preempt_count_sub(): unchecked in the kernel, which would corrupt a count that a
    // "scheduling while atomic" in the handler reset; the model leaves such a count alone
    if ((t.preemptCount & NMI_MASK) !== 0 && (t.preemptCount & HARDIRQ_MASK) !== 0)
      t.preemptCount -= NMI_OFFSET + HARDIRQ_OFFSET;
    t.lockdepRecursion--;
    t.irqsOff = f.irqsOff;
    return true;
  }

  /**
   * irq_thread(): a force-threaded handler runs in its irq thread `thread`, a task of
   * its own, on this CPU. The interrupted task stays as it is: its hard interrupt only
   * woke the thread (irq_default_primary_handler()), which runs when the CPU lets it, so
   * switching to it is not a preemption of the interrupted task and checks nothing.
   * irq_forced_thread_fn()'s local_bh_disable()/local_irq_disable() are the caller's.
   */
  irqThreadEnter(thread: Task): void {
    const c = this.cpus[this.cpu];
    if (thread.exited) throw new UsageError(`task ${thread.comm} has exited`);
    if (thread.cpu >= 0 || thread.frames.length > 0)
      throw new UsageError(
        `${thread.comm} is already running its handler (an irq thread does not nest into itself)`,
      );
    thread.frames.push({
      kind: 'irq-thread',
      irqsOff: thread.irqsOff,
      hardirqThreaded: thread.hardirqThreaded,
      preemptCount: thread.preemptCount,
      depth: thread.depth,
      interrupted: c.current,
    });
    const out = c.current;
    // `out` keeps its CPU: it is the task the interrupt came in on, current again after.
    thread.cpu = this.cpu;
    this.setCurrent(c, thread);
    if (log.enabled) log('cpu%d: %s -> %s (irq thread)', this.cpu, out.comm, thread.comm);
  }

  /** The handler returned: the irq thread sleeps again and the interrupted task runs. */
  irqThreadExit(): boolean {
    const t = this.current;
    const f = this.popFrame(t, 'irq-thread', 'irq_thread', 'val > preempt_count()');
    if (!f || !f.interrupted) return false;
    const c = this.cpus[this.cpu];
    t.cpu = -1;
    const back = f.interrupted;
    // The interrupted task may have exited or moved while the thread ran (a switchTo()
    // inside the handler body): then the CPU goes idle.
    this.setCurrent(c, back.exited || back.cpu !== this.cpu ? c.idle : back);
    if (log.enabled) log('cpu%d: %s -> %s (irq thread done)', this.cpu, t.comm, c.current.comm);
    return true;
  }

  private popFrame(
    t: Task,
    kind: 'hardirq' | 'softirq' | 'nmi' | 'irq-thread',
    where: string,
    condition: string,
  ) {
    const f = t.frames[t.frames.length - 1];
    if (!f || f.kind !== kind) {
      this.warn(t, condition, where);
      return null;
    }
    t.frames.pop();
    return f;
  }

  // ---------------------------------------------------------------------------------
  // Scheduler checks

  /**
   * __might_resched(): report unless preempt_count and RCU nesting are exactly as
   * expected and interrupts are on.
   */
  mightResched(offsets: number, site: string, reason: string): void {
    if (!this.config.debugAtomicSleep) return;
    const t = this.current;
    // rcu_sleep_check() comes first (WARN_ONCE-style, no rate limit).
    if (this.rcuSleepCheck) this.rcuSleepCheck(t, MIGHT_RESCHED_SITE);
    const pc = this.preemptCount(t);
    const irqsOff = this.irqsDisabled(t);
    const rcu = this.derived.preemptRcu ? t.rcuDepth : 0;
    // __might_resched(): the idle task (pid 0) may never sleep, whatever its counts say.
    if (
      (pc + (rcu << MIGHT_RESCHED_RCU_SHIFT) === offsets &&
        !irqsOff &&
        t.pid !== 0 &&
        t.nonBlock === 0) ||
      this.config.booting
    )
      return;
    this.sink.report({
      kind: 'sleeping-in-atomic',
      ...this.base(t),
      site,
      inAtomic: pc !== 0,
      irqsDisabled: irqsOff,
      nonBlock: t.nonBlock,
      preemptCount: pc,
      expectedPreemptCount: offsets & MIGHT_RESCHED_PREEMPT_MASK,
      rcuDepth: this.derived.preemptRcu ? rcu : null,
      expectedRcuDepth: this.derived.preemptRcu ? offsets >> MIGHT_RESCHED_RCU_SHIFT : null,
      reason,
      preemptDisabledAt:
        pc !== (offsets & MIGHT_RESCHED_PREEMPT_MASK) && pc & PREEMPT_MASK
          ? t.preemptDisabledAt || null
          : null,
    });
  }

  /**
   * rcu_sleep_check(): installed by the layer that owns the RCU read-side maps (the
   * machine knows no lock by name).
   */
  rcuSleepCheck: ((t: Task, site: string) => void) | null = null;

  /**
   * RCU_LOCKDEP_WARN(cond, message) at `site`: "WARNING: suspicious RCU usage", once per
   * site (the sink folds repeats). Silent while booting (rcu_scheduler_active is
   * RCU_SCHEDULER_INACTIVE) and inside NMI (lockdep_recursion).
   */
  rcuLockdepWarn(cond: boolean, site: string, message: string): void {
    const t = this.current;
    // debug_lockdep_rcu_enabled() reads debug_locks: nothing once a limit turned lockdep off
    if (!cond || this.config.booting || t.lockdepRecursion || this.lockdep.off) return;
    this.sink.report({
      kind: 'suspicious-rcu-usage',
      ...this.base(t),
      site,
      message,
      debugLocks: this.sink.debugLocks,
    });
  }

  /** might_sleep() */
  mightSleep(site: string, reason: string): void {
    this.mightResched(0, site, reason);
  }

  /**
   * schedule(), and every other way into __schedule() (a contended sleeping lock, an RT
   * spinlock's schedule_rtlock()): schedule_debug() reports a preempt_count above the
   * scheduler's own +1 (__schedule_bug()), then runs rcu_sleep_check().
   */
  schedule(reason: string, rtlock = false): void {
    const t = this.current;
    if (this.preemptCount(t) !== 0) this.scheduleBug(t, reason);
    if (this.rcuSleepCheck) this.rcuSleepCheck(t, SCHEDULE_DEBUG_SITE);
    // __schedule() then calls rcu_note_context_switch(preempt), preempt being
    // sched_mode > SM_NONE: schedule_rtlock() (SM_RTLOCK_WAIT) may block inside an RCU
    // reader, a voluntary schedule() may not.
    if (!rtlock && this.derived.preemptRcu && t.rcuDepth > 0) {
      this.sink.report({
        kind: 'kernel-warning',
        ...this.base(t),
        site: RCU_NOTE_SITE,
        where: 'rcu_note_context_switch',
        message: RCU_VOLUNTARY_SWITCH,
      });
    }
  }

  private scheduleBug(t: Task, reason: string): void {
    this.sink.report({
      kind: 'scheduling-while-atomic',
      ...this.base(t),
      preemptCount: this.preemptCount(t) + 1,
      irqsDisabled: this.irqsDisabled(t),
      reason,
      preemptDisabledAt: t.preemptCount & PREEMPT_MASK ? t.preemptDisabledAt || null : null,
    });
    // schedule_debug() then forces preempt_count to PREEMPT_DISABLED, the scheduler's own
    // count, which schedule() drops on return: whatever the caller had disabled is gone,
    // and its own preempt_enable(), spin_unlock() or irq exit later underflows
    // (DEBUG_LOCKS_WARN_ON(val > preempt_count()) in preempt_count_sub()).
    t.preemptCount = 0;
  }

  /** do_exit(): debug_check_no_locks_held(). The task is gone afterwards. */
  exitTask(t: Task): void {
    if (t.depth > 0 && !this.lockdep.off)
      this.sink.report({ kind: 'lock-held-at-exit', ...this.base(t) });
    t.exited = true;
    if (t.cpu >= 0) {
      const c = this.cpus[t.cpu];
      this.setCurrent(c, c.idle);
      t.cpu = -1;
    }
    // Free it (the kernel's release_task()): only the name stays, for the error a later
    // mention gets; a trace of many short-lived tasks runs in bounded memory.
    if (this.byName.get(t.name) === t) {
      this.byName.delete(t.name);
      this.exitedNames.add(t.name);
      const i = this.tasks.indexOf(t);
      if (i >= 0) this.tasks.splice(i, 1);
    }
  }

  // ---------------------------------------------------------------------------------
  // Report helpers

  /** DEBUG_LOCKS_WARN_ON(): silent once debug_locks_off() ran for a limit. */
  warn(t: Task, condition: string, where: string): void {
    if (this.lockdep.off) return;
    this.sink.report({ kind: 'debug-locks-warning', ...this.base(t), condition, where });
  }

  taskSnapshot(t: Task): TaskSnapshot {
    return { comm: t.comm, pid: t.pid, cpu: t.cpu < 0 ? this.cpu : t.cpu };
  }

  base(t: Task): ViolationBase {
    return {
      event: this.event,
      task: this.taskSnapshot(t),
      held: heldSnapshot(t),
      ident: `${this.config.release} ${this.config.version}`,
    };
  }

  irqState(t: Task): IrqStateSnapshot {
    return {
      hardirqContext: t.hardirqContext,
      hardirqCount: (t.preemptCount & HARDIRQ_MASK) >> HARDIRQ_SHIFT,
      softirqContext: t.softirqContext,
      softirqCount: this.softirqCount(t) >> SOFTIRQ_SHIFT,
      hardirqsEnabled: !t.irqsOff,
      softirqsEnabled: t.softirqsEnabled,
    };
  }
}
