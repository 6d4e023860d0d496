/**
 * The dependency graph (kernel/locking/lockdep.c: locks_after/locks_before, __bfs()):
 * the edges between classes, the one breadth-first search every check uses, and two
 * pieces of bookkeeping the kernel does not keep, which let a check answer without a
 * search when the search could find nothing:
 *
 * - a topological order of the classes (Pearce-Kelly dynamic topological sort), so
 *   that check_noncircular() for a new edge prev -> next with prev ordered before
 *   next is known to find no path next ~> prev, and a search that is needed skips
 *   classes ordered after its target;
 * - per-class usage summaries (every irq usage bit of the classes reachable from a
 *   class, and of those that reach it), so check_irq_usage() and mark_lock_irq()'s
 *   searches run only when a match is possible.
 *
 * A shortcut only ever replaces a search whose answer it knows; the search it saves
 * would have visited the same classes in the same order and found the same class, so
 * reports are the kernel's. The one thing a saved search could have done besides is
 * overflow the kernel's BFS queue (`lockdep bfs error:-1`). A queue of `bfsQueue`
 * entries cannot overflow while there are fewer classes than that (each class is
 * queued at most once per search), so the shortcuts are used only then: with more
 * classes every search is made in full, as the kernel makes it.
 */
import type { Dependency, LockClass } from './lockClass';
import { NumberTable } from './numberTable';
import { exclusiveMask, LOCKF_ENABLED_IRQ_ALL, LOCKF_IRQ, LOCKF_USED_IN_IRQ_ALL } from './usage';
import { LD_LOCK } from './waitType';

/** Dependency kinds (DEP_*_BIT): shared/exclusive -> recursive/non-recursive. */
const DEP_SR_MASK = 1;
const DEP_SN_MASK = 4;
const DEP_EN_MASK = 8;
/** the usage bits a summary carries (LOCKF_USED_IN_* and LOCKF_ENABLED_*, read or not) */
const SUMMARY_BITS = LOCKF_USED_IN_IRQ_ALL | LOCKF_ENABLED_IRQ_ALL;
/** above every class id (the configuration allows at most 2^20 classes) */
const CLASS_ID_SPAN = 2 ** 21;

/** calc_dep(prev, next): __calc_dep_bit() = (prev exclusive) + 2 * (next non-recursive), as a mask. */
export function calcDep(prevRead: number, nextRead: number): number {
  return 1 << ((prevRead === 0 ? 1 : 0) + (nextRead !== 2 ? 2 : 0));
}

/**
 * calc_depb(prev, next) for the locks_before entry: __calc_dep_bitb() swaps the two
 * facts, (next non-recursive) + 2 * (prev exclusive), so a backward search can apply the
 * same strong-path rule when it walks from next towards prev.
 */
export function calcDepb(prevRead: number, nextRead: number): number {
  return 1 << ((nextRead !== 2 ? 1 : 0) + (prevRead === 0 ? 2 : 0));
}

/** A class the search reached (its bfsParent/bfsDep chain leads back to the root), none, or a full queue. */
export type BfsResult = LockClass | null | 'overflow';

/** __bfs()'s match(): does `c`, reached with only_xr `onlyXr`, end the search? */
type Match = (g: DepGraph, c: LockClass, onlyXr: boolean) => boolean;
/** __bfs()'s skip(): leave `c` out, and every path through it. */
type Skip = (g: DepGraph, c: LockClass) => boolean;

/** hlock_conflict() against the search's target (check_noncircular). */
const matchTarget: Match = (g, c, onlyXr) => c === g.target && (g.targetExclusive || !onlyXr);
/** usage_match(): behind a recursive-read-only step, only write usage counts. */
const matchUsage: Match = (g, c, onlyXr) =>
  (c.usageMask & (onlyXr ? g.mask & LOCKF_IRQ : g.mask)) !== 0;
/** usage_accumulate(): never ends the search; behind a recursive-read-only step, the _READ bits are masked out. */
const accumulate: Match = (g, c, onlyXr) => {
  g.usage |= onlyXr ? c.usageMask & LOCKF_IRQ : c.usageMask;
  return false;
};
/** usage_skip(): per-CPU (local_lock) classes below LD_WAIT_CONFIG are irq-inversion nodes; other non-normal ones are not. */
const usageSkip: Skip = (g, c) =>
  c.lockType !== LD_LOCK.NORMAL && !(c.lockType === LD_LOCK.PERCPU && c.inner < g.waitConfig);
/** The topological order's pruning: a class ordered after the target cannot reach it. */
const afterTarget: Skip = (g, c) => c.ord > g.target!.ord;

export class DepGraph {
  /** classes in registration order (class_idx - 1) */
  readonly classes: LockClass[] = [];
  /** dependency list entries in use (two per dependency) */
  entries = 0;
  /**
   * Use the order and the summaries (see the module comment). An internal switch: the
   * differential tests run every program with and without them and compare the reports.
   */
  shortcuts = true;
  /** locks_after entries by (prev, next) class ids */
  private readonly edges = new NumberTable<Dependency>();
  /** false once an edge closed a cycle of weak (recursive-read) dependencies: no order exists */
  private ordered = true;
  /** classes by position in the topological order */
  private readonly byOrd: LockClass[] = [];
  private gen = 0;
  /** work arrays, kept at their largest size (never truncated): a search or a reorder allocates nothing once warm */
  private readonly queue: LockClass[] = [];
  private readonly stack: LockClass[] = [];
  private readonly fwd: LockClass[] = [];
  private readonly bwd: LockClass[] = [];
  private readonly slots: number[] = [];
  /** search parameters, read by the match and skip functions */
  target: LockClass | null = null;
  targetExclusive = false;
  mask = 0;
  usage = 0;

  constructor(
    /** the kernel's BFS queue size (MAX_CIRCULAR_QUEUE_SIZE) */
    private readonly bfsQueue: number,
    /** the resolved LD_WAIT_CONFIG, for usage_skip() */
    readonly waitConfig: number,
  ) {}

  /** A new class: last in the order, empty summaries. */
  addClass(c: LockClass): void {
    c.ord = this.byOrd.length;
    this.byOrd.push(c);
    this.classes.push(c);
  }

  /** Shortcuts apply: enabled, and no search could overflow the queue. */
  private exact(): boolean {
    return this.shortcuts && this.classes.length < this.bfsQueue;
  }

  // ---------------------------------------------------------------------------------
  // __bfs()

  /**
   * __bfs(): breadth-first from `root` along locks_after (`forward`) or locks_before,
   * visiting the root, then every list entry of each dequeued class in list order. A
   * class is marked visited when first met, before the strong-path test (as
   * mark_lock_accessed() does), so a class first met on a weak path is not searched
   * again. Strong path: a -(*R)-> step followed by a -(S*)-> step is not a dependency
   * (a recursive reader does not block a later shared acquirer), so after a step that
   * can only be *R, the S* bits of the next step are masked out, and a step left with
   * no bit is not taken. On a match, each reached class's bfsParent/bfsDep lead back
   * to the root.
   */
  private bfs(
    root: LockClass,
    rootOnlyXr: boolean,
    forward: boolean,
    match: Match,
    skip: Skip | null,
  ): BfsResult {
    const gen = ++this.gen;
    const q = this.queue;
    const cap = this.bfsQueue - 1;
    let head = 0;
    let tail = 0;
    root.bfsGen = gen;
    root.bfsParent = null;
    root.bfsDep = null;
    root.bfsOnlyXr = rootOnlyXr;
    if (skip !== null && skip(this, root)) return null;
    if (match(this, root, rootOnlyXr)) return root;
    if ((forward ? root.after : root.before).length) q[tail++] = root;
    while (head < tail) {
      const parent = q[head++];
      const list = forward ? parent.after : parent.before;
      const parentXr = parent.bfsOnlyXr;
      for (let i = 0; i < list.length; i++) {
        const e = list[i];
        const c = forward ? e.cls : e.prev;
        if (c.bfsGen === gen) continue;
        c.bfsGen = gen;
        let dep = forward ? e.dep : e.depb;
        if (parentXr) dep &= ~(DEP_SR_MASK | DEP_SN_MASK);
        if (!dep) continue;
        const xr = !(dep & (DEP_SN_MASK | DEP_EN_MASK));
        c.bfsOnlyXr = xr;
        c.bfsParent = parent;
        c.bfsDep = e;
        if (skip !== null && skip(this, c)) continue;
        if (match(this, c, xr)) return c;
        if ((forward ? c.after : c.before).length) {
          if (tail - head >= cap) return 'overflow';
          q[tail++] = c;
        }
      }
    }
    return null;
  }

  /**
   * check_noncircular()'s search: from `next` (only_xr `nextOnlyXr`) forward to `prev`,
   * where a path ending in a recursive read only conflicts with an exclusive `prev`.
   * With the order: nothing to search when prev comes first, and classes ordered after
   * prev are left out (none of them reaches prev, so the path found is the same).
   */
  findCircular(
    next: LockClass,
    nextOnlyXr: boolean,
    prev: LockClass,
    prevExclusive: boolean,
  ): BfsResult {
    let skip: Skip | null = null;
    if (this.ordered && this.exact()) {
      if (prev.ord < next.ord) return null;
      skip = afterTarget;
    }
    // (set only for a search: storing a pointer costs a write barrier)
    this.target = prev;
    this.targetExclusive = prevExclusive;
    return this.bfs(next, nextOnlyXr, true, matchTarget, skip);
  }

  /**
   * find_usage_forwards()/find_usage_backwards(): the first class (usage_skip() classes
   * left out) with a bit of `mask`. A summary without such a bit answers "none".
   */
  findUsage(root: LockClass, rootOnlyXr: boolean, forward: boolean, mask: number): BfsResult {
    if (this.exact() && !((forward ? root.usageAhead : root.usageBehind) & mask)) return null;
    this.mask = mask;
    return this.bfs(root, rootOnlyXr, forward, matchUsage, usageSkip);
  }

  /**
   * check_irq_usage() step 1: the usage of every class behind `root` (usage_accumulate
   * over __bfs_backwards()), -1 when the queue overflowed. `want` is what the caller
   * looks for: a summary without it answers 0.
   */
  accumulateBackwards(root: LockClass, rootOnlyXr: boolean, want: number): number {
    if (this.exact() && !(root.usageBehind & want)) return 0;
    this.usage = 0;
    const r = this.bfs(root, rootOnlyXr, false, accumulate, usageSkip);
    return r === 'overflow' ? -1 : this.usage;
  }

  /**
   * check_irq_usage() for prev -> next can only report when a class behind prev is
   * used in an irq and a class ahead of next has that irq enabled. False is certain
   * (the backward and forward searches would find nothing); true means search.
   */
  mayConflict(prev: LockClass, next: LockClass): boolean {
    if (!this.exact()) return true;
    return (exclusiveMask(prev.usageBehind & LOCKF_USED_IN_IRQ_ALL) & next.usageAhead) !== 0;
  }

  // ---------------------------------------------------------------------------------
  // Edges

  /** The locks_after entry of prev -> next, if that dependency exists. */
  dependency(prev: LockClass, next: LockClass): Dependency | undefined {
    return this.edges.get(prev.id * CLASS_ID_SPAN + next.id);
  }

  /** Record prev -> next in both lists (add_lock_to_list() twice), and keep the order and summaries. */
  addDependency(
    prev: LockClass,
    next: LockClass,
    dep: number,
    depb: number,
    distance: number,
    at: string,
  ): void {
    const d: Dependency = { cls: next, prev, dep, depb, distance, at };
    prev.after.push(d);
    next.before.push(d);
    this.edges.add(prev.id * CLASS_ID_SPAN + next.id, d);
    this.entries += 2;
    if (this.ordered && prev.ord > next.ord) this.reorder(prev, next);
    this.spread(next, prev.usageBehind, true);
    this.spread(prev, next.usageAhead, false);
  }

  /** A class gained usage bits: every summary that covers it learns them. */
  usageAdded(c: LockClass, bits: number): void {
    bits &= SUMMARY_BITS;
    if (!bits) return;
    this.spread(c, bits, true);
    this.spread(c, bits, false);
  }

  /**
   * Add `bits` to the usageBehind (forward: classes reachable from `from`) or
   * usageAhead (backward) summary of `from` and every class it reaches, stopping where
   * the bits are known already: each class learns each bit once, so keeping the
   * summaries costs O(bits x dependencies) over the graph's whole life.
   */
  private spread(from: LockClass, bits: number, forward: boolean): void {
    bits &= SUMMARY_BITS;
    if (forward ? (from.usageBehind & bits) === bits : (from.usageAhead & bits) === bits) return;
    const st = this.stack;
    let n = 0;
    if (forward) from.usageBehind |= bits;
    else from.usageAhead |= bits;
    st[n++] = from;
    while (n > 0) {
      const c = st[--n];
      const list = forward ? c.after : c.before;
      for (let i = 0; i < list.length; i++) {
        const d = forward ? list[i].cls : list[i].prev;
        if (forward) {
          if ((d.usageBehind & bits) === bits) continue;
          d.usageBehind |= bits;
        } else {
          if ((d.usageAhead & bits) === bits) continue;
          d.usageAhead |= bits;
        }
        st[n++] = d;
      }
    }
  }

  /**
   * Pearce-Kelly: the new edge prev -> next has prev ordered after next. The classes
   * reachable from next that are ordered up to prev (deltaF), and those reaching prev
   * ordered from next on (deltaB), take the same positions again with all of deltaB
   * first. When deltaF contains prev the edge closed a cycle (possible only through
   * weak dependencies, which check_noncircular() does not count): no order exists, and
   * the searches are made in full from then on.
   */
  private reorder(prev: LockClass, next: LockClass): void {
    const lb = next.ord;
    const ub = prev.ord;
    const gen = ++this.gen;
    const st = this.stack;
    const fwd = this.fwd;
    const bwd = this.bwd;
    let nf = 0;
    let nb = 0;
    // forward from next, within [lb, ub]
    let n = 0;
    st[n++] = next;
    next.pkGen = gen;
    while (n > 0) {
      const c = st[--n];
      fwd[nf++] = c;
      const list = c.after;
      for (let i = 0; i < list.length; i++) {
        const d = list[i].cls;
        if (d === prev) {
          this.ordered = false;
          return;
        }
        if (d.pkGen !== gen && d.ord < ub) {
          d.pkGen = gen;
          st[n++] = d;
        }
      }
    }
    // backward from prev, within [lb, ub]
    st[n++] = prev;
    prev.pkGen = gen;
    while (n > 0) {
      const c = st[--n];
      bwd[nb++] = c;
      const list = c.before;
      for (let i = 0; i < list.length; i++) {
        const d = list[i].prev;
        if (d.pkGen !== gen && d.ord > lb) {
          d.pkGen = gen;
          st[n++] = d;
        }
      }
    }
    // Both sets are usually a handful of classes: sorted in place, and their positions
    // merged, so that a reorder allocates nothing (a library sort allocates its work
    // state at every call, and a graph learned in random order reorders often).
    sortByOrd(fwd, nf);
    sortByOrd(bwd, nb);
    const slots = this.slots;
    let i = 0;
    let j = 0;
    for (let k = 0; k < nb + nf; k++) {
      slots[k] = j >= nf || (i < nb && bwd[i].ord < fwd[j].ord) ? bwd[i++].ord : fwd[j++].ord;
    }
    for (let k = 0; k < nb; k++) this.place(bwd[k], slots[k]);
    for (let k = 0; k < nf; k++) this.place(fwd[k], slots[nb + k]);
  }

  private place(c: LockClass, ord: number): void {
    c.ord = ord;
    this.byOrd[ord] = c;
  }
}

/** Sort the first `n` classes of `a` by position: insertion sort for the usual few, else the library's. */
function sortByOrd(a: LockClass[], n: number): void {
  if (n > 32) {
    a.length = n;
    a.sort((x, y) => x.ord - y.ord);
    return;
  }
  for (let i = 1; i < n; i++) {
    const c = a[i];
    const o = c.ord;
    let j = i - 1;
    while (j >= 0 && a[j].ord > o) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = c;
  }
}
