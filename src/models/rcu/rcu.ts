/**
 * Tree RCU's update side, with grace periods advanced explicitly by the scenario:
 * call_rcu(), synchronize_rcu() (may sleep), get_state_synchronize_rcu() /
 * poll_state_synchronize_rcu() cookies, queue_rcu_work(). Read-side sections are the
 * core's RCU maps (kernel.rcuReadLock()).
 *
 * A grace period completes only when the scenario says so (gracePeriod()) or inline in
 * synchronize_rcu(). Callbacks whose grace period has elapsed are invoked in softirq
 * context (RCU_SOFTIRQ on ksoftirqd) with rcu_callback_map held, as rcu_do_batch() does.
 */
import type { Kernel } from '../../kernel';
import { UsageError } from '../../core/errors';
import type { LockdepMapAnnotation } from '../../primitives/annotations';
import { DelayedWork, type ModelEnv, type WorkqueueDef } from '../env';

/** An rcu_head queued with call_rcu() */
interface Callback {
  readonly target: number;
  readonly cpu: number;
  readonly fn: () => void;
  readonly name: string;
}

/** struct rcu_work: a work item queued once a grace period has elapsed. */
export class RcuWork {
  readonly work: DelayedWork;
  queued = false;
  constructor(name: string, fn: () => void) {
    this.work = new DelayedWork(name, () => {
      this.queued = false;
      fn();
    });
  }
}

export interface RcuStats {
  /** grace periods completed */
  gracePeriods: number;
  /** synchronize_rcu() calls */
  synchronizeCalls: number;
  callbacksQueued: number;
  callbacksInvoked: number;
}

export class Rcu {
  /** rcu_state.gp_seq as completed grace periods */
  completed = 0;
  private readonly callbacks: Callback[] = [];
  /** rcu_callback_map: held while invoking callbacks ({0:0}) */
  readonly callbackMap: LockdepMapAnnotation;
  readonly stats: RcuStats = {
    gracePeriods: 0,
    synchronizeCalls: 0,
    callbacksQueued: 0,
    callbacksInvoked: 0,
  };

  constructor(
    readonly kernel: Kernel,
    readonly env: ModelEnv,
  ) {
    this.callbackMap = kernel.lockdepMap('rcu_callback', { inner: 'inv' });
  }

  /** get_state_synchronize_rcu(): the grace period that must end for `now` to be safe. */
  getState(): number {
    return this.completed + 1;
  }

  /** poll_state_synchronize_rcu() */
  pollState(cookie: number): boolean {
    return this.completed >= cookie;
  }

  /** call_rcu(head, fn): fn runs after the next full grace period, in softirq context. */
  callRcu(fn: () => void, name = 'rcu_callback'): void {
    if (typeof fn !== 'function') throw new UsageError('callRcu(): expected a function');
    this.callbacks.push({ target: this.getState(), cpu: this.kernel.cpu, fn, name });
    this.stats.callbacksQueued++;
  }

  /** queue_rcu_work(wq, rwork): call_rcu(rcu_work_rcufn) which queues the work. */
  queueRcuWork(wq: WorkqueueDef, rw: RcuWork): boolean {
    if (rw.queued) return false;
    rw.queued = true;
    // rcu_work_rcufn(): runs in softirq on the CPU the rcu_head was queued on
    this.callRcu(() => void this.env.queueWork(wq, rw.work), 'rcu_work_rcufn');
    return true;
  }

  /**
   * Complete `n` grace periods, then invoke the callbacks that became ready (in softirq
   * context on their CPU, where that CPU can run it now).
   */
  gracePeriod(n = 1): void {
    if (!Number.isInteger(n) || n < 1)
      throw new UsageError(`gracePeriod(n): n must be a positive integer, got ${String(n)}`);
    this.kernel.host.op(() => {
      this.completed += n;
      this.stats.gracePeriods += n;
      this.scheduleCallbacks();
    });
  }

  /** Hand ready callbacks to RCU_SOFTIRQ on their CPUs. */
  private scheduleCallbacks(): void {
    const ready = this.callbacks.filter((c) => c.target <= this.completed);
    if (ready.length === 0) return;
    for (const c of ready) this.callbacks.splice(this.callbacks.indexOf(c), 1);
    const byCpu = new Map<number, Callback[]>();
    for (const c of ready) {
      const l = byCpu.get(c.cpu) ?? [];
      l.push(c);
      byCpu.set(c.cpu, l);
    }
    for (const [cpu, list] of byCpu) {
      // rcu_do_batch()
      this.env.raiseSoftirq(() => {
        for (const c of list) {
          this.callbackMap.acquire({ at: 'rcu_do_batch' });
          this.stats.callbacksInvoked++;
          c.fn();
          this.callbackMap.release({ at: 'rcu_do_batch' });
        }
      }, cpu);
    }
    this.env.runPending();
  }

  /**
   * synchronize_rcu(): might_sleep(), then wait (sleep) for a full grace period. The
   * model completes the grace period inline; what was illegal about sleeping here has
   * already been reported.
   */
  synchronize(): void {
    this.kernel.host.op(() => {
      const k = this.kernel;
      this.stats.synchronizeCalls++;
      k.host.rcuLockdepWarn(
        k.host.rcuReaderHeld(),
        'kernel/rcu/tree.c:3781',
        'Illegal synchronize_rcu() in RCU read-side critical section',
      );
      k.mightSleep('kernel/rcu/tree.c:3785', 'synchronize_rcu()');
      // wait_rcu_gp() -> wait_for_completion(): blocks
      k.schedule('synchronize_rcu');
      this.completed++;
      this.stats.gracePeriods++;
      this.scheduleCallbacks();
    });
  }

  /** Callbacks still waiting for a grace period. */
  get waiting(): number {
    return this.callbacks.length;
  }
}
