/**
 * local_lock_t (include/linux/local_lock_internal.h): a per-CPU lock, one lockdep_map
 * per CPU in one class, wait type CONFIG {3:3}, lock type PERCPU (skipped by the
 * irq-inversion search). On !RT it is preempt_disable()/local_irq_*() plus the map;
 * on PREEMPT_RT it is migrate_disable() plus a per-CPU spinlock_t.
 */
import type { LockdepMap } from '../core/lockdepMap';
import { HARDIRQ_MASK, NMI_MASK } from '../core/preemptCount';
import { LockBase, type CallOptions } from './lockBase';
import type { Runtime } from './runtime';

export class LocalLock extends LockBase {
  constructor(
    r: Runtime,
    /** this_cpu_ptr() per CPU */
    readonly perCpu: readonly LockdepMap[],
  ) {
    super(r, perCpu[0]);
  }

  /** The instance of the CPU the current task runs on. */
  private here(): LockdepMap {
    return this.perCpu[this.r.m.cpu];
  }

  /** The instance the current task holds (it may have been taken on another CPU only if migration was allowed). */
  private held(): LockdepMap {
    return this.perCpu.find((mp) => this.r.m.isHeld(mp)) ?? this.here();
  }

  override isHeld(): boolean {
    return this.perCpu.some((mp) => this.r.m.isHeld(mp));
  }

  private acquire(mode: 'plain' | 'irq' | 'irqsave', at: string): boolean {
    const r = this.r;
    const flags = r.m.current.irqsOff;
    if (r.rt) {
      r.migrateDisable();
      r.rtSpinLock(this.here(), { at });
      return flags;
    }
    if (mode === 'irq') r.m.irqDisable();
    else if (mode === 'irqsave') r.m.irqSave();
    else r.preemptDisable(at);
    const mp = this.here();
    r.m.acquire(mp, { at });
    mp.holders++;
    return flags;
  }

  private release(mode: 'plain' | 'irq' | 'irqsave', flags: boolean, at: string): void {
    const r = this.r;
    const mp = this.held();
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
    if (mode === 'irq') r.m.irqEnable();
    else if (mode === 'irqsave') r.m.irqRestore(flags);
    else r.preemptEnable();
  }

  /** local_lock() */
  lock(o: CallOptions = {}): void {
    this.op(() => void this.acquire('plain', o.at ?? 'local_lock'));
  }
  unlock(o: CallOptions = {}): void {
    this.op(() => this.release('plain', false, o.at ?? 'local_unlock'));
  }
  /** local_lock_irq(): on RT interrupts stay enabled. */
  lockIrq(o: CallOptions = {}): void {
    this.op(() => void this.acquire('irq', o.at ?? 'local_lock_irq'));
  }
  unlockIrq(o: CallOptions = {}): void {
    this.op(() => this.release('irq', false, o.at ?? 'local_unlock_irq'));
  }
  /** local_lock_irqsave(): returns flags; on RT nothing is disabled. */
  lockIrqsave(o: CallOptions = {}): boolean {
    return this.op(() => this.acquire('irqsave', o.at ?? 'local_lock_irqsave'));
  }
  unlockIrqrestore(flags: boolean, o: CallOptions = {}): void {
    this.op(() => this.release('irqsave', flags, o.at ?? 'local_unlock_irqrestore'));
  }

  /**
   * local_trylock() (local_trylock_t): fails when this CPU's instance is taken; on RT it
   * also fails in NMI or hardirq context.
   */
  trylock(o: CallOptions = {}): boolean {
    return this.op(() => {
      const r = this.r;
      const at = o.at ?? 'local_trylock';
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
      r.m.acquire(mp, { trylock: true, at });
      mp.holders++;
      return true;
    });
  }
}
