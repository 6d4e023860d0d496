/**
 * The public entry to a modelled kernel: build one per test with createKernel(),
 * declare locks, run code on tasks and in interrupt contexts, read the violations.
 *
 * Every method is one operation: violations it raises are delivered to listeners
 * (and thrown under the `throw` policy) only after the model's state is consistent.
 */
import { resolveConfig, type KernelConfig, type KernelOptions } from './core/config';
import { UsageError } from './core/errors';
import { Machine } from './core/machine';
import { SOFTIRQ_DISABLE_OFFSET } from './core/preemptCount';
import { heldSnapshot } from './core/snapshot';
import type { ViolationListener } from './core/sink';
import type { Task } from './core/task';
import {
  isWaitTypeName,
  LD_LOCK,
  LD_WAIT,
  lockTypeOf,
  waitLevelOf,
  type LockTypeName,
  type WaitTypeName,
} from './core/waitType';
import { LockdepMapAnnotation, Seqcount, Srcu, WaitOverrideMap } from './primitives/annotations';
import type { LockInit } from './primitives/lockBase';
import { LocalLock } from './primitives/localLock';
import { Runtime } from './primitives/runtime';
import { Rwlock } from './primitives/rwlock';
import { Mutex, PercpuRwSemaphore, RtMutex, RwSemaphore } from './primitives/sleeping';
import { RawSpinlock, Spinlock } from './primitives/spinlock';
import { LockdepViolationError } from './report/error';
import type { LockSnapshot, Violation } from './report/violation';

/** Options for a bare lockdep_map. */
export interface MapInit extends LockInit {
  /** wait_type_inner: what the map presents to locks nested inside */
  readonly inner: WaitTypeName;
  /** wait_type_outer: the context it may be taken in (default: same as inner) */
  readonly outer?: WaitTypeName | undefined;
  readonly lockType?: LockTypeName | undefined;
}

export interface IrqOptions {
  /** lockdep_hardirq_threaded(): a handler that would be threaded with threadirqs */
  readonly threaded?: boolean | undefined;
  /**
   * Whether a threaded handler really runs in its irq thread (force_irqthreads()):
   * lockdep still judges its body as a threaded hardirq (the LD_WAIT_CONFIG ceiling),
   * but might_sleep(), the RT spinlock path and schedule() see the thread (preempt_count
   * 0, interrupts on). Default: the kernel's `threadirqs` (always on PREEMPT_RT). False
   * is what lib/locking-selftest.c's HARDIRQ_ENTER() does: hard interrupt context for all.
   */
  readonly forceThreaded?: boolean | undefined;
}

export interface KernelSummary {
  readonly events: number;
  readonly violations: number;
  /** reports not shown: suppressed by the `first` policy */
  readonly suppressed: number;
  /** reports identical to an earlier one, counted not repeated */
  readonly duplicates: number;
}

export class Kernel {
  readonly config: KernelConfig;
  private readonly m: Machine;
  private readonly r: Runtime;

  constructor(options?: KernelOptions) {
    this.config = resolveConfig(options);
    this.m = new Machine(this.config, (v, all) => new LockdepViolationError(v, all));
    this.r = new Runtime(this.m);
  }

  // ---------------------------------------------------------------------------------
  // Locks

  private keyed(name: string, init: LockInit | undefined): string | undefined {
    if (typeof name !== 'string' || name.length === 0)
      throw new UsageError(`a lock needs a non-empty name, got ${JSON.stringify(name)}`);
    return init?.key;
  }

  /** DEFINE_RAW_SPINLOCK / raw_spin_lock_init(): wait type SPIN {2:2}. */
  rawSpinlock(name: string, init?: LockInit): RawSpinlock {
    return new RawSpinlock(
      this.r,
      this.m.createMap(name, this.keyed(name, init), LD_WAIT.SPIN, LD_WAIT.INV, LD_LOCK.NORMAL),
    );
  }

  /** DEFINE_SPINLOCK / spin_lock_init(): wait type CONFIG {3:3}; sleeping on PREEMPT_RT. */
  spinlock(name: string, init?: LockInit): Spinlock {
    return new Spinlock(
      this.r,
      this.m.createMap(name, this.keyed(name, init), LD_WAIT.CONFIG, LD_WAIT.INV, LD_LOCK.NORMAL),
    );
  }

  /**
   * DEFINE_RWLOCK / rwlock_init(): wait type CONFIG {3:3}. `queued` (CONFIG_QUEUED_RWLOCKS,
   * default true) makes task-context readers non-recursive, as on x86 and arm64.
   */
  rwlock(name: string, init?: LockInit & { readonly queued?: boolean }): Rwlock {
    return new Rwlock(
      this.r,
      this.m.createMap(name, this.keyed(name, init), LD_WAIT.CONFIG, LD_WAIT.INV, LD_LOCK.NORMAL),
      init?.queued ?? true,
    );
  }

  /** DEFINE_PER_CPU(local_lock_t): one instance per CPU, wait type CONFIG {3:3}, per-CPU lock type. */
  localLock(name: string, init?: LockInit): LocalLock {
    const key = this.keyed(name, init) ?? name;
    return new LocalLock(
      this.r,
      this.m.cpus.map(() =>
        this.m.createMap(name, key, LD_WAIT.CONFIG, LD_WAIT.INV, LD_LOCK.PERCPU),
      ),
    );
  }

  /** DEFINE_MUTEX / mutex_init(): wait type SLEEP {4:4}. */
  mutex(name: string, init?: LockInit): Mutex {
    return new Mutex(
      this.r,
      this.m.createMap(name, this.keyed(name, init), LD_WAIT.SLEEP, LD_WAIT.INV, LD_LOCK.NORMAL),
    );
  }

  /** DEFINE_RT_MUTEX / rt_mutex_init(): wait type SLEEP {4:4}. */
  rtMutex(name: string, init?: LockInit): RtMutex {
    return new RtMutex(
      this.r,
      this.m.createMap(name, this.keyed(name, init), LD_WAIT.SLEEP, LD_WAIT.INV, LD_LOCK.NORMAL),
    );
  }

  /** DECLARE_RWSEM / init_rwsem(): wait type SLEEP {4:4}. */
  rwsem(name: string, init?: LockInit): RwSemaphore {
    return new RwSemaphore(
      this.r,
      this.m.createMap(name, this.keyed(name, init), LD_WAIT.SLEEP, LD_WAIT.INV, LD_LOCK.NORMAL),
    );
  }

  /** DEFINE_STATIC_PERCPU_RWSEM / percpu_init_rwsem(): unchecked map {0:0}. */
  percpuRwsem(name: string, init?: LockInit): PercpuRwSemaphore {
    return new PercpuRwSemaphore(
      this.r,
      this.m.createMap(name, this.keyed(name, init), LD_WAIT.INV, LD_WAIT.INV, LD_LOCK.NORMAL),
    );
  }

  /** DEFINE_SRCU / init_srcu_struct(): unchecked map {0:0}. */
  srcu(name: string, init?: LockInit): Srcu {
    return new Srcu(
      this.r,
      this.m.createMap(name, this.keyed(name, init), LD_WAIT.INV, LD_WAIT.INV, LD_LOCK.NORMAL),
    );
  }

  /** seqcount_init(): unchecked map {0:0}. */
  seqcount(name: string, init?: LockInit): Seqcount {
    return new Seqcount(
      this.r,
      this.m.createMap(name, this.keyed(name, init), LD_WAIT.INV, LD_WAIT.INV, LD_LOCK.NORMAL),
    );
  }

  /** lockdep_init_map_type(): a bare map with explicit wait types. */
  lockdepMap(name: string, init: MapInit): LockdepMapAnnotation {
    if (!init || !isWaitTypeName(init.inner))
      throw new UsageError(
        `lockdepMap(${JSON.stringify(name)}): inner must be one of inv, free, spin, config, sleep`,
      );
    if (init.outer !== undefined && !isWaitTypeName(init.outer))
      throw new UsageError(
        `lockdepMap(${JSON.stringify(name)}): outer must be one of inv, free, spin, config, sleep`,
      );
    const type = lockTypeOf(init.lockType ?? 'normal');
    const map = this.m.createMap(
      name,
      this.keyed(name, init),
      waitLevelOf(init.inner),
      waitLevelOf(init.outer ?? 'inv'),
      type,
    );
    return type === LD_LOCK.WAIT_OVERRIDE
      ? new WaitOverrideMap(this.r, map)
      : new LockdepMapAnnotation(this.r, map);
  }

  /** DEFINE_WAIT_OVERRIDE_MAP(name, type): named `<name>-wait-type-override`. */
  waitOverrideMap(name: string, type: WaitTypeName): WaitOverrideMap {
    if (!isWaitTypeName(type))
      throw new UsageError(
        `waitOverrideMap(${JSON.stringify(name)}): type must be one of inv, free, spin, config, sleep`,
      );
    const full = `${name}-wait-type-override`;
    return new WaitOverrideMap(
      this.r,
      this.m.createMap(full, full, waitLevelOf(type), LD_WAIT.INV, LD_LOCK.WAIT_OVERRIDE),
    );
  }

  // ---------------------------------------------------------------------------------
  // Execution context

  localIrqDisable(): void {
    this.m.op(() => this.m.irqDisable());
  }
  localIrqEnable(): void {
    this.m.op(() => this.m.irqEnable());
  }
  /** local_irq_save(): returns the flags for localIrqRestore(). */
  localIrqSave(): boolean {
    return this.m.op(() => this.m.irqSave());
  }
  localIrqRestore(flags: boolean): void {
    this.m.op(() => this.m.irqRestore(flags));
  }
  preemptDisable(): void {
    this.m.op(() => this.r.preemptDisable());
  }
  preemptEnable(): void {
    this.m.op(() => void this.r.preemptEnable());
  }
  migrateDisable(): void {
    this.m.op(() => this.r.migrateDisable());
  }
  migrateEnable(): void {
    this.m.op(() => this.r.migrateEnable());
  }
  localBhDisable(): void {
    this.m.op(() => this.r.localBhDisable(SOFTIRQ_DISABLE_OFFSET));
  }
  localBhEnable(): void {
    this.m.op(() => this.r.localBhEnable(SOFTIRQ_DISABLE_OFFSET));
  }
  rcuReadLock(): void {
    this.m.op(() => this.r.rcuReadLock());
  }
  rcuReadUnlock(): void {
    this.m.op(() => this.r.rcuReadUnlock());
  }
  rcuReadLockBh(): void {
    this.m.op(() => this.r.rcuReadLockBh());
  }
  rcuReadUnlockBh(): void {
    this.m.op(() => this.r.rcuReadUnlockBh());
  }
  rcuReadLockSched(): void {
    this.m.op(() => this.r.rcuReadLockSched());
  }
  rcuReadUnlockSched(): void {
    this.m.op(() => this.r.rcuReadUnlockSched());
  }

  /** preemptible(): CONFIG_PREEMPTION and preempt_count 0 and irqs on. */
  preemptible(): boolean {
    return this.r.preemptible();
  }

  /** in_atomic() */
  inAtomic(): boolean {
    return this.m.preemptCount(this.m.current) !== 0;
  }

  /** irqs_disabled() */
  irqsDisabled(): boolean {
    return this.m.irqsDisabled(this.m.current);
  }

  /**
   * An interrupt handler starts on the current task: hard interrupt context, or (for a
   * threaded handler under forced threading) its irq thread.
   */
  irqEnter(o: IrqOptions = {}): void {
    this.m.op(() => {
      const threaded = o.threaded ?? false;
      if (threaded && (o.forceThreaded ?? this.config.threadirqs)) this.m.irqThreadEnter();
      else this.m.hardirqEnter(threaded);
    });
  }

  irqExit(): void {
    this.m.op(() => {
      const f = this.m.current.frames[this.m.current.frames.length - 1];
      if (f && f.kind === 'irq-thread') this.m.irqThreadExit();
      else this.m.hardirqExit();
    });
  }

  /** Run `fn` as an interrupt handler. */
  hardirq<T>(fn: () => T, o: IrqOptions = {}): T {
    this.irqEnter(o);
    try {
      return fn();
    } finally {
      this.irqExit();
    }
  }

  softirqEnter(): void {
    this.m.op(() => this.r.softirqEnter());
  }
  softirqExit(): void {
    this.m.op(() => this.r.softirqExit());
  }

  /** Run `fn` as a softirq handler (handle_softirqs()). */
  softirq<T>(fn: () => T): T {
    this.softirqEnter();
    try {
      return fn();
    } finally {
      this.softirqExit();
    }
  }

  nmiEnter(): void {
    this.m.op(() => this.m.nmiEnter());
  }
  nmiExit(): void {
    this.m.op(() => void this.m.nmiExit());
  }

  nmi<T>(fn: () => T): T {
    this.nmiEnter();
    try {
      return fn();
    } finally {
      this.nmiExit();
    }
  }

  /**
   * might_sleep() at `site` (a `file:line` as the kernel prints it); `reason` names the
   * caller for readers of the violation (it is not printed).
   */
  mightSleep(site = 'kernel/sched/core.c:8701', reason = 'might_sleep()'): void {
    this.m.op(() => this.m.mightSleep(site, reason));
  }

  /** schedule(): the current task gives up the CPU. */
  schedule(reason = 'schedule()'): void {
    this.m.op(() => this.m.schedule(reason));
  }

  // ---------------------------------------------------------------------------------
  // Tasks and CPUs

  /** The current task's name. */
  get current(): string {
    return this.m.current.comm;
  }

  /** The CPU operations apply to. */
  get cpu(): number {
    return this.m.cpu;
  }

  get cpus(): number {
    return this.m.cpus.length;
  }

  /**
   * Make task `comm` (created on first use) current on `cpu`. By default a running task
   * stays where it runs and a task that is not running wakes on the first idle CPU
   * (CPU 0 when none is idle). Switching out a task that cannot be preempted is reported.
   */
  switchTo(comm: string, cpu?: number): void {
    this.m.op(() => {
      if (typeof comm !== 'string' || comm.length === 0)
        throw new UsageError(`a task needs a non-empty name, got ${JSON.stringify(comm)}`);
      const t = this.m.findTask(comm);
      if (t && t.exited) throw new UsageError(`task ${comm} has exited`);
      const task = t ?? this.m.task(comm);
      this.m.switchTo(task, cpu ?? this.defaultCpu(task));
    });
  }

  /** Where `comm` would run if switched to without naming a CPU. */
  cpuOf(comm: string): number {
    const t = this.m.findTask(comm);
    return t ? this.defaultCpu(t) : this.defaultCpu(null);
  }

  private defaultCpu(task: Task | null): number {
    if (task && task.cpu >= 0) return task.cpu;
    const idle = this.m.cpus.find((c) => c.current === c.idle);
    return idle ? idle.id : 0;
  }

  /** Run `fn` as task `comm` on `cpu`. */
  onTask<T>(comm: string, fn: () => T, cpu?: number): T {
    this.switchTo(comm, cpu);
    return fn();
  }

  /** do_exit(): locks still held are reported. Defaults to the current task. */
  exitTask(comm?: string): void {
    this.m.op(() => {
      const t = comm === undefined ? this.m.current : this.m.findTask(comm);
      if (!t) throw new UsageError(`no task named ${JSON.stringify(comm)}`);
      if (t.exited) throw new UsageError(`task ${t.comm} has already exited`);
      this.m.exitTask(t);
    });
  }

  /** Report locks still held by any live task (debug_check_no_locks_held() for each). */
  checkNoLocksHeld(): readonly Violation[] {
    const before = this.m.sink.list.length;
    this.m.op(() => {
      for (const t of this.m.tasks) {
        if (!t.exited && t.depth > 0 && !this.m.lockdep.off)
          this.m.sink.report({ kind: 'lock-held-at-exit', ...this.m.base(t) });
      }
    });
    return this.m.sink.list.slice(before);
  }

  private taskNamed(comm?: string): Task {
    if (comm === undefined) return this.m.current;
    const t = this.m.findTask(comm);
    if (!t) throw new UsageError(`no task named ${JSON.stringify(comm)}`);
    return t;
  }

  /** The held-lock stack of a task (default current), bottom first. */
  heldLocks(comm?: string): readonly LockSnapshot[] {
    return heldSnapshot(this.taskNamed(comm));
  }

  /** preempt_count() of a task (default current). */
  preemptCount(comm?: string): number {
    return this.m.preemptCount(this.taskNamed(comm));
  }

  /** Names of live tasks holding locks. */
  tasksHoldingLocks(): string[] {
    return this.m.tasks.filter((t) => !t.exited && t.depth > 0).map((t) => t.comm);
  }

  // ---------------------------------------------------------------------------------
  // Results

  /** Violations raised so far (deduplicated; under `first`, at most one lockdep report). */
  get violations(): readonly Violation[] {
    return this.m.sink.list;
  }

  /** Lockdep reports raised after the first under the `first` policy. */
  get suppressed(): readonly Violation[] {
    return this.m.sink.suppressed;
  }

  /** debug_locks: false once lockdep reported (the kernel stops validating then). */
  get debugLocks(): boolean {
    return this.m.sink.debugLocks;
  }

  /** How many times this violation's report was raised, itself included. */
  occurrences(v: Violation): number {
    return this.m.sink.occurrences(v);
  }

  /** Subscribe to violations as they are emitted; returns an unsubscribe function. */
  on(listener: ViolationListener): () => void {
    return this.m.sink.on(listener);
  }

  summary(): KernelSummary {
    return {
      events: this.m.event + 1,
      violations: this.m.sink.list.length,
      suppressed: this.m.sink.suppressed.length,
      duplicates: this.m.sink.duplicates,
    };
  }

  /** /proc/lockdep_stats-style counters. */
  stats(): { classes: number; dependencies: number; chains: number; chainHlocks: number } {
    return this.m.lockdep.stats();
  }

  /** Number the following operations as trace event `index` (null: count calls again). */
  setEvent(index: number | null): void {
    this.m.setEvent(index);
  }

  /** @internal the machine, for layers built on this one (trace replay, models) */
  get machine(): Machine {
    return this.m;
  }

  /** @internal the shared primitive runtime */
  get runtime(): Runtime {
    return this.r;
  }
}

/** Build a modelled kernel. Throws ConfigError for unknown or contradictory options. */
export function createKernel(options?: KernelOptions): Kernel {
  return new Kernel(options);
}
