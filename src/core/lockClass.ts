/**
 * Lock classes and keys. A class is (key, subclass), created by the first instance
 * that is acquired with it; its wait types and lock type are copied from that
 * instance's map and never change afterwards (register_lock_class()).
 */
import type { ChainNode } from './chains';
import { LOCK_USAGE_STATES } from './usage';
import type { LockType } from './waitType';

/** A lock_class_key: one per lock initialisation site; names the classes it creates. */
export class LockClassKey {
  /**
   * classes by subclass (key->subkeys + subclass); one slot to start with, for subclass
   * 0 (a first store into `[]` would allocate seventeen)
   */
  readonly subclasses: (LockClass | undefined)[] = new Array<LockClass | undefined>(1);
  constructor(
    readonly id: number,
    readonly name: string,
  ) {}
}

/**
 * A dependency prev -> next: the kernel's two struct lock_list entries, the one on
 * prev's locks_after (an edge to `cls`) and the one on next's locks_before (an edge to
 * `prev`), as one object in both lists. The two entries always carry the same distance
 * and trace; only their DEP_* bits differ (calc_dep() and calc_depb()).
 */
export interface Dependency {
  /** next: the class the locks_after entry leads to */
  readonly cls: LockClass;
  /** prev: the class the locks_before entry leads to */
  readonly prev: LockClass;
  /** DEP_{SR,ER,SN,EN} bits seen for this edge, as the locks_after entry holds them */
  dep: number;
  /** the same, as the locks_before entry holds them (calc_depb()) */
  depb: number;
  distance: number;
  /** where the dependency was first recorded (the lock_list trace) */
  readonly at: string;
}

/** What dependencyList() puts in and takes out again. */
const NO_DEPENDENCY = {} as Dependency;

/**
 * An empty dependency list that already holds objects as far as V8 is concerned: a
 * fresh `[]` holds small integers, and the first push into it changes its elements
 * kind, which deoptimizes the code that pushes (and every search that reads the lists
 * and has only seen one kind), and makes the push a library call from then on.
 */
function dependencyList(): Dependency[] {
  const list = [NO_DEPENDENCY];
  list.length = 0; // (no storage kept: an empty list costs no more than `[]`)
  return list;
}

export class LockClass {
  /** usage bits (LOCKF_*) */
  usageMask = 0;
  /** where each usage bit was first set (usage_traces[]), sized for every bit up front */
  readonly usageAt: string[] = new Array<string>(LOCK_USAGE_STATES);
  /** locks_after: classes taken while this one is held (each entry's `cls`) */
  readonly after: Dependency[] = dependencyList();
  /** locks_before: classes held when this one was taken (each entry's `prev`) */
  readonly before: Dependency[] = dependencyList();
  /** BFS bookkeeping (kept on the class, as the kernel's dep_gen_id, so a search allocates nothing per node) */
  bfsGen = 0;
  bfsParent: LockClass | null = null;
  bfsDep: Dependency | null = null;
  bfsOnlyXr = false;
  /** position in the graph's topological order (DepGraph) */
  ord = 0;
  pkGen = 0;
  /** every irq usage bit of this class and the classes it reaches (a superset of what a search finds) */
  usageAhead = 0;
  /** every irq usage bit of this class and the classes that reach it */
  usageBehind = 0;
  /** the chain of this class alone (ChainCache), last looked up: its read mode may differ */
  headChain: ChainNode | null = null;

  constructor(
    /** class_idx */
    readonly id: number,
    readonly key: LockClassKey,
    readonly subclass: number,
    /** class name without decorations */
    readonly baseName: string,
    /** name_version: 2, 3, ... for different keys sharing a name */
    readonly nameVersion: number,
    /** resolved wait_type_inner */
    readonly inner: number,
    /** resolved wait_type_outer (0 = same as inner) */
    readonly outer: number,
    readonly lockType: LockType,
  ) {}

  /** The name as __print_lock_name() prints it. */
  get name(): string {
    let s = this.baseName;
    if (this.nameVersion > 1) s += `#${this.nameVersion}`;
    if (this.subclass) s += `/${this.subclass}`;
    return s;
  }

  /** What `-{O:I}` prints as O. */
  get printedOuter(): number {
    return this.outer || this.inner;
  }
}
