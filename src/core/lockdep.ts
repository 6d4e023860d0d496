/**
 * The validator engine: kernel/locking/lockdep.c's acquire/release path over a
 * primitive-agnostic model. It knows lock classes, held-lock stacks, wait types,
 * irq usage bits and the dependency graph; it knows no primitive by name.
 *
 * Order of checks in acquire() is the kernel's (__lock_acquire): class lookup,
 * nest_lock merge, check_wait_context, mark_usage, chain key, nest_lock held?,
 * validate_chain (cache lookup; on a miss check_deadlock and check_prevs_add), push,
 * MAX_LOCK_DEPTH.
 *
 * Reports never stop the model: the engine records the violation, keeps the held
 * stack consistent (the lock is still acquired, the offending dependency is not
 * added) and goes on. Whether later reports are shown is the sink's policy. The one
 * exception is a capacity limit: like the kernel, lockdep then switches itself off.
 */
import createDebug from 'debug';
import type {
  CircularDependency,
  IrqStateSnapshot,
  LockdepLimitReached,
  PathEntry,
  Violation,
  ViolationBase,
} from './violation';
import { hlockId, INITIAL_CHAIN_KEY, iterateChainKey } from './chainKey';
import type { Derived, KernelConfig } from './config';
import { LockClass, LockClassKey, type Dependency } from './lockClass';
import type { LockdepMap } from './lockdepMap';
import { classSnapshot, lockSnapshot, usageTraces } from './snapshot';
import { HeldLock, type Task } from './task';
import {
  exclusiveBit,
  exclusiveMask,
  findExclusiveMatch,
  LOCK_ENABLED_HARDIRQ,
  LOCK_ENABLED_SOFTIRQ,
  LOCK_USAGE_DIR_MASK,
  LOCK_USAGE_READ_MASK,
  LOCK_USAGE_STATES,
  LOCK_USED,
  LOCK_USED_IN_HARDIRQ,
  LOCK_USED_IN_SOFTIRQ,
  LOCK_USED_READ,
  LOCKF_ENABLED_IRQ_ALL,
  LOCKF_IRQ,
  LOCKF_USED,
  LOCKF_USED_IN_IRQ_ALL,
  LOCKF_USED_READ,
  originalMask,
  stateName,
  usageStr,
} from './usage';
import { LD_LOCK } from './waitType';

const log = createDebug('lockdep:core');
const WAIT_OVERRIDE = LD_LOCK.WAIT_OVERRIDE;

/** Dependency kinds (DEP_*_BIT): shared/exclusive -> recursive/non-recursive. */
const DEP_SR_MASK = 1;
const DEP_SN_MASK = 4;
const DEP_EN_MASK = 8;

/** Start a __bfs() at `root`: visited in generation `gen`, no parent. */
function bfsRoot(root: LockClass, rootOnlyXr: boolean, gen: number): void {
  root.bfsGen = gen;
  root.bfsParent = null;
  root.bfsDep = null;
  root.bfsOnlyXr = rootOnlyXr;
}

/**
 * One list entry of a __bfs(): mark its class accessed (even if the path turns out weak,
 * as mark_lock_accessed() does before the strong-path test), and when `parent -e-> c`
 * continues a strong path record how `c` was reached. False: skip the entry.
 */
function bfsStep(
  parent: LockClass,
  parentXr: boolean,
  e: Dependency,
  c: LockClass,
  gen: number,
): boolean {
  if (c.bfsGen === gen) return false;
  c.bfsGen = gen;
  let dep = e.dep;
  // -(*R)-> followed by -(S*)-> is not a strong dependency path.
  if (parentXr) dep &= ~(DEP_SR_MASK | DEP_SN_MASK);
  if (!dep) return false;
  c.bfsOnlyXr = !(dep & (DEP_SN_MASK | DEP_EN_MASK));
  c.bfsParent = parent;
  c.bfsDep = e;
  return true;
}

/** calc_dep(prev, next): __calc_dep_bit() = (prev exclusive) + 2 * (next non-recursive), as a mask. */
function calcDep(prevRead: number, nextRead: number): number {
  return 1 << ((prevRead === 0 ? 1 : 0) + (nextRead !== 2 ? 2 : 0));
}

/**
 * calc_depb(prev, next) for the locks_before entry: __calc_dep_bitb() swaps the two
 * facts, (next non-recursive) + 2 * (prev exclusive), so a backward search can apply the
 * same strong-path rule when it walks from next towards prev.
 */
function calcDepb(prevRead: number, nextRead: number): number {
  return 1 << ((nextRead !== 2 ? 1 : 0) + (prevRead === 0 ? 2 : 0));
}

/** What the engine needs from the kernel around it. */
export interface EngineHost {
  readonly config: KernelConfig;
  readonly derived: Derived;
  /** fields shared by every violation, captured now */
  base(task: Task): ViolationBase;
  irqState(task: Task): IrqStateSnapshot;
  report(v: Violation): void;
}

interface SavedHeld {
  map: LockdepMap;
  subclass: number;
  trylock: boolean;
  read: 0 | 1 | 2;
  check: boolean;
  hardirqsOff: boolean;
  nestLock: LockdepMap | null;
  at: string;
  references: number;
}

type BfsResult = LockClass | null | 'overflow';

/**
 * The chain hash (chainhashentry / lookup_chain_cache): an open-addressing set of 53-bit
 * chain keys in a Float64Array, so a cache hit costs a few array reads, not a Set lookup
 * of a boxed double. -1 marks an empty slot (keys are never negative).
 */
class ChainTable {
  private keys = new Float64Array(1024).fill(-1);
  private mask = 1023;
  size = 0;

  private static slot(key: number, mask: number): number {
    // mix the high and low words: chain keys are already well-mixed hashes
    return ((key | 0) ^ ((key / 4294967296) | 0)) & mask;
  }

  has(key: number): boolean {
    const keys = this.keys;
    const mask = this.mask;
    for (let i = ChainTable.slot(key, mask); ; i = (i + 1) & mask) {
      const k = keys[i];
      if (k === key) return true;
      if (k === -1) return false;
    }
  }

  add(key: number): void {
    if ((this.size + 1) * 2 > this.mask) this.grow();
    const keys = this.keys;
    const mask = this.mask;
    let i = ChainTable.slot(key, mask);
    while (keys[i] !== -1) {
      if (keys[i] === key) return;
      i = (i + 1) & mask;
    }
    keys[i] = key;
    this.size++;
  }

  private grow(): void {
    const old = this.keys;
    this.mask = old.length * 2 - 1;
    this.keys = new Float64Array(old.length * 2).fill(-1);
    this.size = 0;
    for (let i = 0; i < old.length; i++) if (old[i] !== -1) this.add(old[i]);
  }
}

export class Lockdep {
  readonly classes: LockClass[] = [];
  private readonly keys = new Map<string, LockClassKey>();
  private readonly maxVersion = new Map<string, number>();
  private readonly chains = new ChainTable();
  private chainHlocks = 0;
  /** dependency list entries in use (two per dependency) */
  entries = 0;
  /** classes with any USED_IN_* irq bit */
  private irqSafeClasses = 0;
  /** set when a capacity limit was hit: lockdep is off from then on, as in the kernel */
  off: LockdepLimitReached['limit'] | null = null;
  private gen = 0;
  private readonly queue: LockClass[] = [];
  /** classes the last bfsCircular() reached, in visiting order, with their only_xr */
  private readonly visit: LockClass[] = [];
  private visitXr = new Uint8Array(1024);
  private visitCount = 0;
  /** root of that walk when it is reusable by forwardUsageFromVisit(), else null */
  private visitRoot: LockClass | null = null;
  private visitRootXr = false;
  private readonly limits: KernelConfig['limits'];
  /** resolved wait levels, copied from the configuration once */
  private readonly waitSpin: number;
  private readonly waitConfig: number;
  private readonly waitMax: number;
  private readonly maxLockDepth: number;

  constructor(private readonly host: EngineHost) {
    this.limits = host.config.limits;
    this.waitSpin = host.derived.waitSpin;
    this.waitConfig = host.derived.waitConfig;
    this.waitMax = host.derived.waitMax;
    this.maxLockDepth = host.config.limits.maxLockDepth;
  }

  /** Statistics in the spirit of /proc/lockdep_stats. */
  stats(): { classes: number; dependencies: number; chains: number; chainHlocks: number } {
    return {
      classes: this.classes.length,
      dependencies: this.entries / 2,
      chains: this.chains.size,
      chainHlocks: this.chainHlocks,
    };
  }

  /** The key of a lock initialisation site; the same name gives the same key. */
  keyFor(name: string): LockClassKey {
    let k = this.keys.get(name);
    if (!k) {
      k = new LockClassKey(this.keys.size + 1, name);
      this.keys.set(name, k);
    }
    return k;
  }

  /** A key of its own even if the name is taken (a second init site): prints as name#2. */
  newKey(name: string): LockClassKey {
    return new LockClassKey(this.keys.size + 1 + this.classes.length, name);
  }

  // ---------------------------------------------------------------------------------
  // Class lookup (look_up_lock_class / register_lock_class)

  private lookupClass(map: LockdepMap, subclass: number): LockClass | undefined {
    if (subclass < 2) {
      const c = map.classCache[subclass];
      if (c) return c;
    }
    return map.key.subclasses[subclass];
  }

  private registerClass(task: Task, map: LockdepMap, subclass: number): LockClass | null {
    const found = this.lookupClass(map, subclass);
    if (found) {
      if (subclass < 2) map.classCache[subclass] = found;
      return found;
    }
    if (this.classes.length >= this.limits.maxClasses) {
      this.limit(task, 'MAX_LOCKDEP_KEYS', 'BUG: MAX_LOCKDEP_KEYS too low!');
      return null;
    }
    const key = map.key;
    // count_matching_names(): a key keeps its version across subclasses.
    let version = 0;
    for (const c of key.subclasses) if (c) version = c.nameVersion;
    if (!version) {
      version = (this.maxVersion.get(key.name) ?? 0) + 1;
      this.maxVersion.set(key.name, version);
    }
    const d = this.host.derived;
    const resolve = (w: number): number =>
      w <= 2 || this.host.config.proveRawLockNesting ? w : w - 1;
    const cls = new LockClass(
      this.classes.length + 1,
      key,
      subclass,
      key.name,
      version,
      resolve(map.inner),
      resolve(map.outer),
      map.lockType,
    );
    void d;
    this.classes.push(cls);
    key.subclasses[subclass] = cls;
    if (subclass < 2) map.classCache[subclass] = cls;
    if (log.enabled) log('new class %s inner=%d outer=%d', cls.name, cls.inner, cls.outer);
    return cls;
  }

  private limit(task: Task, limit: LockdepLimitReached['limit'], message: string): void {
    if (this.off) return;
    this.off = limit;
    this.host.report({ kind: 'lockdep-limit', ...this.host.base(task), limit, message });
  }

  // ---------------------------------------------------------------------------------
  // lock_acquire / lock_release

  /**
   * lock_acquire(). Returns false when lockdep did not track the acquisition (NMI,
   * lockdep off after a capacity limit).
   */
  acquire(
    task: Task,
    map: LockdepMap,
    subclass: number,
    trylock: boolean,
    read: 0 | 1 | 2,
    check: boolean,
    nestLock: LockdepMap | null,
    at: string,
    hardirqsOff: boolean,
    references = 0,
    sync = false,
  ): boolean {
    if (this.off) return false;
    if (task.lockdepRecursion) {
      // lockdep_off() inside NMI: only the {INITIAL USE} -> {IN-NMI} check remains
      // (lock_acquire(); lock_sync() just returns).
      if (!trylock && !sync) this.verifyLockUnused(task, map, subclass, read, at);
      return false;
    }
    if (subclass >= 8) {
      this.limit(task, 'MAX_LOCKDEP_SUBCLASSES', `BUG: looking up invalid subclass: ${subclass}`);
      return false;
    }
    const cls =
      (subclass < 2 && map.classCache[subclass]) || this.registerClass(task, map, subclass);
    if (!cls) return false;

    const depth = task.depth;
    if (depth && nestLock && !sync) {
      const top = task.held[depth - 1];
      if (top.cls === cls) {
        // Same class under its nest_lock: merge into a reference count, nothing pushed.
        if (!references) references = 1;
        if (!top.references) top.references = 1;
        top.references += references;
        return true;
      }
    }

    const h = task.held[depth] ?? task.slot(depth);
    h.map = map;
    h.cls = cls;
    // task_irq_context(), inline: this is the hot path of every acquisition
    h.irqContext = (task.hardirqContext ? 2 : 0) + (task.softirqContext ? 1 : 0);
    h.trylock = trylock;
    h.read = read;
    h.check = check;
    h.hardirqsOff = hardirqsOff;
    h.references = references;
    h.nestLock = nestLock;
    h.at = at;
    h.subclass = subclass;
    h.sync = sync;

    // The chain key is known before any check runs; when this exact chain was validated
    // before (same classes and read modes in this irq context, same context ceiling),
    // check_wait_context() would compute what it computed then.
    let key = task.curChainKey;
    let head = depth === 0;
    h.prevChainKey = key;
    if (depth && task.held[depth - 1].irqContext !== h.irqContext) {
      key = INITIAL_CHAIN_KEY;
      head = true;
    }
    const validate = !trylock && check;
    const memoHit = validate && cls.memoPrevKey === key && cls.memoRead === read && !nestLock;
    let waitOk: boolean;
    if (memoHit && cls.memoWaitOk && cls.memoWaitBase === this.waitBase(task)) {
      h.ctxBase = cls.memoWaitBase;
      h.ctxInner = cls.memoCtxInner;
      h.ctxCulprit = cls.memoCtxCulprit < 0 ? -1 : depth - cls.memoCtxCulprit;
      waitOk = true;
    } else waitOk = this.checkWaitContext(task, h);
    if (check) {
      // mark_usage() fast path, inline: every bit this acquisition would set is set
      // already (the steady state), so nothing is marked and nothing is checked.
      const r = read ? LOCK_USAGE_READ_MASK : 0;
      let need = r ? LOCKF_USED_READ : LOCKF_USED;
      if (!trylock) {
        if (task.hardirqContext) need |= 1 << (LOCK_USED_IN_HARDIRQ + r);
        if (task.softirqContext) need |= 1 << (LOCK_USED_IN_SOFTIRQ + r);
      }
      if (!hardirqsOff && !sync) {
        need |= 1 << (LOCK_ENABLED_HARDIRQ + r);
        if (task.softirqsEnabled) need |= 1 << (LOCK_ENABLED_SOFTIRQ + r);
      }
      if ((cls.usageMask & need) !== need) this.markUsage(task, h);
    } else this.markLock(task, h, LOCK_USED);
    if (this.off) return false;

    if (memoHit) {
      // A chain validated before: lookup_chain_cache_add() would hit.
      key = cls.memoNextKey;
    } else {
      const prevKey = key;
      key = iterateChainKey(key, hlockId(cls.id, read));

      if (nestLock && !this.isHeld(task, nestLock)) {
        this.host.report({
          kind: 'nested-lock-not-taken',
          ...this.host.base(task),
          lock: lockSnapshot(h),
          nestLock: nestLock.name,
        });
      }

      if (validate) {
        if (this.chainMiss(task, h, key)) {
          if (this.off) return false;
          const ret = this.checkDeadlock(task, h);
          if (ret === 1 && !head) this.checkPrevsAdd(task, h);
          if (this.off) return false;
        }
        cls.memoPrevKey = prevKey;
        cls.memoRead = read;
        cls.memoNextKey = key;
        cls.memoWaitOk = waitOk;
        cls.memoWaitBase = h.ctxBase;
        cls.memoCtxInner = h.ctxInner;
        cls.memoCtxCulprit = h.ctxCulprit < 0 ? -1 : depth - h.ctxCulprit;
      }
    }

    // lock_sync(): validated like an acquisition, but there is no critical section to push.
    if (sync) return true;
    task.curChainKey = key;
    task.depth = depth + 1;
    if (task.depth === this.maxLockDepth) {
      this.host.report({
        kind: 'max-lock-depth',
        ...this.host.base(task),
        depth: task.depth,
        max: this.limits.maxLockDepth,
      });
    }
    return true;
  }

  /** lock_release(). Returns false when the lock was not held (bad unlock balance reported). */
  release(task: Task, map: LockdepMap, at: string): boolean {
    if (this.off || task.lockdepRecursion) return true;
    const depth = task.depth;
    // the common case, releasing the innermost lock, without the search
    const i =
      depth > 0
        ? task.held[depth - 1].map === map
          ? depth - 1
          : this.findHeld(task, map, depth)
        : -1;
    if (i < 0) {
      this.host.report({
        kind: 'bad-unlock-balance',
        ...this.host.base(task),
        lockName: map.name,
        at,
      });
      return false;
    }
    const h = task.held[i];
    if (h.references) {
      h.references--;
      if (h.references) return true;
    }
    task.depth = i;
    task.curChainKey = h.prevChainKey;
    if (i === depth - 1) return true;
    // Unlocking out of order: re-acquire what was above, recomputing chain keys (and
    // validating any chain that is new), as reacquire_held_locks() does.
    this.reacquire(task, i + 1, depth, -1, 0);
    return true;
  }

  /**
   * lock_set_subclass() (__lock_set_class() with the map's own key): the held lock
   * changes class, and it and everything above it are taken apart and re-acquired.
   * Returns false when the lock was not held (bad unlock balance reported).
   */
  setSubclass(task: Task, map: LockdepMap, subclass: number, at: string): boolean {
    if (this.off || task.lockdepRecursion) return true;
    const found = this.unwindTo(task, map, at, '__lock_set_class');
    if (!found) return false;
    const { i, depth, h } = found;
    this.reacquire(task, i, depth, i, subclass, h.read, h.at);
    return true;
  }

  /**
   * lock_downgrade() (downgrade_write()): the held write lock becomes a reader (read=1),
   * and it and everything above it are re-acquired.
   */
  downgrade(task: Task, map: LockdepMap, at: string): boolean {
    if (this.off || task.lockdepRecursion) return true;
    const found = this.unwindTo(task, map, at, '__lock_downgrade');
    if (!found) return false;
    const { i, depth, h } = found;
    // (the kernel WARNs "downgrading a read lock" when h.read is already set)
    this.reacquire(task, i, depth, i, h.cls.subclass, 1, at);
    return true;
  }

  /**
   * The common start of __lock_set_class() and __lock_downgrade(): find the held entry
   * of `map` and cut the stack back to just below it (reporting when there is none).
   */
  private unwindTo(
    task: Task,
    map: LockdepMap,
    at: string,
    where: string,
  ): { i: number; depth: number; h: HeldLock } | null {
    const depth = task.depth;
    if (depth === 0) {
      // "This function is about (re)setting the class of a held lock, yet we're not
      // actually holding any locks. Naughty user!"
      this.host.report({
        kind: 'debug-locks-warning',
        ...this.host.base(task),
        condition: '!depth',
        where,
      });
      return null;
    }
    const i = this.findHeld(task, map, depth);
    if (i < 0) {
      this.host.report({
        kind: 'bad-unlock-balance',
        ...this.host.base(task),
        lockName: map.name,
        at,
      });
      return null;
    }
    const h = task.held[i];
    task.depth = i;
    task.curChainKey = h.prevChainKey;
    return { i, depth, h };
  }

  /** reacquire_held_locks(): entries [from, depth) again; entry `override` with the given subclass, read and ip. */
  private reacquire(
    task: Task,
    from: number,
    depth: number,
    override: number,
    subclass: number,
    read: 0 | 1 | 2 = 0,
    at = '',
  ): void {
    const saved: SavedHeld[] = [];
    for (let j = from; j < depth; j++) {
      const s = task.held[j];
      const o = j === override;
      saved.push({
        map: s.map,
        subclass: o ? subclass : s.cls.subclass,
        trylock: s.trylock,
        read: o ? read : s.read,
        check: s.check,
        hardirqsOff: s.hardirqsOff,
        nestLock: s.nestLock,
        at: o ? at : s.at,
        references: s.references,
      });
    }
    for (const s of saved) {
      this.acquire(
        task,
        s.map,
        s.subclass,
        s.trylock,
        s.read,
        s.check,
        s.nestLock,
        s.at,
        s.hardirqsOff,
        s.references,
      );
    }
  }

  /** find_held_lock(): the top entry always matches; below it, stop at an irq-context change. */
  private findHeld(task: Task, map: LockdepMap, depth: number): number {
    let i = depth - 1;
    if (this.matchHeld(task.held[i], map)) return i;
    for (i--; i >= 0; i--) {
      if (task.held[i + 1].irqContext !== task.held[i].irqContext) return -1;
      if (this.matchHeld(task.held[i], map)) return i;
    }
    return -1;
  }

  private matchHeld(h: HeldLock, map: LockdepMap): boolean {
    if (h.map === map) return true;
    if (h.references) {
      const c = map.classCache[0] ?? map.key.subclasses[0];
      if (c && h.cls === c && h.nestLock) return true;
    }
    return false;
  }

  /** __lock_is_held(lock, -1) */
  isHeld(task: Task, map: LockdepMap): boolean {
    for (let i = 0; i < task.depth; i++) if (this.matchHeld(task.held[i], map)) return true;
    return false;
  }

  /** debug_check_no_locks_freed() for one map: a lock (re)initialised or freed while held. */
  checkFreed(task: Task, map: LockdepMap): boolean {
    if (this.off) return true;
    for (let i = 0; i < task.depth; i++) {
      const h = task.held[i];
      if (h.map === map) {
        this.host.report({
          kind: 'held-lock-freed',
          ...this.host.base(task),
          lock: lockSnapshot(h),
        });
        return false;
      }
    }
    return true;
  }

  // ---------------------------------------------------------------------------------
  // Wait context (check_wait_context / task_wait_context)

  /** task_wait_context(): the ceiling set by the execution context alone. */
  taskWaitContext(task: Task): number {
    if ((task.hardirqContext | task.softirqContext) === 0) return this.waitMax;
    if (task.hardirqContext)
      return task.hardirqThreaded || task.irqConfig ? this.waitConfig : this.waitSpin;
    return this.waitConfig;
  }

  /** taskWaitContext(), in the form the hot path inlines. */
  private waitBase(task: Task): number {
    const hc = task.hardirqContext;
    return (hc | task.softirqContext) === 0
      ? this.waitMax
      : hc
        ? task.hardirqThreaded || task.irqConfig
          ? this.waitConfig
          : this.waitSpin
        : this.waitConfig;
  }

  private checkWaitContext(task: Task, next: HeldLock): boolean {
    const base = this.waitBase(task);
    const d = task.depth;
    let curr = base;
    let culprit = -1;
    const top = d > 0 ? task.held[d - 1] : null;
    if (top && top.irqContext === next.irqContext) {
      if (top.ctxBase === base) {
        curr = top.ctxInner;
        culprit = top.ctxCulprit;
      } else {
        // The ceiling changed within this irq context (irq_config): walk it again.
        let start = d;
        while (start > 0 && task.held[start - 1].irqContext === next.irqContext) start--;
        for (let i = start; i < d; i++) {
          const c = task.held[i].cls;
          const p = c.inner;
          if (!p) continue;
          if (c.lockType === WAIT_OVERRIDE || p < curr) {
            // An override map replaces the running value rather than narrowing it.
            curr = p;
            culprit = i;
          }
        }
      }
    }
    // Record the running limit after `next` for the acquisitions that nest inside it.
    const p = next.cls.inner;
    next.ctxBase = base;
    if (p && (next.cls.lockType === WAIT_OVERRIDE || p < curr)) {
      next.ctxInner = p;
      next.ctxCulprit = d;
    } else {
      next.ctxInner = curr;
      next.ctxCulprit = culprit;
    }

    if (p === 0 || next.trylock) return true;
    const outer = next.cls.outer || p;
    if (outer <= curr) return true;
    this.host.report({
      kind: 'invalid-wait-context',
      ...this.host.base(task),
      lock: lockSnapshot(next),
      context: base,
      limit: curr,
      culprit,
    });
    return false;
  }

  // ---------------------------------------------------------------------------------
  // Irq usage (mark_usage / mark_lock / mark_lock_irq)

  private markUsage(task: Task, h: HeldLock): boolean {
    const inHard = task.hardirqContext > 0;
    const inSoft = task.softirqContext > 0;
    const r = h.read ? LOCK_USAGE_READ_MASK : 0;
    // Fast path: every bit this acquisition would set is set already (the steady state).
    let need = 1 << (r ? LOCK_USED_READ : LOCK_USED);
    if (!h.trylock) {
      if (inHard) need |= 1 << (LOCK_USED_IN_HARDIRQ + r);
      if (inSoft) need |= 1 << (LOCK_USED_IN_SOFTIRQ + r);
    }
    // lock_sync() marks no ENABLED usage: it opens no critical section an irq could hit.
    const enabled = !h.hardirqsOff && !h.sync;
    if (enabled) {
      need |= 1 << (LOCK_ENABLED_HARDIRQ + r);
      if (task.softirqsEnabled) need |= 1 << (LOCK_ENABLED_SOFTIRQ + r);
    }
    if ((h.cls.usageMask & need) === need) return true;
    if (!h.trylock) {
      if (inHard && !this.markLock(task, h, LOCK_USED_IN_HARDIRQ + r)) return false;
      if (inSoft && !this.markLock(task, h, LOCK_USED_IN_SOFTIRQ + r)) return false;
    }
    if (enabled) {
      if (!this.markLock(task, h, LOCK_ENABLED_HARDIRQ + r)) return false;
      if (task.softirqsEnabled && !this.markLock(task, h, LOCK_ENABLED_SOFTIRQ + r)) return false;
    }
    return this.markLock(task, h, LOCK_USED);
  }

  private markLock(task: Task, h: HeldLock, bit: number): boolean {
    if (bit === LOCK_USED && h.read) bit = LOCK_USED_READ;
    const c = h.cls;
    const m = 1 << bit;
    if (c.usageMask & m) return true;
    if (m & LOCKF_USED_IN_IRQ_ALL && !(c.usageMask & LOCKF_USED_IN_IRQ_ALL)) this.irqSafeClasses++;
    c.usageMask |= m;
    c.usageAt[bit] = h.at;
    if (bit >= LOCK_USED) return true;
    return this.markLockIrq(task, h, bit);
  }

  private markLockIrq(task: Task, h: HeldLock, bit: number): boolean {
    const excl = exclusiveBit(bit);
    const read = bit & LOCK_USAGE_READ_MASK;
    const dir = bit & LOCK_USAGE_DIR_MASK;
    if (!this.validState(task, h, bit, excl)) return false;
    if (!read && !this.validState(task, h, bit, excl + LOCK_USAGE_READ_MASK)) return false;
    return dir ? this.checkUsageBackwards(task, h, excl) : this.checkUsageForwards(task, h, excl);
  }

  private validState(task: Task, h: HeldLock, newBit: number, badBit: number): boolean {
    if (!(h.cls.usageMask & (1 << badBit))) return true;
    this.reportUsageBug(task, h, badBit, newBit);
    return false;
  }

  private reportUsageBug(task: Task, h: HeldLock, prevBit: number, newBit: number): void {
    this.host.report({
      kind: 'inconsistent-lock-state',
      ...this.host.base(task),
      lock: lockSnapshot(h),
      previousUsage: usageStr(prevBit),
      newUsage: usageStr(newBit),
      irq: this.host.irqState(task),
      registeredAt: h.cls.usageAt[prevBit] ?? '',
    });
  }

  /** Enabling irqs marks every held lock ENABLED (mark_held_locks()). */
  markHeldLocks(task: Task, baseBit: number): boolean {
    if (this.off || task.lockdepRecursion) return true;
    for (let i = 0; i < task.depth; i++) {
      const h = task.held[i];
      if (!h.check) continue;
      if (!this.markLock(task, h, baseBit + (h.read ? LOCK_USAGE_READ_MASK : 0))) return false;
    }
    return true;
  }

  /** lockdep_hardirqs_on() bookkeeping, after the caller flipped the flag. */
  hardirqsOn(task: Task): void {
    if (!this.markHeldLocks(task, LOCK_ENABLED_HARDIRQ)) return;
    if (task.softirqsEnabled) this.markHeldLocks(task, LOCK_ENABLED_SOFTIRQ);
  }

  /** lockdep_softirqs_on() bookkeeping, after the caller flipped the flag. */
  softirqsOn(task: Task): void {
    if (!task.irqsOff) this.markHeldLocks(task, LOCK_ENABLED_SOFTIRQ);
  }

  /** verify_lock_unused(): an NMI taking a lock that is used anywhere else. */
  private verifyLockUnused(
    task: Task,
    map: LockdepMap,
    subclass: number,
    read: 0 | 1 | 2,
    at: string,
  ): void {
    const cls = subclass < 8 ? this.lookupClass(map, subclass) : undefined;
    if (!cls) return;
    const mask = LOCKF_USED | (read ? 0 : LOCKF_USED_READ);
    if (!(cls.usageMask & mask)) return;
    const h = new HeldLock();
    h.map = map;
    h.cls = cls;
    h.irqContext = 2;
    h.read = read;
    h.hardirqsOff = true;
    h.at = at;
    this.reportUsageBug(task, h, LOCK_USED, LOCK_USAGE_STATES);
  }

  // ---------------------------------------------------------------------------------
  // Graph search (__bfs): per-class visited marks, strong-path rule, kernel queue size.

  /*
   * Three specialised loops over one walk (bfsRoot() and bfsStep() are the shared part), so no search pays a closure call per node:
   * bfsCircular() (check_noncircular: forward, no skip, hlock_conflict match),
   * bfsUsage() (usage_match with usage_skip, either direction) and bfsAccumulate()
   * (check_irq_usage step 1: usage_accumulate backwards, never matches). Each visits
   * classes in exactly the order the generic __bfs() would: the root first, then every
   * list entry of each dequeued class in list order; a class is marked when first met,
   * before the strong-path test, as mark_lock_accessed() does.
   */

  /**
   * check_noncircular()'s search. It also records every class it reaches (with its
   * only_xr) and whether one of them is a usage_skip() class, so that check_irq_usage()
   * can answer its forward search from the same root from this list (see
   * forwardUsageFromVisit()).
   */
  private bfsCircular(
    root: LockClass,
    rootOnlyXr: boolean,
    target: LockClass,
    prevExclusive: boolean,
  ): BfsResult {
    const gen = ++this.gen;
    const q = this.queue;
    const cap = this.limits.bfsQueue - 1;
    const visit = this.visit;
    let visitXr = this.visitXr;
    let nv = 0;
    let skippable = false;
    let head = 0;
    let tail = 0;
    this.visitCount = 0;
    this.visitRoot = null;
    bfsRoot(root, rootOnlyXr, gen);
    if (root === target && (prevExclusive || !rootOnlyXr)) return root;
    if (root.lockType !== LD_LOCK.NORMAL && this.usageSkip(root)) skippable = true;
    visit[nv] = root;
    visitXr[nv++] = rootOnlyXr ? 1 : 0;
    if (root.after.length) q[tail++] = root;
    while (head < tail) {
      const parent = q[head++];
      const list = parent.after;
      const parentXr = parent.bfsOnlyXr;
      for (let i = 0; i < list.length; i++) {
        const e = list[i];
        const c = e.cls;
        if (!bfsStep(parent, parentXr, e, c, gen)) continue;
        const xr = c.bfsOnlyXr;
        if (c === target && (prevExclusive || !xr)) return c;
        if (c.lockType !== LD_LOCK.NORMAL && this.usageSkip(c)) skippable = true;
        if (nv === visitXr.length) {
          const grown = new Uint8Array(nv * 2);
          grown.set(visitXr);
          this.visitXr = visitXr = grown;
        }
        visit[nv] = c;
        visitXr[nv++] = xr ? 1 : 0;
        if (c.after.length) {
          if (tail - head >= cap) return 'overflow';
          q[tail++] = c;
        }
      }
    }
    this.visitCount = nv;
    // Only a complete walk without skip-able classes is the walk bfsUsage() would make.
    this.visitRoot = skippable ? null : root;
    this.visitRootXr = rootOnlyXr;
    return null;
  }

  /**
   * find_usage_forwards() from `root` (only_xr `rootOnlyXr`), answered from the list the
   * last bfsCircular() recorded, when that walk had the same root and met no usage_skip()
   * class: the two walks then visit the same classes in the same order with the same
   * only_xr, and one that completed without a match or an overflow means the other
   * cannot overflow either. Returns undefined when the list does not apply, null when no
   * class matches; on a match the caller re-runs bfsUsage() to get its parent links.
   */
  private forwardUsageFromVisit(
    root: LockClass,
    rootOnlyXr: boolean,
    mask: number,
  ): null | true | undefined {
    if (this.visitRoot !== root || this.visitRootXr !== rootOnlyXr) return undefined;
    const visit = this.visit;
    const visitXr = this.visitXr;
    const irqMask = mask & LOCKF_IRQ;
    for (let i = 0, n = this.visitCount; i < n; i++) {
      if (visit[i].usageMask & (visitXr[i] ? irqMask : mask)) return true;
    }
    return null;
  }

  /** __bfs() with usage_match(mask) and usage_skip(): find_usage_forwards/backwards(). */
  private bfsUsage(
    root: LockClass,
    rootOnlyXr: boolean,
    forward: boolean,
    mask: number,
  ): BfsResult {
    const gen = ++this.gen;
    const q = this.queue;
    const cap = this.limits.bfsQueue - 1;
    const irqMask = mask & LOCKF_IRQ;
    let head = 0;
    let tail = 0;
    bfsRoot(root, rootOnlyXr, gen);
    if (root.lockType !== LD_LOCK.NORMAL && this.usageSkip(root)) return null;
    // usage_match(): behind a recursive-read-only step, only write usage counts.
    if (root.usageMask & (rootOnlyXr ? irqMask : mask)) return root;
    if ((forward ? root.after : root.before).length) q[tail++] = root;
    while (head < tail) {
      const parent = q[head++];
      const list = forward ? parent.after : parent.before;
      const parentXr = parent.bfsOnlyXr;
      for (let i = 0; i < list.length; i++) {
        const e = list[i];
        const c = e.cls;
        if (!bfsStep(parent, parentXr, e, c, gen)) continue;
        const xr = c.bfsOnlyXr;
        if (c.lockType !== LD_LOCK.NORMAL && this.usageSkip(c)) continue;
        if (c.usageMask & (xr ? irqMask : mask)) return c;
        if ((forward ? c.after : c.before).length) {
          if (tail - head >= cap) return 'overflow';
          q[tail++] = c;
        }
      }
    }
    return null;
  }

  /** check_irq_usage() step 1: __bfs_backwards() with usage_accumulate; -1 on overflow. */
  private bfsAccumulate(root: LockClass, rootOnlyXr: boolean): number {
    const gen = ++this.gen;
    const q = this.queue;
    const cap = this.limits.bfsQueue - 1;
    let head = 0;
    let tail = 0;
    let usage = 0;
    bfsRoot(root, rootOnlyXr, gen);
    if (root.lockType !== LD_LOCK.NORMAL && this.usageSkip(root)) return 0;
    // usage_accumulate(): behind a recursive-read-only step, mask out the _READ bits.
    usage |= rootOnlyXr ? root.usageMask & LOCKF_IRQ : root.usageMask;
    if (root.before.length) q[tail++] = root;
    while (head < tail) {
      const parent = q[head++];
      const list = parent.before;
      const parentXr = parent.bfsOnlyXr;
      for (let i = 0; i < list.length; i++) {
        const e = list[i];
        const c = e.cls;
        if (!bfsStep(parent, parentXr, e, c, gen)) continue;
        const xr = c.bfsOnlyXr;
        if (c.lockType !== LD_LOCK.NORMAL && this.usageSkip(c)) continue;
        usage |= xr ? c.usageMask & LOCKF_IRQ : c.usageMask;
        if (c.before.length) {
          if (tail - head >= cap) return -1;
          q[tail++] = c;
        }
      }
    }
    return usage;
  }

  /** usage_skip(): per-CPU (local_lock) and wait-override classes are not irq-inversion nodes. */
  private usageSkip(c: LockClass): boolean {
    if (c.lockType === LD_LOCK.NORMAL) return false;
    if (c.lockType === LD_LOCK.PERCPU && c.inner < this.waitConfig) return false;
    return true;
  }

  private bfsError(task: Task): void {
    this.limit(task, 'BFS_QUEUE', 'lockdep bfs error:-1');
  }

  /** Path from a BFS hit back to the root, hit first (print_shortest_lock_dependencies order). */
  private pathFrom(hit: LockClass, rootAt: string): PathEntry[] {
    const out: PathEntry[] = [];
    for (let c: LockClass | null = hit; c; c = c.bfsParent) {
      out.push({
        class: classSnapshot(c),
        at: c.bfsDep ? c.bfsDep.at : rootAt,
        usageTraces: usageTraces(c),
      });
    }
    return out;
  }

  private checkUsageForwards(task: Task, h: HeldLock, bit: number): boolean {
    const readBit = bit + LOCK_USAGE_READ_MASK;
    const mask = (1 << bit) | (1 << readBit);
    const hit = this.bfsUsage(h.cls, h.read === 2, true, mask);
    if (hit === 'overflow') {
      this.bfsError(task);
      return false;
    }
    if (!hit) return true;
    this.reportInversion(task, h, hit, true, stateName(hit.usageMask & (1 << bit) ? bit : readBit));
    return false;
  }

  private checkUsageBackwards(task: Task, h: HeldLock, bit: number): boolean {
    const readBit = bit + LOCK_USAGE_READ_MASK;
    const mask = (1 << bit) | (1 << readBit);
    const hit = this.bfsUsage(h.cls, h.read !== 0, false, mask);
    if (hit === 'overflow') {
      this.bfsError(task);
      return false;
    }
    if (!hit) return true;
    this.reportInversion(
      task,
      h,
      hit,
      false,
      stateName(hit.usageMask & (1 << bit) ? bit : readBit),
    );
    return false;
  }

  private reportInversion(
    task: Task,
    h: HeldLock,
    other: LockClass,
    forwards: boolean,
    irqState: ReturnType<typeof stateName>,
  ): void {
    this.host.report({
      kind: 'irq-inversion',
      ...this.host.base(task),
      forwards,
      irqState,
      irq: this.host.irqState(task),
      lock: lockSnapshot(h),
      other: classSnapshot(other),
      otherAt: other.bfsDep ? other.bfsDep.at : h.at,
      path: this.pathFrom(other, h.at),
    });
  }

  // ---------------------------------------------------------------------------------
  // Chains and dependencies (validate_chain / check_deadlock / check_prevs_add)

  /** lookup_chain_cache_add(): true on a miss (the chain is new and must be validated). */
  private chainMiss(task: Task, h: HeldLock, key: number): boolean {
    if (this.chains.has(key)) return false;
    if (this.chains.size >= this.limits.maxChains) {
      this.limit(task, 'MAX_LOCKDEP_CHAINS', 'BUG: MAX_LOCKDEP_CHAINS too low!');
      return false;
    }
    let len = 1;
    for (let i = task.depth - 1; i >= 0 && task.held[i].irqContext === h.irqContext; i--) len++;
    if (this.chainHlocks + len > this.limits.maxChainHlocks) {
      this.limit(task, 'MAX_LOCKDEP_CHAIN_HLOCKS', 'BUG: MAX_LOCKDEP_CHAIN_HLOCKS too low!');
      return false;
    }
    this.chainHlocks += len;
    this.chains.add(key);
    return true;
  }

  /** check_deadlock(): 0 reported, 1 fine, 2 nested under its nest_lock (no new dependency). */
  private checkDeadlock(task: Task, next: HeldLock): 0 | 1 | 2 {
    let nest = false;
    for (let i = 0; i < task.depth; i++) {
      const prev = task.held[i];
      if (next.nestLock && prev.map === next.nestLock) nest = true;
      if (prev.cls !== next.cls) continue;
      // read-after-read recursion of the same class is allowed for recursive readers
      if (next.read === 2 && prev.read) continue;
      if (nest) return 2;
      this.host.report({
        kind: 'recursive-locking',
        ...this.host.base(task),
        lock: lockSnapshot(next),
        prev: lockSnapshot(prev),
      });
      return 0;
    }
    return 1;
  }

  private checkPrevsAdd(task: Task, next: HeldLock): void {
    const depth = task.depth;
    for (let i = depth - 1; i >= 0; i--) {
      const prev = task.held[i];
      if (prev.check) {
        // check_prevs_add() returns as soon as one check_prev_add() fails: after a
        // report, the older trylocked entries below are not looked at.
        if (!this.checkPrevAdd(task, prev, next, depth - i)) return;
        if (this.off) return;
        // Stop after the first non-trylock entry: it already has its own dependencies.
        if (!prev.trylock) break;
      }
      if (i > 0 && task.held[i - 1].irqContext !== prev.irqContext) break;
    }
  }

  /** check_prev_add(): false when it reported (or lockdep went off). */
  private checkPrevAdd(task: Task, prev: HeldLock, next: HeldLock, distance: number): boolean {
    if (!this.checkNoncircular(task, next, prev)) return false;
    const ok = this.checkIrqUsage(task, prev, next);
    // the recorded walk describes the graph before this dependency: never reuse it
    this.visitRoot = null;
    if (!ok) return false;
    const existing = prev.cls.afterById.get(next.cls.id);
    if (existing) {
      if (distance === 1) existing.distance = 1;
      existing.dep |= calcDep(prev.read, next.read);
      const back = next.cls.beforeById.get(prev.cls.id);
      if (back) {
        if (distance === 1) back.distance = 1;
        back.dep |= calcDepb(prev.read, next.read);
      }
      return true;
    }
    if (this.entries + 2 > this.limits.maxEntries) {
      this.limit(task, 'MAX_LOCKDEP_ENTRIES', 'BUG: MAX_LOCKDEP_ENTRIES too low!');
      return false;
    }
    this.addDependency(
      prev.cls,
      next.cls,
      calcDep(prev.read, next.read),
      calcDepb(prev.read, next.read),
      distance,
      next.at,
    );
    return true;
  }

  /** Record prev -> next in both lists (add_lock_to_list() twice). */
  addDependency(
    prev: LockClass,
    next: LockClass,
    dep: number,
    depb: number,
    distance: number,
    at: string,
  ): void {
    const f: Dependency = { cls: next, dep, distance, at };
    const b: Dependency = { cls: prev, dep: depb, distance, at };
    prev.after.push(f);
    prev.afterById.set(next.id, f);
    next.before.push(b);
    next.beforeById.set(prev.id, b);
    this.entries += 2;
  }

  /** check_noncircular(): can `next` already reach `prev`? */
  private checkNoncircular(task: Task, next: HeldLock, prev: HeldLock): boolean {
    const target = prev.cls;
    const prevExclusive = prev.read === 0;
    const hit = this.bfsCircular(next.cls, next.read === 2, target, prevExclusive);
    if (hit === 'overflow') {
      this.bfsError(task);
      return false;
    }
    if (!hit) return true;
    if (next.cls === prev.cls) {
      // check_noncircular() calls print_deadlock_bug(current, src, target) with src = the
      // new lock in the `prev` slot: the kernel prints the held lock as the one being
      // acquired and the new one as already held. Mirrored as printed.
      this.host.report({
        kind: 'recursive-locking',
        ...this.host.base(task),
        lock: lockSnapshot(prev),
        prev: lockSnapshot(next),
      });
      return false;
    }
    const chain: CircularDependency['chain'][number][] = [];
    let depth = 0;
    for (let c: LockClass | null = hit.bfsParent; c; c = c.bfsParent) depth++;
    for (let c: LockClass | null = hit, d = depth; c; c = c.bfsParent, d--) {
      chain.push({ depth: d, class: classSnapshot(c), at: c.bfsDep ? c.bfsDep.at : next.at });
    }
    this.host.report({
      kind: 'circular-dependency',
      ...this.host.base(task),
      lock: lockSnapshot(next),
      prev: lockSnapshot(prev),
      chain,
    });
    return false;
  }

  /**
   * check_irq_usage(): would prev -> next connect an irq-safe lock (behind prev) to an
   * irq-unsafe lock (ahead of next)?
   */
  private checkIrqUsage(task: Task, prev: HeldLock, next: HeldLock): boolean {
    // No class was ever used in irq context: the backward search below could only
    // accumulate an empty USED_IN mask, so its answer is known without walking.
    if (this.irqSafeClasses === 0) return true;
    let usage = this.bfsAccumulate(prev.cls, prev.read !== 0);
    if (usage < 0) {
      this.bfsError(task);
      return false;
    }
    usage &= LOCKF_USED_IN_IRQ_ALL;
    if (!usage) return true;
    const forwardMask = exclusiveMask(usage);
    // check_noncircular() just walked forward from next with the same root: when its
    // walk is the one find_usage_forwards() would make, a miss needs no second walk.
    if (this.forwardUsageFromVisit(next.cls, next.read === 2, forwardMask) === null) return true;
    const fwd = this.bfsUsage(next.cls, next.read === 2, true, forwardMask);
    if (fwd === 'overflow') {
      this.bfsError(task);
      return false;
    }
    if (!fwd) return true;
    const unsafeCls = fwd;
    const forwardPath = this.pathFrom(unsafeCls, next.at);
    const backwardMask = originalMask(unsafeCls.usageMask & LOCKF_ENABLED_IRQ_ALL);
    const bwd = this.bfsUsage(prev.cls, prev.read !== 0, false, backwardMask);
    if (bwd === 'overflow') {
      this.bfsError(task);
      return false;
    }
    if (!bwd) return true;
    const pair = findExclusiveMatch(bwd.usageMask, unsafeCls.usageMask);
    if (!pair) return true;
    const [backwardBit, forwardBit] = pair;
    this.host.report({
      kind: 'irq-unsafe-order',
      ...this.host.base(task),
      irqState: stateName(backwardBit),
      unsafeState: stateName(forwardBit),
      irq: this.host.irqState(task),
      lock: lockSnapshot(next),
      prev: lockSnapshot(prev),
      safe: classSnapshot(bwd),
      safeAt: bwd.usageAt[backwardBit] ?? '',
      unsafe: classSnapshot(unsafeCls),
      unsafeAt: unsafeCls.usageAt[forwardBit] ?? '',
      backwardPath: this.pathFrom(bwd, prev.at),
      forwardPath,
    });
    return false;
  }
}
