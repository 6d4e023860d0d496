/**
 * The public entry to a modelled kernel: build one per test with createKernel(),
 * declare locks, run code on tasks and in interrupt contexts, read the violations.
 *
 * Every method is one operation: violations it raises are delivered to listeners
 * (and thrown under the `throw` policy) only after the model's state is consistent.
 */
import { resolveConfig, type KernelConfig, type KernelOptions } from './core/config';
import { UsageError } from './core/errors';
import type { LockdepOff } from './core/lockdep';
import { Machine } from './core/machine';
import type { LockClass } from './core/lockClass';
import type { ModelHost } from './core/host';
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
import { checkFlags, NO_OPTIONS, type LockWaitTypes, type LockInit } from './primitives/lockBase';
import type { LockdepMap } from './core/lockdepMap';
import { LocalLock } from './primitives/localLock';
import { Runtime } from './primitives/runtime';
import { Rwlock, type RwlockInit } from './primitives/rwlock';
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

/**
 * How an interrupt handler runs. The kernel's rule, in one place:
 * - `threaded: false` (the default; an IRQF_NO_THREAD-style handler): hard interrupt
 *   context on every configuration, ceiling LD_WAIT_SPIN.
 * - `threaded: true` without forced threading (`threadirqs` off, not PREEMPT_RT): hard
 *   interrupt context marked lockdep_hardirq_threaded() by __handle_irq_event_percpu(),
 *   ceiling LD_WAIT_CONFIG; its locks get IN-HARDIRQ usage.
 * - `threaded: true` with forced threading (`threadirqs`, always on PREEMPT_RT): the body
 *   runs in the irq thread `irq/<irq>-<name>` through irq_forced_thread_fn(): task
 *   context inside local_bh_disable(), plus local_irq_disable() on !RT. No hardirq
 *   context at all for lockdep.
 */
export interface IrqOptions {
  /** the line could be force-threaded (no IRQF_NO_THREAD); default false */
  readonly threaded?: boolean | undefined;
  /**
   * Whether forced threading applies (force_irqthreads()). Default: the config's
   * `threadirqs` (always true on PREEMPT_RT). `false` with `threaded: true` is
   * lib/locking-selftest.c's HARDIRQ_ENTER(): hard interrupt context plus
   * lockdep_hardirq_threaded(), whatever the configuration.
   */
  readonly forceThreaded?: boolean | undefined;
  /** the irq number, for the irq thread's name (default 1) */
  readonly irq?: number | undefined;
  /** the handler's name (request_irq()'s `name`), for the irq thread's name (default `handler`) */
  readonly name?: string | undefined;
}

export interface KernelSummary {
  readonly events: number;
  readonly violations: number;
  /** reports not shown: suppressed by the `first` policy */
  readonly suppressed: number;
  /** reports identical to an earlier one, counted not repeated */
  readonly duplicates: number;
  /** the limit that turned lockdep off (debug_locks_off()) and the event that hit it, or null */
  readonly lockdepOff: LockdepOff | null;
}

/** A lock class as the factory sees it: its declaration and its constructor. */
interface LockCtor<L, I> {
  readonly decl: LockWaitTypes;
  new (r: Runtime, map: LockdepMap, init?: I): L;
}

function checkIrqOptions(o: unknown): void {
  if (o === NO_OPTIONS) return;
  if (o === null || typeof o !== 'object')
    throw new UsageError(
      `irqEnter(): options must be an object, got ${o === null ? 'null' : typeof o}`,
    );
  for (const k of ['threaded', 'forceThreaded'] as const) {
    const v = (o as IrqOptions)[k];
    if (v !== undefined && typeof v !== 'boolean')
      throw new UsageError(`irqEnter(): options.${k} must be a boolean, got ${String(v)}`);
  }
}

function checkFunction(fn: unknown, api: string): void {
  if (typeof fn !== 'function')
    throw new UsageError(
      `${api}(fn): fn must be a function, got ${fn === null ? 'null' : typeof fn}`,
    );
}

function checkString(v: unknown, api: string, what: string): void {
  if (typeof v !== 'string')
    throw new UsageError(
      `${api}(): ${what} must be a string, got ${v === null ? 'null' : typeof v}`,
    );
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

  /**
   * The one lock factory: the lock class declares its wait types and lock type (its
   * static `decl`, as DEFINE_*() / *_init() do in the kernel), the kernel gives it a map.
   */
  private make<L, I extends LockInit>(ctor: LockCtor<L, I>, name: string, init?: I): L {
    const d = ctor.decl;
    const key = this.keyed(name, init);
    return new ctor(this.r, this.m.createMap(name, key, d.inner, d.outer, d.lockType), init);
  }

  /** DEFINE_RAW_SPINLOCK / raw_spin_lock_init(): wait type SPIN {2:2}. */
  rawSpinlock(name: string, init?: LockInit): RawSpinlock {
    return this.make(RawSpinlock, name, init);
  }

  /** DEFINE_SPINLOCK / spin_lock_init(): wait type CONFIG {3:3}; sleeping on PREEMPT_RT. */
  spinlock(name: string, init?: LockInit): Spinlock {
    return this.make(Spinlock, name, init);
  }

  /**
   * DEFINE_RWLOCK / rwlock_init(): wait type CONFIG {3:3}. `queued` (CONFIG_QUEUED_RWLOCKS,
   * default true) makes task-context readers non-recursive, as on x86 and arm64.
   */
  rwlock(name: string, init?: RwlockInit): Rwlock {
    return this.make(Rwlock, name, init);
  }

  /** DEFINE_PER_CPU(local_lock_t): one instance per CPU in one class, wait type CONFIG {3:3}, per-CPU lock type. */
  localLock(name: string, init?: LockInit): LocalLock {
    const key = this.keyed(name, init) ?? name;
    const d = LocalLock.decl;
    return new LocalLock(
      this.r,
      this.m.cpus.map(() => this.m.createMap(name, key, d.inner, d.outer, d.lockType)),
    );
  }

  /** DEFINE_MUTEX / mutex_init(): wait type SLEEP {4:4}. */
  mutex(name: string, init?: LockInit): Mutex {
    return this.make(Mutex, name, init);
  }

  /** DEFINE_RT_MUTEX / rt_mutex_init(): wait type SLEEP {4:4}. */
  rtMutex(name: string, init?: LockInit): RtMutex {
    return this.make(RtMutex, name, init);
  }

  /** DECLARE_RWSEM / init_rwsem(): wait type SLEEP {4:4}. */
  rwsem(name: string, init?: LockInit): RwSemaphore {
    return this.make(RwSemaphore, name, init);
  }

  /** DEFINE_STATIC_PERCPU_RWSEM / percpu_init_rwsem(): unchecked map {0:0}. */
  percpuRwsem(name: string, init?: LockInit): PercpuRwSemaphore {
    return this.make(PercpuRwSemaphore, name, init);
  }

  /** DEFINE_SRCU / init_srcu_struct(): unchecked map {0:0}. */
  srcu(name: string, init?: LockInit): Srcu {
    return this.make(Srcu, name, init);
  }

  /** seqcount_init(): unchecked map {0:0}. */
  seqcount(name: string, init?: LockInit): Seqcount {
    return this.make(Seqcount, name, init);
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
    const m = this.m;
    m.opBegin();
    try {
      m.irqDisable();
    } catch (e) {
      m.opAbort();
      throw e;
    }
    m.opEnd();
  }
  localIrqEnable(): void {
    const m = this.m;
    m.opBegin();
    try {
      m.irqEnable();
    } catch (e) {
      m.opAbort();
      throw e;
    }
    m.opEnd();
  }
  /** local_irq_save(): returns the flags for localIrqRestore(). */
  localIrqSave(): boolean {
    const m = this.m;
    m.opBegin();
    let result: boolean;
    try {
      result = m.irqSave();
    } catch (e) {
      m.opAbort();
      throw e;
    }
    m.opEnd();
    return result;
  }
  localIrqRestore(flags: boolean): void {
    checkFlags(flags, 'local_irq_restore');
    const m = this.m;
    m.opBegin();
    try {
      m.irqRestore(flags);
    } catch (e) {
      m.opAbort();
      throw e;
    }
    m.opEnd();
  }
  preemptDisable(): void {
    const m = this.m;
    m.opBegin();
    try {
      this.r.preemptDisable();
    } catch (e) {
      m.opAbort();
      throw e;
    }
    m.opEnd();
  }
  preemptEnable(): void {
    const m = this.m;
    m.opBegin();
    try {
      this.r.preemptEnable();
    } catch (e) {
      m.opAbort();
      throw e;
    }
    m.opEnd();
  }
  migrateDisable(): void {
    const m = this.m;
    m.opBegin();
    try {
      this.r.migrateDisable();
    } catch (e) {
      m.opAbort();
      throw e;
    }
    m.opEnd();
  }
  migrateEnable(): void {
    const m = this.m;
    m.opBegin();
    try {
      this.r.migrateEnable();
    } catch (e) {
      m.opAbort();
      throw e;
    }
    m.opEnd();
  }
  localBhDisable(): void {
    const m = this.m;
    m.opBegin();
    try {
      this.r.localBhDisable(SOFTIRQ_DISABLE_OFFSET);
    } catch (e) {
      m.opAbort();
      throw e;
    }
    m.opEnd();
  }
  localBhEnable(): void {
    const m = this.m;
    m.opBegin();
    try {
      this.r.localBhEnable(SOFTIRQ_DISABLE_OFFSET);
    } catch (e) {
      m.opAbort();
      throw e;
    }
    m.opEnd();
  }
  rcuReadLock(): void {
    const m = this.m;
    m.opBegin();
    try {
      this.r.rcuReadLock();
    } catch (e) {
      m.opAbort();
      throw e;
    }
    m.opEnd();
  }
  rcuReadUnlock(): void {
    const m = this.m;
    m.opBegin();
    try {
      this.r.rcuReadUnlock();
    } catch (e) {
      m.opAbort();
      throw e;
    }
    m.opEnd();
  }
  rcuReadLockBh(): void {
    const m = this.m;
    m.opBegin();
    try {
      this.r.rcuReadLockBh();
    } catch (e) {
      m.opAbort();
      throw e;
    }
    m.opEnd();
  }
  rcuReadUnlockBh(): void {
    const m = this.m;
    m.opBegin();
    try {
      this.r.rcuReadUnlockBh();
    } catch (e) {
      m.opAbort();
      throw e;
    }
    m.opEnd();
  }
  rcuReadLockSched(): void {
    const m = this.m;
    m.opBegin();
    try {
      this.r.rcuReadLockSched();
    } catch (e) {
      m.opAbort();
      throw e;
    }
    m.opEnd();
  }
  rcuReadUnlockSched(): void {
    const m = this.m;
    m.opBegin();
    try {
      this.r.rcuReadUnlockSched();
    } catch (e) {
      m.opAbort();
      throw e;
    }
    m.opEnd();
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
   * An interrupt handler starts: hard interrupt context on the current task, or, for a
   * threaded handler under forced threading, its irq thread `irq/<irq>-<name>` becomes
   * current on this CPU (see IrqOptions for the rule).
   */
  irqEnter(o: IrqOptions = NO_OPTIONS): void {
    checkIrqOptions(o);
    const threaded = o.threaded ?? false;
    const forced = threaded && (o.forceThreaded ?? this.config.threadirqs);
    if (forced) {
      const irq = o.irq ?? 1;
      const name = o.name ?? 'handler';
      if (!Number.isInteger(irq) || irq < 0)
        throw new UsageError(`irq must be a non-negative integer, got ${irq}`);
      if (typeof name !== 'string' || name.length === 0)
        throw new UsageError(`an irq handler needs a non-empty name, got ${JSON.stringify(name)}`);
      const comm = `irq/${irq}-${name}`;
      const t = this.m.findTask(comm);
      if (t && (t.exited || t.cpu >= 0 || t.frames.length > 0))
        throw new UsageError(`${comm} is already running its handler (or has exited)`);
      this.m.op(() => this.r.forcedThreadEnter(t ?? this.m.task(comm)));
      return;
    }
    this.m.op(() => this.m.hardirqEnter(threaded));
  }

  irqExit(): void {
    this.m.op(() => {
      const f = this.m.current.frames[this.m.current.frames.length - 1];
      if (f && f.kind === 'irq-thread') this.r.forcedThreadExit();
      else this.m.hardirqExit();
    });
  }

  /** Run `fn` as an interrupt handler. */
  hardirq<T>(fn: () => T, o: IrqOptions = NO_OPTIONS): T {
    checkFunction(fn, 'hardirq');
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
    checkFunction(fn, 'softirq');
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
    checkFunction(fn, 'nmi');
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
    checkString(site, 'might_sleep', 'site');
    checkString(reason, 'might_sleep', 'reason');
    this.m.op(() => this.m.mightSleep(site, reason));
  }

  /** schedule(): the current task gives up the CPU. */
  schedule(reason = 'schedule()'): void {
    checkString(reason, 'schedule', 'reason');
    this.m.op(() => this.m.schedule(reason));
  }

  // ---------------------------------------------------------------------------------
  // Tasks and CPUs

  /** The current task's name. */
  get current(): string {
    return this.m.current.name;
  }

  /** Does a live task of this name exist? */
  hasTask(name: string): boolean {
    return this.m.findTask(name) !== undefined;
  }

  /**
   * Create task `name` with a real pid before it first runs (an ftrace import's
   * `comm-pid`): splats and JSON print that pid, and a name ending in `-<pid>` prints as
   * the comm before it. A UsageError if the task exists, or for a pid outside 1..2^22.
   */
  declareTask(name: string, pid: number): void {
    if (typeof name !== 'string' || name.length === 0)
      throw new UsageError(`a task needs a non-empty name, got ${JSON.stringify(name)}`);
    if (!Number.isInteger(pid) || pid < 1 || pid > 4194304)
      throw new UsageError(`pid must be an integer in 1..4194304 (PID_MAX_LIMIT), got ${pid}`);
    this.m.declareTask(name, pid);
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
    if (typeof comm !== 'string' || comm.length === 0)
      throw new UsageError(`a task needs a non-empty name, got ${JSON.stringify(comm)}`);
    if (cpu !== undefined) this.m.checkCpu(cpu);
    const t = this.m.findTask(comm);
    if (t && t.exited) throw new UsageError(`task ${comm} has exited`);
    this.m.op(() => {
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
    checkFunction(fn, 'onTask');
    this.switchTo(comm, cpu);
    return fn();
  }

  /** do_exit(): locks still held are reported. Defaults to the current task. */
  exitTask(comm?: string): void {
    const t = comm === undefined ? this.m.current : this.m.findTask(comm);
    if (!t && comm !== undefined && this.m.hasExited(comm))
      throw new UsageError(`task ${comm} has already exited`);
    if (!t) throw new UsageError(`no task named ${JSON.stringify(comm)}`);
    if (t.exited) throw new UsageError(`task ${t.comm} has already exited`);
    this.m.op(() => this.m.exitTask(t));
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
    return this.m.tasks.filter((t) => !t.exited && t.depth > 0).map((t) => t.name);
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
      lockdepOff: this.m.lockdep.off,
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

  /** @internal what the models run on (see core/host.ts) */
  get host(): ModelHost {
    return (this.hostImpl ??= makeHost(this.m, this.r));
  }
  private hostImpl: ModelHost | undefined;

  /** @internal the lock classes and wait levels the graph renderer draws (read-only) */
  graphSnapshot(): GraphSnapshot {
    const d = this.m.derived;
    return { classes: this.m.lockdep.classes, waitSpin: d.waitSpin, waitConfig: d.waitConfig };
  }

  /** @internal the machine, for layers built on this one (trace replay) */
  get machine(): Machine {
    return this.m;
  }

  /** @internal the shared primitive runtime */
  get runtime(): Runtime {
    return this.r;
  }
}

/** @internal A read-only view of the dependency graph, for the renderer. */
export interface GraphSnapshot {
  readonly classes: readonly LockClass[];
  /** the wait levels SPIN and CONFIG resolve to in this configuration */
  readonly waitSpin: number;
  readonly waitConfig: number;
}

/** The models' host over a machine: task and CPU juggling the models must not do themselves. */
function makeHost(m: Machine, r: Runtime): ModelHost {
  return {
    op: (fn) => m.op(fn),
    checkCpu: (cpu) => m.checkCpu(cpu),
    rawPreemptCount: () => m.current.preemptCount,
    cpuAvailable(cpu, needIrqsOn) {
      const cur = m.cpus[cpu].current;
      if (needIrqsOn) return !cur.irqsOff;
      return cur === m.cpus[cpu].idle || (m.preemptCount(cur) === 0 && !cur.irqsOff);
    },
    runAsTask(comm, cpu, fn) {
      m.checkCpu(cpu);
      const callerCpu = m.cpu;
      const callerTask = m.cpus[callerCpu].current;
      const outgoing = m.cpus[cpu].current;
      const task = m.task(comm);
      if (task.exited) throw new UsageError(`task ${comm} has exited`);
      m.switchTo(task, cpu);
      try {
        return fn();
      } finally {
        m.switchTo(outgoing, cpu);
        m.switchTo(callerTask, callerCpu);
      }
    },
    onCpu(cpu, fn) {
      const callerCpu = m.cpu;
      m.switchTo(m.cpus[cpu].current, cpu);
      try {
        return fn();
      } finally {
        m.switchTo(m.cpus[callerCpu].current, callerCpu);
      }
    },
    startTask(comm, cpu, fn) {
      const callerCpu = m.cpu;
      const callerTask = m.cpus[callerCpu].current;
      m.op(() => {
        m.switchTo(m.task(comm), cpu);
        fn();
        m.switchTo(callerTask, callerCpu);
      });
    },
    stopTask(comm, cpu, fn) {
      const callerCpu = m.cpu;
      const callerTask = m.cpus[callerCpu].current;
      m.op(() => {
        m.switchTo(m.task(comm), cpu);
        fn();
        // the task goes back to sleep: the CPU runs its idle task again
        m.switchTo(m.cpus[cpu].idle, cpu);
        m.switchTo(callerTask, callerCpu);
      });
    },
    rcuLockdepWarn: (cond, site, message) => m.rcuLockdepWarn(cond, site, message),
    rcuReaderHeld: () => r.rcuReaderHeld(),
    eventIndex: () => m.event,
  };
}

/** Build a modelled kernel. Throws ConfigError for unknown or contradictory options. */
export function createKernel(options?: KernelOptions): Kernel {
  return new Kernel(options);
}
