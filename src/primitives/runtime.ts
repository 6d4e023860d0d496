/**
 * Shared kernel machinery the lock primitives are built from: RCU read-side maps,
 * local_bh_disable()/enable() (with PREEMPT_RT's bh_lock_map and softirq_ctrl.lock),
 * preemptible(), migrate_disable(), and the PREEMPT_RT sleeping-spinlock path
 * (rtlock_might_resched(), rcu_read_lock(), migrate_disable()).
 *
 * Everything here is a sequence of machine operations, the way kernel code is a
 * sequence of calls; no check is written here, they all come from the validator.
 */
import type { Machine } from '../core/machine';
import type { LockdepMap } from '../core/lockdepMap';
import type { Task } from '../core/task';
import {
  MIGHT_RESCHED_RCU_SHIFT,
  PREEMPT_OFFSET,
  SOFTIRQ_DISABLE_OFFSET,
  SOFTIRQ_OFFSET,
} from '../core/preemptCount';
import { LD_LOCK, LD_WAIT } from '../core/waitType';

const CTRL_REASON = 'spin_lock(softirq_ctrl.lock) on PREEMPT_RT';

/** Per-task flag: did local_bh_disable() on RT take softirq_ctrl.lock and rcu_read_lock()? */
const bhLocked = new WeakMap<object, boolean>();

/** @internal */
export class Runtime {
  readonly rt: boolean;
  /** rcu_lock_map: inner CONFIG, outer FREE ("PREEMPT_RT implies PREEMPT_RCU") */
  readonly rcuLockMap: LockdepMap;
  /** rcu_bh_lock_map: inner CONFIG, outer FREE */
  readonly rcuBhLockMap: LockdepMap;
  /** rcu_sched_lock_map: inner SPIN, outer FREE */
  readonly rcuSchedLockMap: LockdepMap;
  /** PREEMPT_RT's bh_lock_map ("local_bh"): inner CONFIG, outer FREE, per-CPU */
  readonly bhLockMap: LockdepMap;
  /** PREEMPT_RT's softirq_ctrl.lock, one per CPU (a local_lock_t, i.e. an RT spinlock) */
  readonly softirqCtrlLock: LockdepMap[];

  constructor(readonly m: Machine) {
    this.rt = m.derived.rt;
    this.rcuLockMap = m.createMap(
      'rcu_read_lock',
      undefined,
      LD_WAIT.CONFIG,
      LD_WAIT.FREE,
      LD_LOCK.NORMAL,
    );
    this.rcuBhLockMap = m.createMap(
      'rcu_read_lock_bh',
      undefined,
      LD_WAIT.CONFIG,
      LD_WAIT.FREE,
      LD_LOCK.NORMAL,
    );
    this.rcuSchedLockMap = m.createMap(
      'rcu_read_lock_sched',
      undefined,
      LD_WAIT.SPIN,
      LD_WAIT.FREE,
      LD_LOCK.NORMAL,
    );
    this.bhLockMap = m.createMap(
      'local_bh',
      undefined,
      LD_WAIT.CONFIG,
      LD_WAIT.FREE,
      LD_LOCK.PERCPU,
    );
    this.softirqCtrlLock = m.cpus.map(() =>
      m.createMap('softirq_ctrl.lock', undefined, LD_WAIT.CONFIG, LD_WAIT.INV, LD_LOCK.PERCPU),
    );
    m.rcuSleepCheck = (t, site) => this.rcuSleepCheck(t, site);
  }

  /**
   * rcu_sleep_check() (include/linux/rcupdate.h), run by __might_resched() and by
   * schedule_debug(); `site` is where its bh/sched RCU_LOCKDEP_WARN()s expand. Without
   * PREEMPT_RCU, rcu_preempt_sleep_check() (an inline function of rcupdate.h, hence its
   * own site) checks rcu_lock_map too; with it, the RCU nest depth in __might_resched()
   * catches that.
   */
  private rcuSleepCheck(t: Task, site: string): void {
    const m = this.m;
    if (!m.derived.preemptRcu) {
      m.rcuLockdepWarn(
        m.isHeld(this.rcuLockMap, t),
        'include/linux/rcupdate.h:409',
        'Illegal context switch in RCU read-side critical section',
      );
    }
    // PREEMPT_RT makes BH preemptible: RCU-bh sections may sleep there.
    if (!m.derived.rt) {
      m.rcuLockdepWarn(
        m.isHeld(this.rcuBhLockMap, t),
        site,
        'Illegal context switch in RCU-bh read-side critical section',
      );
    }
    m.rcuLockdepWarn(
      m.isHeld(this.rcuSchedLockMap, t),
      site,
      'Illegal context switch in RCU-sched read-side critical section',
    );
  }

  /** Is any RCU read-side map held by the current task (rcu_read_lock_any_held() for lockdep)? */
  rcuReaderHeld(): boolean {
    return (
      this.m.isHeld(this.rcuLockMap) ||
      this.m.isHeld(this.rcuBhLockMap) ||
      this.m.isHeld(this.rcuSchedLockMap)
    );
  }

  /** preemptible(): only with CONFIG_PREEMPTION; needs preempt_count 0 and irqs on. */
  preemptible(): boolean {
    const t = this.m.current;
    return this.m.derived.preemption && this.m.preemptCount(t) === 0 && !this.m.irqsDisabled(t);
  }

  preemptDisable(at = 'preempt_disable'): void {
    this.m.preemptCountAdd(PREEMPT_OFFSET, at);
  }

  preemptEnable(): boolean {
    return this.m.preemptCountSub(PREEMPT_OFFSET);
  }

  migrateDisable(): void {
    this.m.current.migrateDisable++;
  }

  migrateEnable(): void {
    const t = this.m.current;
    if (t.migrateDisable > 0) t.migrateDisable--;
    else this.m.warn(t, 'current->migration_disabled == 0', 'migrate_enable');
  }

  // ---------------------------------------------------------------------------------
  // RCU read side (include/linux/rcupdate.h)

  /** __rcu_read_lock(): nesting count with PREEMPT_RCU, preempt_disable() without. */
  private rcuEnter(): void {
    if (this.m.derived.preemptRcu) this.m.current.rcuDepth++;
    else this.preemptDisable('rcu_read_lock');
  }

  private rcuLeave(): void {
    if (this.m.derived.preemptRcu) {
      const t = this.m.current;
      if (t.rcuDepth > 0) t.rcuDepth--;
      else this.m.warn(t, 'rcu_preempt_depth() < 0', '__rcu_read_unlock');
    } else this.preemptEnable();
  }

  /** rcu_read_lock(): __rcu_read_lock() then rcu_lock_acquire() (read=2, check=0). */
  rcuReadLock(at = 'rcu_read_lock'): void {
    this.rcuEnter();
    this.m.acquireWith(this.rcuLockMap, 0, false, 2, false, null, at);
  }

  rcuReadUnlock(at = 'rcu_read_unlock'): void {
    if (this.m.release(this.rcuLockMap, at)) this.rcuLeave();
  }

  rcuReadLockBh(at = 'rcu_read_lock_bh'): void {
    this.localBhDisable(SOFTIRQ_DISABLE_OFFSET, at);
    this.m.acquireWith(this.rcuBhLockMap, 0, false, 2, false, null, at);
  }

  rcuReadUnlockBh(at = 'rcu_read_unlock_bh'): void {
    if (this.m.release(this.rcuBhLockMap, at)) this.localBhEnable(SOFTIRQ_DISABLE_OFFSET, at);
  }

  rcuReadLockSched(at = 'rcu_read_lock_sched'): void {
    this.preemptDisable(at);
    this.m.acquireWith(this.rcuSchedLockMap, 0, false, 2, false, null, at);
  }

  rcuReadUnlockSched(at = 'rcu_read_unlock_sched'): void {
    if (this.m.release(this.rcuSchedLockMap, at)) this.preemptEnable();
  }

  // ---------------------------------------------------------------------------------
  // Bottom halves (kernel/softirq.c)

  /** __local_bh_disable_ip(cnt) */
  localBhDisable(cnt: number, at = 'local_bh_disable'): void {
    if (!this.rt) {
      this.m.bhDisableCount(cnt);
      return;
    }
    const t = this.m.current;
    this.m.acquireWith(this.bhLockMap, 0, false, 2, true, null, at);
    if (t.softirqDisableCnt === 0) {
      const lock = this.preemptible();
      bhLocked.set(t, lock);
      if (lock) {
        // local_lock(&softirq_ctrl.lock) on RT: migrate_disable(), then the per-CPU spinlock_t
        this.migrateDisable();
        this.rtSpinLock(this.softirqCtrlLock[this.m.cpu], 0, null, at, true, CTRL_REASON);
        this.rcuReadLock(at);
      }
    }
    this.m.bhDisableCount(cnt);
  }

  /**
   * __local_bh_enable_ip(cnt). On RT the release of softirq_ctrl.lock and of the RCU read
   * section is decided by `preempt_on = preemptible()` sampled on entry, not by what the
   * matching disable did: a mismatched pair leaks or over-releases them, as in the kernel.
   * `unlock` overrides it for ksoftirqd_run_end(), which always unlocks.
   */
  localBhEnable(cnt: number, at = 'local_bh_enable', unlock?: boolean): void {
    if (!this.rt) {
      this.m.bhEnableCount(cnt);
      return;
    }
    const t = this.m.current;
    const preemptOn = unlock ?? this.preemptible();
    // lock_map_release(&bh_lock_map) comes first and is unconditional
    this.m.release(this.bhLockMap, at);
    if (!this.m.bhEnableCount(cnt)) return;
    if (t.softirqDisableCnt === 0 && preemptOn) {
      bhLocked.set(t, false);
      this.rcuReadUnlock(at);
      // local_unlock(): spin_unlock(this_cpu_ptr()), then migrate_enable()
      this.rtSpinUnlock(this.heldOf(this.softirqCtrlLock), at);
      this.migrateEnable();
    }
  }

  /** Start serving softirqs: handle_softirqs()/ksoftirqd take BH with SOFTIRQ_OFFSET, then lockdep_softirq_start(). */
  softirqEnter(at = 'handle_softirqs'): void {
    this.localBhDisable(SOFTIRQ_OFFSET, at);
    this.m.softirqContextEnter();
  }

  softirqExit(at = 'handle_softirqs'): void {
    if (!this.m.softirqContextExit()) return;
    // RT softirqs run in ksoftirqd (ksoftirqd_run_end(): __local_bh_enable(SOFTIRQ_OFFSET,
    // true)) or from a preemptible local_bh_enable(): the lock taken on entry is dropped.
    this.localBhEnable(
      SOFTIRQ_OFFSET,
      at,
      this.rt ? bhLocked.get(this.m.current) === true : undefined,
    );
  }

  // ---------------------------------------------------------------------------------
  // Force-threaded interrupt handlers (kernel/irq/manage.c)

  /**
   * irq_thread() running irq_forced_thread_fn(): the handler's body runs in task context,
   * in its irq thread `thread`, inside local_bh_disable() (on RT __local_bh_disable_ip()
   * takes softirq_ctrl.lock and rcu_read_lock(); on !RT it adds SOFTIRQ_DISABLE_OFFSET)
   * and, on !RT only, local_irq_disable(). No hard interrupt context: lockdep marks no
   * IN-HARDIRQ usage there and judges the wait context by what the thread holds.
   */
  forcedThreadEnter(thread: Task): void {
    this.m.irqThreadEnter(thread);
    this.localBhDisable(SOFTIRQ_DISABLE_OFFSET, 'irq_forced_thread_fn');
    if (!this.rt) this.m.irqDisable();
  }

  /** The end of irq_forced_thread_fn(): local_irq_enable() on !RT, local_bh_enable(). */
  forcedThreadExit(): void {
    if (!this.rt) this.m.irqEnable();
    this.localBhEnable(SOFTIRQ_DISABLE_OFFSET, 'irq_forced_thread_fn');
    this.m.irqThreadExit();
  }

  // ---------------------------------------------------------------------------------
  // PREEMPT_RT sleeping spinlocks (kernel/locking/spinlock_rt.c)

  /** rtlock_might_resched(): any RCU nesting is fine, preempt_count must be 0, irqs on. */
  rtlockMightResched(what: string): void {
    const depth = this.m.derived.preemptRcu ? this.m.current.rcuDepth : 0;
    this.m.mightResched(depth << MIGHT_RESCHED_RCU_SHIFT, 'kernel/locking/spinlock_rt.c:48', what);
  }

  /** The instance of a per-CPU lock the current task holds, else this CPU's (this_cpu_ptr()). */
  heldOf(perCpu: readonly LockdepMap[]): LockdepMap {
    for (let i = 0; i < perCpu.length; i++) if (this.m.isHeld(perCpu[i])) return perCpu[i];
    return perCpu[this.m.cpu];
  }

  /** The rtmutex would block: the task schedules (schedule_rtlock(), SM_RTLOCK_WAIT). */
  contend(map: LockdepMap, what: string): void {
    this.m.schedule(`${what}: ${map.name} is held by another task`, true);
  }

  /**
   * rt_spin_lock(): lockdep acquire, rtlock_might_resched(), block if contended,
   * rcu_read_lock(), migrate_disable(). `quiet` skips ownership (per-CPU internal locks).
   */
  rtSpinLock(
    map: LockdepMap,
    subclass: number,
    nestLock: LockdepMap | null,
    at: string,
    quiet: boolean,
    /** rtlock_might_resched()'s reason, built once by the caller */
    reason: string,
  ): void {
    this.m.acquireExclusive(map, subclass, nestLock, at);
    this.rtlockMightResched(reason);
    if (!quiet && map.holders > 0) this.contend(map, 'rt_spin_lock');
    map.holders++;
    this.rcuReadLock(at);
    this.migrateDisable();
  }

  rtSpinTrylock(map: LockdepMap, at = 'rt_spin_trylock'): boolean {
    if (map.holders > 0) return false;
    this.m.acquireWith(map, 0, true, 0, true, null, at);
    map.holders++;
    this.rcuReadLock(at);
    this.migrateDisable();
    return true;
  }

  rtSpinUnlock(map: LockdepMap, at = 'rt_spin_unlock'): void {
    if (!this.m.release(map, at)) return;
    this.migrateEnable();
    this.rcuReadUnlock(at);
    if (map.holders > 0) map.holders--;
  }
}
