/**
 * What the models need from the kernel they run on, and nothing more: run an operation,
 * check a CPU, read the current preempt count, run code as another task or on another
 * CPU, and raise an RCU warning. The Kernel implements it over its machine; the models
 * never see the machine itself.
 */
export interface ModelHost {
  /** Run `fn` as one operation: what it raises is delivered when it returns. */
  op<T>(fn: () => T): T;
  /** A UsageError unless `cpu` exists. */
  checkCpu(cpu: number): void;
  /** The current task's preempt_count as the hardware holds it (NMI and HARDIRQ bits included). */
  rawPreemptCount(): number;
  /** Can `cpu` be taken over now (its current task preemptible: no preempt count, irqs on)? */
  cpuAvailable(cpu: number, needIrqsOn: boolean): boolean;
  /**
   * Run `fn` as task `comm` on `cpu`, then put back what ran there and the CPU the caller
   * was on. The task being replaced must be preemptible (callers check cpuAvailable()).
   */
  runAsTask<T>(comm: string, cpu: number, fn: () => T): T;
  /** Run `fn` on `cpu`, on top of whatever runs there, then return to the caller's CPU. */
  onCpu<T>(cpu: number, fn: () => T): T;
  /** Run `fn` as task `comm` on `cpu` and leave `comm` running there (a lock holder). */
  startTask(comm: string, cpu: number, fn: () => void): void;
  /** Run `fn` as task `comm` on `cpu`, after which `cpu` runs its idle task again. */
  stopTask(comm: string, cpu: number, fn: () => void): void;
  /** RCU_LOCKDEP_WARN(cond, message) at `site`. */
  rcuLockdepWarn(cond: boolean, site: string, message: string): void;
  /** The index of the event being run (what a placement record points back to). */
  eventIndex(): number;
  /** rcu_read_lock_any_held() for lockdep. */
  rcuReaderHeld(): boolean;
}
