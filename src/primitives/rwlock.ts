/**
 * rwlock_t (include/linux/rwlock*.h, kernel/locking/spinlock_rt.c): wait type CONFIG
 * {3:3} for both sides. Readers are recursive (read=2) when read_lock_is_recursive():
 * without CONFIG_QUEUED_RWLOCKS, or in interrupt context; otherwise read=1.
 * On PREEMPT_RT, rt_read_lock()/rt_write_lock() call rtlock_might_resched() *before*
 * the lockdep acquire (the opposite order from spin_lock).
 */
import type { LockdepMap } from '../core/lockdepMap';
import { LD_LOCK, LD_WAIT } from '../core/waitType';
import {
  HARDIRQ_MASK,
  NMI_MASK,
  PREEMPT_OFFSET,
  SOFTIRQ_DISABLE_OFFSET,
} from '../core/preemptCount';
import {
  checkFlags,
  checkOptions,
  LockBase,
  NO_OPTIONS,
  type CallOptions,
  type LockWaitTypes,
  type LockInit,
} from './lockBase';

/** rwlock_init() options: `queued` is CONFIG_QUEUED_RWLOCKS (default true, as on x86 and arm64). */
export interface RwlockInit extends LockInit {
  readonly queued?: boolean;
}
import type { Runtime } from './runtime';

const SOFTIRQ_LOCK_OFFSET = SOFTIRQ_DISABLE_OFFSET + PREEMPT_OFFSET;

type Mode = 0 | 1 | 2 | 3;
const PLAIN = 0;
const IRQ = 1;
const IRQSAVE = 2;
const BH = 3;

/** API names (the default sites) by side and mode, built once: [read][mode]. */
const LOCK_SITES = [
  ['write_lock', 'write_lock_irq', 'write_lock_irqsave', 'write_lock_bh'],
  ['read_lock', 'read_lock_irq', 'read_lock_irqsave', 'read_lock_bh'],
] as const;
const UNLOCK_SITES = [
  ['write_unlock', 'write_unlock_irq', 'write_unlock_irqrestore', 'write_unlock_bh'],
  ['read_unlock', 'read_unlock_irq', 'read_unlock_irqrestore', 'read_unlock_bh'],
] as const;

export class Rwlock extends LockBase {
  /** @internal DEFINE_RWLOCK / rwlock_init(): {3:3} */
  static readonly decl: LockWaitTypes = {
    inner: LD_WAIT.CONFIG,
    outer: LD_WAIT.INV,
    lockType: LD_LOCK.NORMAL,
  };
  private readers = 0;
  private writer = false;
  private readonly rtReasons: readonly [string, string];

  /** CONFIG_QUEUED_RWLOCKS for this lock */
  private readonly queued: boolean;

  /** @internal */
  constructor(r: Runtime, map: LockdepMap, init?: RwlockInit) {
    super(r, map);
    this.queued = init?.queued ?? true;
    this.rtReasons = [
      `write_lock(${map.name}) on PREEMPT_RT`,
      `read_lock(${map.name}) on PREEMPT_RT`,
    ];
  }

  /**
   * read_lock_is_recursive(): !CONFIG_QUEUED_RWLOCKS (which `depends on SMP &&
   * !PREEMPT_RT`, so always on RT) or in_interrupt(). in_interrupt() is irq_count(), which
   * includes the whole softirq count: a BH-disabled section counts, not only serving.
   */
  private readMode(): 1 | 2 {
    if (!this.queued || this.r.rt) return 2;
    const m = this.r.m;
    const t = m.current;
    const inInterrupt =
      (m.preemptCount(t) & (HARDIRQ_MASK | NMI_MASK)) !== 0 || m.softirqCount(t) !== 0;
    return inInterrupt ? 2 : 1;
  }

  private get spins(): boolean {
    return !this.r.rt;
  }

  private take(read: boolean, at: string, trylock = false): boolean {
    const r = this.r;
    if (this.spins) {
      if (trylock && (this.writer || (!read && this.readers > 0))) return false;
      r.m.acquireWith(this.map, 0, trylock, read ? this.readMode() : 0, true, null, at);
    } else {
      if (trylock) {
        if (this.writer || (!read && this.readers > 0)) return false;
        r.m.acquireWith(this.map, 0, true, read ? this.readMode() : 0, true, null, at);
      } else {
        r.rtlockMightResched(this.rtReasons[read ? 1 : 0]);
        r.m.acquireWith(this.map, 0, false, read ? this.readMode() : 0, true, null, at);
        if (this.writer || (!read && this.readers > 0))
          r.contend(this.map, read ? 'rt_read_lock' : 'rt_write_lock');
      }
      r.rcuReadLock(at);
      r.migrateDisable();
    }
    if (read) this.readers++;
    else this.writer = true;
    return true;
  }

  private drop(read: boolean, at: string): boolean {
    const r = this.r;
    if (!r.m.release(this.map, at)) return false;
    if (read) this.readers = Math.max(0, this.readers - 1);
    else this.writer = false;
    if (!this.spins) {
      r.migrateEnable();
      r.rcuReadUnlock(at);
    }
    return true;
  }

  private lockBody(read: boolean, mode: Mode, at: string): boolean {
    const r = this.r;
    let flags = r.m.current.irqsOff;
    if (this.spins) {
      if (mode === IRQ) r.m.irqDisable();
      if (mode === IRQSAVE) flags = r.m.irqSave();
      if (mode === BH) r.localBhDisable(SOFTIRQ_LOCK_OFFSET, at);
      else r.preemptDisable(at);
    } else if (mode === BH) r.localBhDisable(SOFTIRQ_DISABLE_OFFSET, at);
    this.take(read, at);
    return flags;
  }

  private unlockBody(read: boolean, mode: Mode, flags: boolean, at: string): void {
    const r = this.r;
    if (!this.drop(read, at)) return;
    if (this.spins) {
      if (mode === IRQ) r.m.irqEnable();
      if (mode === IRQSAVE) r.m.irqRestore(flags);
      if (mode === BH) r.localBhEnable(SOFTIRQ_LOCK_OFFSET, at);
      else r.preemptEnable();
    } else if (mode === BH) r.localBhEnable(SOFTIRQ_DISABLE_OFFSET, at);
  }

  /** One lock operation: arguments checked, then opBegin()/opEnd() around the body. */
  private lockWith(read: boolean, mode: Mode, o: CallOptions): boolean {
    const api = LOCK_SITES[read ? 1 : 0][mode];
    checkOptions(o, api);
    const at = o.at ?? api;
    const m = this.r.m;
    m.opBegin();
    let flags: boolean;
    try {
      flags = this.lockBody(read, mode, at);
    } catch (e) {
      m.opAbort();
      throw e;
    }
    m.opEnd();
    return flags;
  }

  private unlockWith(read: boolean, mode: Mode, flags: boolean, o: CallOptions): void {
    const api = UNLOCK_SITES[read ? 1 : 0][mode];
    if (mode === IRQSAVE) checkFlags(flags, api);
    checkOptions(o, api);
    const at = o.at ?? api;
    const m = this.r.m;
    m.opBegin();
    try {
      this.unlockBody(read, mode, flags, at);
    } catch (e) {
      m.opAbort();
      throw e;
    }
    m.opEnd();
  }

  readLock(o: CallOptions = NO_OPTIONS): void {
    this.lockWith(true, PLAIN, o);
  }
  readUnlock(o: CallOptions = NO_OPTIONS): void {
    this.unlockWith(true, PLAIN, false, o);
  }
  writeLock(o: CallOptions = NO_OPTIONS): void {
    this.lockWith(false, PLAIN, o);
  }
  writeUnlock(o: CallOptions = NO_OPTIONS): void {
    this.unlockWith(false, PLAIN, false, o);
  }
  readLockIrq(o: CallOptions = NO_OPTIONS): void {
    this.lockWith(true, IRQ, o);
  }
  readUnlockIrq(o: CallOptions = NO_OPTIONS): void {
    this.unlockWith(true, IRQ, false, o);
  }
  writeLockIrq(o: CallOptions = NO_OPTIONS): void {
    this.lockWith(false, IRQ, o);
  }
  writeUnlockIrq(o: CallOptions = NO_OPTIONS): void {
    this.unlockWith(false, IRQ, false, o);
  }
  readLockIrqsave(o: CallOptions = NO_OPTIONS): boolean {
    return this.lockWith(true, IRQSAVE, o);
  }
  readUnlockIrqrestore(flags: boolean, o: CallOptions = NO_OPTIONS): void {
    this.unlockWith(true, IRQSAVE, flags, o);
  }
  writeLockIrqsave(o: CallOptions = NO_OPTIONS): boolean {
    return this.lockWith(false, IRQSAVE, o);
  }
  writeUnlockIrqrestore(flags: boolean, o: CallOptions = NO_OPTIONS): void {
    this.unlockWith(false, IRQSAVE, flags, o);
  }
  readLockBh(o: CallOptions = NO_OPTIONS): void {
    this.lockWith(true, BH, o);
  }
  readUnlockBh(o: CallOptions = NO_OPTIONS): void {
    this.unlockWith(true, BH, false, o);
  }
  writeLockBh(o: CallOptions = NO_OPTIONS): void {
    this.lockWith(false, BH, o);
  }
  writeUnlockBh(o: CallOptions = NO_OPTIONS): void {
    this.unlockWith(false, BH, false, o);
  }

  /** read_trylock(): true when acquired. */
  readTrylock(o: CallOptions = NO_OPTIONS): boolean {
    checkOptions(o, 'read_trylock');
    return this.run(this.trylockSide, true, o.at ?? 'read_trylock');
  }

  /** write_trylock(): true when acquired. */
  writeTrylock(o: CallOptions = NO_OPTIONS): boolean {
    checkOptions(o, 'write_trylock');
    return this.run(this.trylockSide, false, o.at ?? 'write_trylock');
  }

  private readonly trylockSide = (read: boolean, at: string): boolean => {
    if (this.spins) this.r.preemptDisable(at);
    if (this.take(read, at, true)) return true;
    if (this.spins) this.r.preemptEnable();
    return false;
  };
}
