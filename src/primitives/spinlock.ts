/**
 * raw_spinlock_t and spinlock_t (include/linux/spinlock*.h, kernel/locking/spinlock_rt.c).
 *
 * raw_spinlock_t: wait type SPIN {2:2}; always spins with preemption disabled.
 * spinlock_t: wait type CONFIG {3:3}; spins like a raw lock on !PREEMPT_RT, and is an
 * rtmutex-based sleeping lock on PREEMPT_RT (rtlock_might_resched(), rcu_read_lock(),
 * migrate_disable(); the _irq/_irqsave variants leave interrupts alone there).
 */
import type { LockdepMap } from '../core/lockdepMap';
import { PREEMPT_OFFSET, SOFTIRQ_DISABLE_OFFSET } from '../core/preemptCount';
import { LockBase, type CallOptions } from './lockBase';
import type { Runtime } from './runtime';

/** SOFTIRQ_LOCK_OFFSET: what spin_lock_bh() adds on !RT */
const SOFTIRQ_LOCK_OFFSET = SOFTIRQ_DISABLE_OFFSET + PREEMPT_OFFSET;

export interface NestOptions extends CallOptions {
  readonly subclass?: number | undefined;
  readonly nestLock?: LockBase | null | undefined;
}

/** The default options, shared: a call without options allocates nothing. */
const NO_OPTIONS: NestOptions = Object.freeze({});

abstract class SpinBase extends LockBase {
  /** true when this lock spins in this configuration (raw always; spinlock_t unless RT) */
  protected abstract readonly spins: boolean;

  /** default acquisition sites, built once per lock rather than per call */
  private readonly siteLock: string;
  private readonly siteUnlock: string;

  constructor(
    r: Runtime,
    map: LockdepMap,
    protected readonly api: string,
  ) {
    super(r, map);
    this.siteLock = `${api}_lock`;
    this.siteUnlock = `${api}_unlock`;
  }

  private acquireSpin(o: NestOptions, at: string): void {
    this.r.m.acquireExclusive(
      this.map,
      o.subclass ?? 0,
      o.nestLock ? o.nestLock.map : null,
      o.at ?? at,
    );
    this.map.holders++;
  }

  private releaseSpin(at: string): boolean {
    if (!this.r.m.release(this.map, at)) return false;
    if (this.map.holders > 0) this.map.holders--;
    return true;
  }

  /** spin_lock() / spin_lock_nested() / spin_lock_nest_lock() */
  lock(o: NestOptions = NO_OPTIONS): void {
    this.op(() => {
      if (this.spins) {
        this.r.preemptDisable(this.siteLock);
        this.acquireSpin(o, this.siteLock);
      } else {
        this.r.rtSpinLock(this.map, {
          subclass: o.subclass,
          nestLock: o.nestLock ? o.nestLock.map : null,
          at: o.at ?? this.siteLock,
        });
      }
    });
  }

  unlock(o: CallOptions = NO_OPTIONS): void {
    this.op(() => {
      const at = o.at ?? this.siteUnlock;
      if (this.spins) {
        if (this.releaseSpin(at)) this.r.preemptEnable();
      } else this.r.rtSpinUnlock(this.map, at);
    });
  }

  /** spin_trylock(): true when acquired (the lock was free). */
  trylock(o: CallOptions = {}): boolean {
    return this.op(() => {
      const at = o.at ?? `${this.api}_trylock`;
      if (!this.spins) return this.r.rtSpinTrylock(this.map, at);
      this.r.preemptDisable(at);
      if (this.map.holders > 0) {
        this.r.preemptEnable();
        return false;
      }
      this.r.m.acquire(this.map, { trylock: true, at });
      this.map.holders++;
      return true;
    });
  }

  /** spin_lock_irq(): on RT interrupts stay enabled. */
  lockIrq(o: NestOptions = {}): void {
    this.op(() => {
      if (this.spins) this.r.m.irqDisable();
      this.lock({ ...o, at: o.at ?? `${this.api}_lock_irq` });
    });
  }

  unlockIrq(o: CallOptions = {}): void {
    this.op(() => {
      const at = o.at ?? `${this.api}_unlock_irq`;
      if (!this.spins) return this.r.rtSpinUnlock(this.map, at);
      if (this.releaseSpin(at)) {
        this.r.m.irqEnable();
        this.r.preemptEnable();
      }
    });
  }

  /** spin_lock_irqsave(): returns the flags for unlockIrqrestore(); on RT nothing is disabled. */
  lockIrqsave(o: NestOptions = {}): boolean {
    return this.op(() => {
      const flags = this.spins ? this.r.m.irqSave() : this.r.m.current.irqsOff;
      this.lock({ ...o, at: o.at ?? `${this.api}_lock_irqsave` });
      return flags;
    });
  }

  unlockIrqrestore(flags: boolean, o: CallOptions = {}): void {
    this.op(() => {
      const at = o.at ?? `${this.api}_unlock_irqrestore`;
      if (!this.spins) return this.r.rtSpinUnlock(this.map, at);
      if (this.releaseSpin(at)) {
        this.r.m.irqRestore(flags);
        this.r.preemptEnable();
      }
    });
  }

  /** spin_trylock_irqsave(): the flags when acquired, null otherwise. */
  trylockIrqsave(o: CallOptions = {}): boolean | null {
    return this.op(() => {
      const flags = this.spins ? this.r.m.irqSave() : this.r.m.current.irqsOff;
      if (this.trylock({ at: o.at ?? `${this.api}_trylock_irqsave` })) return flags;
      if (this.spins) this.r.m.irqRestore(flags);
      return null;
    });
  }

  /**
   * spin_trylock_bh(): !RT disables BH with SOFTIRQ_LOCK_OFFSET, trylocks, and on failure
   * re-enables BH; RT is local_bh_disable() + rt_spin_trylock(), local_bh_enable() on failure.
   */
  trylockBh(o: CallOptions = {}): boolean {
    return this.op(() => {
      const at = o.at ?? `${this.api}_trylock_bh`;
      if (!this.spins) {
        this.r.localBhDisable(SOFTIRQ_DISABLE_OFFSET, at);
        if (this.r.rtSpinTrylock(this.map, at)) return true;
        this.r.localBhEnable(SOFTIRQ_DISABLE_OFFSET, at);
        return false;
      }
      this.r.localBhDisable(SOFTIRQ_LOCK_OFFSET, at);
      if (this.map.holders > 0) {
        this.r.localBhEnable(SOFTIRQ_LOCK_OFFSET, at);
        return false;
      }
      this.r.m.acquire(this.map, { trylock: true, at });
      this.map.holders++;
      return true;
    });
  }

  /** spin_lock_bh() */
  lockBh(o: NestOptions = {}): void {
    this.op(() => {
      const at = o.at ?? `${this.api}_lock_bh`;
      if (this.spins) {
        this.r.localBhDisable(SOFTIRQ_LOCK_OFFSET, at);
        this.acquireSpin(o, at);
      } else {
        this.r.localBhDisable(SOFTIRQ_DISABLE_OFFSET, at);
        this.r.rtSpinLock(this.map, { subclass: o.subclass, at });
      }
    });
  }

  unlockBh(o: CallOptions = {}): void {
    this.op(() => {
      const at = o.at ?? `${this.api}_unlock_bh`;
      if (this.spins) {
        if (this.releaseSpin(at)) this.r.localBhEnable(SOFTIRQ_LOCK_OFFSET, at);
      } else {
        this.r.rtSpinUnlock(this.map, at);
        this.r.localBhEnable(SOFTIRQ_DISABLE_OFFSET, at);
      }
    });
  }
}

/** raw_spinlock_t */
export class RawSpinlock extends SpinBase {
  protected readonly spins = true;
  constructor(r: Runtime, map: LockdepMap) {
    super(r, map, 'raw_spin');
  }
}

/** spinlock_t */
export class Spinlock extends SpinBase {
  protected readonly spins: boolean;
  constructor(r: Runtime, map: LockdepMap) {
    super(r, map, 'spin');
    this.spins = !r.rt;
  }
}
