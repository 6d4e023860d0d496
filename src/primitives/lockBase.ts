/** What every lock primitive has: its kernel, its lockdep_map, and an op wrapper. */
import type { LockdepMap } from '../core/lockdepMap';
import type { Runtime } from './runtime';

/** Per-call options shared by all lock operations. */
export interface CallOptions {
  /** the acquisition site printed after `at:` (the kernel's acquire_ip); defaults to the API name */
  readonly at?: string;
}

/** Options when creating a lock. */
export interface LockInit {
  /**
   * The lock class key (the kernel's lock_class_key: one per init site). Locks created
   * with the same key share a class; by default the key is the lock's name.
   */
  readonly key?: string;
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

  /** debug_check_no_locks_freed() as *_init() of this lock does: re-initialising a held lock. */
  reinit(): void {
    this.op(() => {
      this.r.m.lockdep.checkFreed(this.r.m.current, this.map);
    });
  }
}
