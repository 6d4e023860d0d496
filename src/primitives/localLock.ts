/**
 * local_lock_t (include/linux/local_lock_internal.h): a per-CPU lock, one lockdep_map
 * per CPU in one class, wait type CONFIG {3:3}, lock type PERCPU (skipped by the
 * irq-inversion search). On !RT it is preempt_disable()/local_irq_*() plus the map;
 * on PREEMPT_RT it is migrate_disable() plus a per-CPU spinlock_t.
 */
import type { LockdepMap } from '../core/lockdepMap';
import { LD_LOCK, LD_WAIT } from '../core/waitType';
import { HARDIRQ_MASK, NMI_MASK } from '../core/preemptCount';
import {
  checkFlags,
  checkOptions,
  LockBase,
  NO_OPTIONS,
  type CallOptions,
  type LockWaitTypes,
} from './lockBase';
import type { Runtime } from './runtime';

type Mode = 0 | 1 | 2;
const PLAIN = 0;
const IRQ = 1;
const IRQSAVE = 2;
const LOCK_SITES = ['local_lock', 'local_lock_irq', 'local_lock_irqsave'] as const;
const UNLOCK_SITES = ['local_unlock', 'local_unlock_irq', 'local_unlock_irqrestore'] as const;

export class LocalLock extends LockBase {
  /** @internal local_lock_init(): {3:3}, LD_LOCK_PERCPU */
  static readonly decl: LockWaitTypes = {
    inner: LD_WAIT.CONFIG,
    outer: LD_WAIT.INV,
    lockType: LD_LOCK.PERCPU,
  };
  private readonly rtReason: string;

  /** @internal */
  constructor(
    r: Runtime,
    /** this_cpu_ptr() per CPU */
    readonly perCpu: readonly LockdepMap[],
  ) {
    super(r, perCpu[0]);
    this.rtReason = `spin_lock(${perCpu[0].name}) on PREEMPT_RT`;
  }

  /** The instance of the CPU the current task runs on. */
  private here(): LockdepMap {
    return this.perCpu[this.r.m.cpu];
  }

  override isHeld(): boolean {
    for (let i = 0; i < this.perCpu.length; i++) if (this.r.m.isHeld(this.perCpu[i])) return true;
    return false;
  }

  private acquireBody(mode: Mode, at: string): boolean {
    const r = this.r;
    const flags = r.m.current.irqsOff;
    if (r.rt) {
      r.migrateDisable();
      r.rtSpinLock(this.here(), 0, null, at, false, this.rtReason);
      return flags;
    }
    if (mode === IRQ) r.m.irqDisable();
    else if (mode === IRQSAVE) r.m.irqSave();
    else r.preemptDisable(at);
    const mp = this.here();
    r.m.acquireWith(mp, 0, false, 0, true, null, at);
    mp.holders++;
    return flags;
  }

  /** local_unlock*() on the instance the task holds (taken on another CPU only if migration was allowed). */
  private releaseBody(mode: Mode, flags: boolean, at: string): void {
    const r = this.r;
    const mp = r.heldOf(this.perCpu);
    if (r.rt) {
      if (!r.m.isHeld(mp)) {
        r.m.release(mp, at);
        return;
      }
      r.rtSpinUnlock(mp, at);
      r.migrateEnable();
      return;
    }
    if (!r.m.release(mp, at)) return;
    if (mp.holders > 0) mp.holders--;
    if (mode === IRQ) r.m.irqEnable();
    else if (mode === IRQSAVE) r.m.irqRestore(flags);
    else r.preemptEnable();
  }

  private lockWith(mode: Mode, o: CallOptions): boolean {
    const api = LOCK_SITES[mode];
    checkOptions(o, api);
    const at = o.at ?? api;
    const m = this.r.m;
    m.opBegin();
    let flags: boolean;
    try {
      flags = this.acquireBody(mode, at);
    } catch (e) {
      m.opAbort();
      throw e;
    }
    m.opEnd();
    return flags;
  }

  private unlockWith(mode: Mode, flags: boolean, o: CallOptions): void {
    const api = UNLOCK_SITES[mode];
    if (mode === IRQSAVE) checkFlags(flags, api);
    checkOptions(o, api);
    const at = o.at ?? api;
    const m = this.r.m;
    m.opBegin();
    try {
      this.releaseBody(mode, flags, at);
    } catch (e) {
      m.opAbort();
      throw e;
    }
    m.opEnd();
  }

  /** local_lock() */
  lock(o: CallOptions = NO_OPTIONS): void {
    this.lockWith(PLAIN, o);
  }
  unlock(o: CallOptions = NO_OPTIONS): void {
    this.unlockWith(PLAIN, false, o);
  }
  /** local_lock_irq(): on RT interrupts stay enabled. */
  lockIrq(o: CallOptions = NO_OPTIONS): void {
    this.lockWith(IRQ, o);
  }
  unlockIrq(o: CallOptions = NO_OPTIONS): void {
    this.unlockWith(IRQ, false, o);
  }
  /** local_lock_irqsave(): returns flags; on RT nothing is disabled. */
  lockIrqsave(o: CallOptions = NO_OPTIONS): boolean {
    return this.lockWith(IRQSAVE, o);
  }
  unlockIrqrestore(flags: boolean, o: CallOptions = NO_OPTIONS): void {
    this.unlockWith(IRQSAVE, flags, o);
  }

  private readonly trylockBody = (at: string): boolean => {
    const r = this.r;
    const mp = this.here();
    if (r.rt) {
      if (r.m.preemptCount(r.m.current) & (HARDIRQ_MASK | NMI_MASK)) return false;
      r.migrateDisable();
      if (r.rtSpinTrylock(mp, at)) return true;
      r.migrateEnable();
      return false;
    }
    r.preemptDisable(at);
    if (mp.holders > 0) {
      r.preemptEnable();
      return false;
    }
    r.m.acquireWith(mp, 0, true, 0, true, null, at);
    mp.holders++;
    return true;
  };

  /**
   * local_trylock() (local_trylock_t): fails when this CPU's instance is taken; on RT it
   * also fails in NMI or hardirq context.
   */
  trylock(o: CallOptions = NO_OPTIONS): boolean {
    checkOptions(o, 'local_trylock');
    return this.run(this.trylockBody, o.at ?? 'local_trylock', undefined);
  }
}
