/** What every lock primitive has: its kernel, its lockdep_map, and argument checks. */
import { UsageError } from '../core/errors';
import type { LockdepMap } from '../core/lockdepMap';
import { LD_LOCK, LD_WAIT, type LockType, type WaitLevel } from '../core/waitType';
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

/**
 * What DEFINE_*() / *_init() give a lock's lockdep_map: wait_type_inner, wait_type_outer
 * and lock type. Each primitive declares its own as a static `decl`, so the wait types
 * live with the lock that has them, and one kernel factory builds every kind.
 */
export interface LockWaitTypes {
  readonly inner: WaitLevel;
  readonly outer: WaitLevel;
  readonly lockType: LockType;
}

/**
 * lockdep_init_map_wait(map, .., inner): what the sleeping locks' and annotations' *_init()
 * give their map, the outer wait type left to default to the inner one. lockdep_init_map()
 * is this with LD_WAIT_INV: no wait type at all ({0:0}).
 */
export function lockdepInitMapWait(inner: WaitLevel): LockWaitTypes {
  return { inner, outer: LD_WAIT.INV, lockType: LD_LOCK.NORMAL };
}

/** The default options, shared: a call without options allocates nothing. */
export const NO_OPTIONS: Readonly<Record<string, never>> = Object.freeze({});

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'undefined') return String(v);
  return typeof v;
}

/**
 * Every public call checks its arguments here before it changes anything: a rejected
 * call leaves preempt_count, irq flags and held locks as they were. Each check is a
 * few type tests, so the hot path pays nothing measurable and allocates nothing.
 */
export function checkOptions(o: unknown, api: string): void {
  if (o === NO_OPTIONS) return;
  if (o === null || typeof o !== 'object')
    throw new UsageError(`${api}(): options must be an object, got ${describe(o)}`);
  const at = (o as CallOptions).at;
  if (at !== undefined && typeof at !== 'string')
    throw new UsageError(`${api}(): options.at must be a string, got ${describe(at)}`);
}

/** The subclass of options that take one: undefined or a non-negative integer. */
export function checkSubclass(subclass: unknown, api: string): number {
  if (subclass === undefined) return 0;
  if (typeof subclass !== 'number' || !Number.isInteger(subclass) || subclass < 0)
    throw new UsageError(
      `${api}(): options.subclass must be a non-negative integer, got ${describe(subclass)}`,
    );
  return subclass;
}

/** The flags local_irq_save() and *_irqsave() returned: a boolean, nothing else. */
export function checkFlags(flags: unknown, api: string): boolean {
  if (typeof flags !== 'boolean')
    throw new UsageError(
      `${api}(flags): flags must be the boolean *_irqsave() returned, got ${describe(flags)}`,
    );
  return flags;
}

export abstract class LockBase {
  /** @internal the kernel's primitive runtime */
  protected readonly r: Runtime;
  /** the lockdep_map of this instance */
  readonly map: LockdepMap;

  /** @internal locks are made by the Kernel's factories */
  constructor(r: Runtime, map: LockdepMap) {
    this.r = r;
    this.map = map;
  }

  get name(): string {
    return this.map.name;
  }

  /** Is this lock held by the current task (lockdep_is_held())? */
  isHeld(): boolean {
    return this.r.m.isHeld(this.map);
  }

  /** The map of a nest_lock option: null, or a lock of this kernel. */
  protected nestMap(nest: unknown, api: string): LockdepMap | null {
    if (nest === undefined || nest === null) return null;
    if (!(nest instanceof LockBase))
      throw new UsageError(`${api}(): options.nestLock must be a lock, got ${describe(nest)}`);
    if (nest.map.owner !== this.map.owner)
      throw new UsageError(
        `${api}(): options.nestLock ${nest.name} belongs to another kernel`,
        'foreign-object',
      );
    return nest.map;
  }

  /**
   * Run one operation: a body bound once per lock (an arrow property) and its arguments
   * rather than a closure per call, so the operation allocates nothing.
   */
  protected run<A, B, R>(fn: (a: A, b: B) => R, a: A, b: B): R {
    const m = this.r.m;
    m.opBegin();
    let result: R;
    try {
      result = fn(a, b);
    } catch (e) {
      m.opAbort();
      throw e;
    }
    m.opEnd();
    return result;
  }

  private readonly mightLockBody = (read: 0 | 1 | 2, at: string): void => {
    if (this.r.m.acquireWith(this.map, 0, false, read, true, null, at))
      this.r.m.release(this.map, at);
  };

  /**
   * might_lock() / might_lock_read(): lock_acquire() immediately followed by
   * lock_release(), so lockdep validates the acquisition (wait context, irq usage,
   * dependencies) without the lock being taken.
   */
  mightLock(o: CallOptions = NO_OPTIONS): void {
    checkOptions(o, 'might_lock');
    this.run(this.mightLockBody, 0, o.at ?? 'might_lock');
  }

  mightLockRead(o: CallOptions = NO_OPTIONS): void {
    checkOptions(o, 'might_lock_read');
    this.run(this.mightLockBody, 1, o.at ?? 'might_lock_read');
  }

  private readonly setSubclassBody = (subclass: number, at: string): void => {
    this.r.m.setSubclass(this.map, subclass, at);
  };

  /** lock_set_subclass(): the held lock moves to `subclass` of its key; what is above it is re-acquired. */
  setSubclass(subclass: number, o: CallOptions = NO_OPTIONS): void {
    checkOptions(o, 'lock_set_subclass');
    if (subclass === undefined) checkSubclass(null, 'lock_set_subclass');
    this.run(
      this.setSubclassBody,
      checkSubclass(subclass, 'lock_set_subclass'),
      o.at ?? 'lock_set_subclass',
    );
  }

  private readonly reinitBody = (): void => {
    this.r.m.lockdep.checkFreed(this.r.m.current, this.map);
  };

  /** debug_check_no_locks_freed() as *_init() of this lock does: re-initialising a held lock. */
  reinit(): void {
    this.run(this.reinitBody, undefined, undefined);
  }
}
