/**
 * raw_spinlock_t and spinlock_t (include/linux/spinlock*.h, kernel/locking/spinlock_rt.c).
 *
 * raw_spinlock_t: wait type SPIN {2:2}; always spins with preemption disabled.
 * spinlock_t: wait type CONFIG {3:3}; spins like a raw lock on !PREEMPT_RT, and is an
 * rtmutex-based sleeping lock on PREEMPT_RT (rtlock_might_resched(), rcu_read_lock(),
 * migrate_disable(); the _irq/_irqsave variants leave interrupts alone there).
 *
 * Every method checks its arguments first, then runs as one operation with
 * opBegin()/opEnd() around it: no closure, no options object, no string is built on
 * the way, so a lock/unlock pair allocates nothing.
 */
import type { LockdepMap } from '../core/lockdepMap';
import type { Machine } from '../core/machine';
import { LD_LOCK, LD_WAIT } from '../core/waitType';
import { PREEMPT_OFFSET, SOFTIRQ_DISABLE_OFFSET } from '../core/preemptCount';
import {
  checkFlags,
  checkOptions,
  checkSubclass,
  LockBase,
  NO_OPTIONS,
  type CallOptions,
  type LockWaitTypes,
} from './lockBase';
import type { Runtime } from './runtime';

/** Which spin_lock*() variant a shared path runs: plain, _irq, _irqsave, _bh. */
type Variant = 0 | 1 | 2 | 3;
const PLAIN = 0;
const IRQ = 1;
const IRQSAVE = 2;
const BH = 3;

/** SOFTIRQ_LOCK_OFFSET: what spin_lock_bh() adds on !RT */
const SOFTIRQ_LOCK_OFFSET = SOFTIRQ_DISABLE_OFFSET + PREEMPT_OFFSET;

export interface NestOptions extends CallOptions {
  readonly subclass?: number | undefined;
  readonly nestLock?: LockBase | null | undefined;
}

/** The API names, which are also the default acquisition sites, of one lock family. */
function sites(api: string) {
  return {
    lock: `${api}_lock`,
    unlock: `${api}_unlock`,
    trylock: `${api}_trylock`,
    lockIrq: `${api}_lock_irq`,
    unlockIrq: `${api}_unlock_irq`,
    lockIrqsave: `${api}_lock_irqsave`,
    unlockIrqrestore: `${api}_unlock_irqrestore`,
    trylockIrqsave: `${api}_trylock_irqsave`,
    trylockBh: `${api}_trylock_bh`,
    lockBh: `${api}_lock_bh`,
    unlockBh: `${api}_unlock_bh`,
  } as const;
}
type Sites = ReturnType<typeof sites>;
const RAW_SITES = sites('raw_spin');
const SPIN_SITES = sites('spin');

abstract class SpinBase extends LockBase {
  /** true when this lock spins in this configuration (raw always; spinlock_t unless RT) */
  protected abstract readonly spins: boolean;
  /** rtlock_might_resched()'s reason, built once */
  private readonly rtReason: string;
  /** the machine and the spin_lock() site, one load each on the cached path */
  private readonly m: Machine;
  private readonly lockSite: string;

  /** @internal */
  constructor(
    r: Runtime,
    map: LockdepMap,
    private readonly s: Sites,
  ) {
    super(r, map);
    this.rtReason = `spin_lock(${map.name}) on PREEMPT_RT`;
    this.m = r.m;
    this.lockSite = s.lock;
  }

  /**
   * lock_acquire() straight into the engine: the map is this lock's own and the caller
   * checked subclass and nest_lock, so the machine's argument checks have nothing left.
   */
  private acquireSpin(subclass: number, nest: LockdepMap | null, at: string): void {
    const m = this.r.m;
    const t = m.current;
    m.lockdep.acquire(t, this.map, subclass, false, 0, true, nest, at, t.irqsOff, 0, false);
    this.map.holders++;
  }

  private releaseSpin(at: string): boolean {
    const m = this.r.m;
    if (!m.lockdep.release(m.current, this.map, at)) return false;
    if (this.map.holders > 0) this.map.holders--;
    return true;
  }

  /** spin_lock() after the caller's irq handling: preempt_disable() and acquire, or rt_spin_lock(). */
  private take(subclass: number, nest: LockdepMap | null, at: string): void {
    if (this.spins) {
      // preempt_disable() is recorded at spin_lock itself, whatever site the caller names
      this.r.preemptDisable(this.s.lock);
      this.acquireSpin(subclass, nest, at);
    } else this.r.rtSpinLock(this.map, subclass, nest, at, false, this.rtReason);
  }

  /**
   * spin_lock() / spin_lock_nested() / spin_lock_nest_lock(). Split so that the
   * cached path stays small enough for V8 to inline into the caller.
   */
  lock(o?: NestOptions): void {
    // `undefined` rather than a NO_OPTIONS default: an imported binding is a property
    // load on every call, and this is the hottest call there is; `=== true`: see ctxSig().
    // The whole path is a call of its own, so that V8's inlining budget goes to the
    // cached one.
    if (o !== undefined || this.spins !== true || !this.m.spinLockFast(this.map, this.lockSite))
      this.lockSlow(o);
  }

  private lockSlow(o: NestOptions | undefined): void {
    this.enter(o === undefined ? NO_OPTIONS : o, this.s.lock, PLAIN);
  }

  unlock(o?: CallOptions): void {
    if (o !== undefined || this.spins !== true || !this.m.spinUnlockFast(this.map))
      this.unlockSlow(o);
  }

  private unlockSlow(o: CallOptions | undefined): void {
    this.exit(o === undefined ? NO_OPTIONS : o, this.s.unlock, PLAIN, false);
  }

  /** spin_lock_irq(): on RT interrupts stay enabled. */
  lockIrq(o: NestOptions = NO_OPTIONS): void {
    this.enter(o, this.s.lockIrq, IRQ);
  }

  unlockIrq(o: CallOptions = NO_OPTIONS): void {
    this.exit(o, this.s.unlockIrq, IRQ, false);
  }

  /** spin_lock_irqsave(): returns the flags for unlockIrqrestore(); on RT nothing is disabled. */
  lockIrqsave(o: NestOptions = NO_OPTIONS): boolean {
    return this.enter(o, this.s.lockIrqsave, IRQSAVE);
  }

  unlockIrqrestore(flags: boolean, o: CallOptions = NO_OPTIONS): void {
    this.exit(o, this.s.unlockIrqrestore, IRQSAVE, checkFlags(flags, this.s.unlockIrqrestore));
  }

  /** spin_lock_bh() */
  lockBh(o: NestOptions = NO_OPTIONS): void {
    this.enter(o, this.s.lockBh, BH);
  }

  unlockBh(o: CallOptions = NO_OPTIONS): void {
    this.exit(o, this.s.unlockBh, BH, false);
  }

  /**
   * The whole path of every spin_lock*() variant: arguments checked before anything
   * changes, then one operation doing the variant's irq or BH part and the
   * acquisition. Returns the saved irq flags (IRQSAVE; false otherwise).
   */
  private enter(o: NestOptions, api: string, how: Variant): boolean {
    let subclass = 0;
    let nest: LockdepMap | null = null;
    let at = api;
    if (o !== NO_OPTIONS) {
      checkOptions(o, api);
      subclass = checkSubclass(o.subclass, api);
      nest = this.nestMap(o.nestLock, api);
      at = o.at ?? api;
    }
    const m = this.m;
    m.opBegin();
    let flags = false;
    try {
      if (how === BH) {
        // !RT: SOFTIRQ_LOCK_OFFSET and a spinning acquisition; RT: local_bh_disable()
        // and rt_spin_lock(), nest_lock not passed on (as spin_lock_bh() on RT).
        if (this.spins) {
          this.r.localBhDisable(SOFTIRQ_LOCK_OFFSET, at);
          this.acquireSpin(subclass, nest, at);
        } else {
          this.r.localBhDisable(SOFTIRQ_DISABLE_OFFSET, at);
          this.r.rtSpinLock(this.map, subclass, null, at, false, this.rtReason);
        }
      } else {
        if (how === IRQ && this.spins) m.irqDisable();
        else if (how === IRQSAVE) flags = this.spins ? m.irqSave() : m.current.irqsOff;
        this.take(subclass, nest, at);
      }
    } catch (e) {
      m.opAbort();
      throw e;
    }
    m.opEnd();
    return flags;
  }

  /** The whole path of every spin_unlock*() variant; `flags` is what IRQSAVE restores. */
  private exit(o: CallOptions, api: string, how: Variant, flags: boolean): void {
    let at = api;
    if (o !== NO_OPTIONS) {
      checkOptions(o, api);
      at = o.at ?? api;
    }
    const m = this.m;
    m.opBegin();
    try {
      if (!this.spins) {
        this.r.rtSpinUnlock(this.map, at);
        if (how === BH) this.r.localBhEnable(SOFTIRQ_DISABLE_OFFSET, at);
      } else if (this.releaseSpin(at)) {
        if (how === BH) this.r.localBhEnable(SOFTIRQ_LOCK_OFFSET, at);
        else {
          if (how === IRQ) m.irqEnable();
          else if (how === IRQSAVE) m.irqRestore(flags);
          this.r.preemptEnable();
        }
      }
    } catch (e) {
      m.opAbort();
      throw e;
    }
    m.opEnd();
  }

  private readonly trylockBody = (at: string): boolean => {
    if (!this.spins) return this.r.rtSpinTrylock(this.map, at);
    this.r.preemptDisable(at);
    if (this.map.holders > 0) {
      this.r.preemptEnable();
      return false;
    }
    this.r.m.acquireWith(this.map, 0, true, 0, true, null, at);
    this.map.holders++;
    return true;
  };

  /** spin_trylock(): true when acquired (the lock was free). */
  trylock(o: CallOptions = NO_OPTIONS): boolean {
    checkOptions(o, this.s.trylock);
    return this.run(this.trylockBody, o.at ?? this.s.trylock, undefined);
  }

  private readonly trylockIrqsaveBody = (at: string): boolean | null => {
    const m = this.r.m;
    const flags = this.spins ? m.irqSave() : m.current.irqsOff;
    if (this.trylockBody(at)) return flags;
    if (this.spins) m.irqRestore(flags);
    return null;
  };

  /** spin_trylock_irqsave(): the flags when acquired, null otherwise. */
  trylockIrqsave(o: CallOptions = NO_OPTIONS): boolean | null {
    checkOptions(o, this.s.trylockIrqsave);
    return this.run(this.trylockIrqsaveBody, o.at ?? this.s.trylockIrqsave, undefined);
  }

  private readonly trylockBhBody = (at: string): boolean => {
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
    this.r.m.acquireWith(this.map, 0, true, 0, true, null, at);
    this.map.holders++;
    return true;
  };

  /**
   * spin_trylock_bh(): !RT disables BH with SOFTIRQ_LOCK_OFFSET, trylocks, and on failure
   * re-enables BH; RT is local_bh_disable() + rt_spin_trylock(), local_bh_enable() on failure.
   */
  trylockBh(o: CallOptions = NO_OPTIONS): boolean {
    checkOptions(o, this.s.trylockBh);
    return this.run(this.trylockBhBody, o.at ?? this.s.trylockBh, undefined);
  }
}

/** raw_spinlock_t */
export class RawSpinlock extends SpinBase {
  /** @internal DEFINE_RAW_SPINLOCK / raw_spin_lock_init(): {2:2} */
  static readonly decl: LockWaitTypes = {
    inner: LD_WAIT.SPIN,
    outer: LD_WAIT.INV,
    lockType: LD_LOCK.NORMAL,
  };
  protected readonly spins = true;
  /** @internal */
  constructor(r: Runtime, map: LockdepMap) {
    super(r, map, RAW_SITES);
  }
}

/** spinlock_t */
export class Spinlock extends SpinBase {
  /** @internal DEFINE_SPINLOCK / spin_lock_init(): {3:3} */
  static readonly decl: LockWaitTypes = {
    inner: LD_WAIT.CONFIG,
    outer: LD_WAIT.INV,
    lockType: LD_LOCK.NORMAL,
  };
  protected readonly spins: boolean;
  /** @internal */
  constructor(r: Runtime, map: LockdepMap) {
    super(r, map, SPIN_SITES);
    this.spins = !r.rt;
  }
}
