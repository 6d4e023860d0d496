/**
 * rwlock_t (include/linux/rwlock*.h, kernel/locking/spinlock_rt.c): wait type CONFIG
 * {3:3} for both sides. Readers are recursive (read=2) when read_lock_is_recursive():
 * without CONFIG_QUEUED_RWLOCKS, or in interrupt context; otherwise read=1.
 * On PREEMPT_RT, rt_read_lock()/rt_write_lock() call rtlock_might_resched() *before*
 * the lockdep acquire (the opposite order from spin_lock).
 */
import type { LockdepMap } from '../core/lockdepMap';
import {
  HARDIRQ_MASK,
  NMI_MASK,
  PREEMPT_OFFSET,
  SOFTIRQ_DISABLE_OFFSET,
} from '../core/preemptCount';
import { LockBase, type CallOptions } from './lockBase';
import type { Runtime } from './runtime';

const SOFTIRQ_LOCK_OFFSET = SOFTIRQ_DISABLE_OFFSET + PREEMPT_OFFSET;

export class Rwlock extends LockBase {
  private readers = 0;
  private writer = false;

  constructor(
    r: Runtime,
    map: LockdepMap,
    private readonly queued: boolean,
  ) {
    super(r, map);
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
      r.m.acquire(this.map, { read: read ? this.readMode() : 0, trylock, at });
    } else {
      if (trylock) {
        if (this.writer || (!read && this.readers > 0)) return false;
        r.m.acquire(this.map, { read: read ? this.readMode() : 0, trylock: true, at });
      } else {
        r.rtlockMightResched(`${read ? 'read' : 'write'}_lock(${this.map.name}) on PREEMPT_RT`);
        r.m.acquire(this.map, { read: read ? this.readMode() : 0, at });
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

  private lockWith(
    read: boolean,
    mode: 'plain' | 'irq' | 'irqsave' | 'bh',
    o: CallOptions,
  ): boolean {
    const api = `${read ? 'read' : 'write'}_lock${mode === 'plain' ? '' : `_${mode}`}`;
    const at = o.at ?? api;
    const r = this.r;
    let flags = r.m.current.irqsOff;
    if (this.spins) {
      if (mode === 'irq') r.m.irqDisable();
      if (mode === 'irqsave') flags = r.m.irqSave();
      if (mode === 'bh') r.localBhDisable(SOFTIRQ_LOCK_OFFSET, at);
      else r.preemptDisable(at);
    } else if (mode === 'bh') r.localBhDisable(SOFTIRQ_DISABLE_OFFSET, at);
    this.take(read, at);
    return flags;
  }

  private unlockWith(
    read: boolean,
    mode: 'plain' | 'irq' | 'irqsave' | 'bh',
    flags: boolean,
    o: CallOptions,
  ): void {
    const at =
      o.at ??
      `${read ? 'read' : 'write'}_unlock${mode === 'plain' ? '' : mode === 'irqsave' ? '_irqrestore' : `_${mode}`}`;
    const r = this.r;
    if (!this.drop(read, at)) return;
    if (this.spins) {
      if (mode === 'irq') r.m.irqEnable();
      if (mode === 'irqsave') r.m.irqRestore(flags);
      if (mode === 'bh') r.localBhEnable(SOFTIRQ_LOCK_OFFSET, at);
      else r.preemptEnable();
    } else if (mode === 'bh') r.localBhEnable(SOFTIRQ_DISABLE_OFFSET, at);
  }

  readLock(o: CallOptions = {}): void {
    this.op(() => void this.lockWith(true, 'plain', o));
  }
  readUnlock(o: CallOptions = {}): void {
    this.op(() => this.unlockWith(true, 'plain', false, o));
  }
  writeLock(o: CallOptions = {}): void {
    this.op(() => void this.lockWith(false, 'plain', o));
  }
  writeUnlock(o: CallOptions = {}): void {
    this.op(() => this.unlockWith(false, 'plain', false, o));
  }
  readLockIrq(o: CallOptions = {}): void {
    this.op(() => void this.lockWith(true, 'irq', o));
  }
  readUnlockIrq(o: CallOptions = {}): void {
    this.op(() => this.unlockWith(true, 'irq', false, o));
  }
  writeLockIrq(o: CallOptions = {}): void {
    this.op(() => void this.lockWith(false, 'irq', o));
  }
  writeUnlockIrq(o: CallOptions = {}): void {
    this.op(() => this.unlockWith(false, 'irq', false, o));
  }
  readLockIrqsave(o: CallOptions = {}): boolean {
    return this.op(() => this.lockWith(true, 'irqsave', o));
  }
  readUnlockIrqrestore(flags: boolean, o: CallOptions = {}): void {
    this.op(() => this.unlockWith(true, 'irqsave', flags, o));
  }
  writeLockIrqsave(o: CallOptions = {}): boolean {
    return this.op(() => this.lockWith(false, 'irqsave', o));
  }
  writeUnlockIrqrestore(flags: boolean, o: CallOptions = {}): void {
    this.op(() => this.unlockWith(false, 'irqsave', flags, o));
  }
  readLockBh(o: CallOptions = {}): void {
    this.op(() => void this.lockWith(true, 'bh', o));
  }
  readUnlockBh(o: CallOptions = {}): void {
    this.op(() => this.unlockWith(true, 'bh', false, o));
  }
  writeLockBh(o: CallOptions = {}): void {
    this.op(() => void this.lockWith(false, 'bh', o));
  }
  writeUnlockBh(o: CallOptions = {}): void {
    this.op(() => this.unlockWith(false, 'bh', false, o));
  }

  /** read_trylock(): true when acquired. */
  readTrylock(o: CallOptions = {}): boolean {
    return this.op(() => this.trylockSide(true, o.at ?? 'read_trylock'));
  }

  /** write_trylock(): true when acquired. */
  writeTrylock(o: CallOptions = {}): boolean {
    return this.op(() => this.trylockSide(false, o.at ?? 'write_trylock'));
  }

  private trylockSide(read: boolean, at: string): boolean {
    if (this.spins) this.r.preemptDisable(at);
    if (this.take(read, at, true)) return true;
    if (this.spins) this.r.preemptEnable();
    return false;
  }
}
