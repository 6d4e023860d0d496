/** What every lock primitive has: its kernel, its lockdep_map, and an op wrapper. */
import type { LockdepMap } from '../core/lockdepMap';
import type { Runtime } from './runtime';

/** Per-call options shared by all lock operations. */
export interface CallOptions {
  /** the acquisition site printed after `at:` (the kernel's acquire_ip); defaults to the API name */
  readonly at?: string | undefined;
}

/** Options when creating a lock. */
export interface LockInit {
  /**
   * The lock class key (the kernel's lock_class_key: one per init site). Locks created
   * with the same key share a class; by default the key is the lock's name.
   */
  readonly key?: string | undefined;
}

export abstract class LockBase {
  constructor(
    protected readonly r: Runtime,
    /** the lockdep_map of this instance */
    readonly map: LockdepMap,
  ) {}

  get name(): string {
    return this.map.name;
  }

  /** Is this lock held by the current task (lockdep_is_held())? */
  isHeld(): boolean {
    return this.r.m.isHeld(this.map);
  }

  protected op<T>(fn: () => T): T {
    return this.r.m.op(fn);
  }

  /**
   * might_lock() / might_lock_read(): lock_acquire() immediately followed by
   * lock_release(), so lockdep validates the acquisition (wait context, irq usage,
   * dependencies) without the lock being taken.
   */
  mightLock(o: CallOptions = {}): void {
    this.op(() => {
      const at = o.at ?? 'might_lock';
      if (this.r.m.acquire(this.map, { at })) this.r.m.release(this.map, at);
    });
  }

  mightLockRead(o: CallOptions = {}): void {
    this.op(() => {
      const at = o.at ?? 'might_lock_read';
      if (this.r.m.acquire(this.map, { read: 1, at })) this.r.m.release(this.map, at);
    });
  }

  /** lock_set_subclass(): the held lock moves to `subclass` of its key; what is above it is re-acquired. */
  setSubclass(subclass: number, o: CallOptions = {}): void {
    this.op(() => void this.r.m.setSubclass(this.map, subclass, o.at ?? 'lock_set_subclass'));
  }

  /** debug_check_no_locks_freed() as *_init() of this lock does: re-initialising a held lock. */
  reinit(): void {
    this.op(() => {
      this.r.m.lockdep.checkFreed(this.r.m.current, this.map);
    });
  }
}
