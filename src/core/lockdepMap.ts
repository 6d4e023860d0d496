/**
 * struct lockdep_map: the per-instance annotation embedded in every lock. Primitives
 * create one with their wait types and lock type; the validator reads nothing else.
 */
import type { LockClass, LockClassKey } from './lockClass';
import type { LockType, WaitLevel } from './waitType';

export class LockdepMap {
  /** class_cache[0..1] (NR_LOCKDEP_CACHING_CLASSES) */
  readonly classCache: [LockClass | undefined, LockClass | undefined] = [undefined, undefined];
  /** tasks currently holding this instance, for contention modelling: owner -> count */
  holders = 0;
  writer: unknown = null;

  constructor(
    /** owner token: the kernel that created the map */
    readonly owner: object,
    readonly name: string,
    public key: LockClassKey,
    /** symbolic wait_type_inner / wait_type_outer, resolved at class registration */
    readonly inner: WaitLevel,
    readonly outer: WaitLevel,
    readonly lockType: LockType,
    /** deterministic fake %px address */
    readonly address: string,
  ) {}
}
