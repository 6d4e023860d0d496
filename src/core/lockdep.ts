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
import { ChainCache, type ChainNode } from './chains';
import type { Derived, KernelConfig } from './config';
import { calcDep, calcDepb, DepGraph } from './graph';
import { LockClass, LockClassKey } from './lockClass';
import type { LockdepMap } from './lockdepMap';
import { classSnapshot, lockSnapshot, usageTraces } from './snapshot';
import { CTX_HARDIRQS_OFF, CTX_IRQ_CONTEXT, HeldLock, type Task } from './task';
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
  LOCKF_USED,
  LOCKF_USED_IN_IRQ_ALL,
  LOCKF_USED_READ,
  originalMask,
  stateName,
  usageStr,
} from './usage';
import type {
  CircularDependency,
  IrqStateSnapshot,
  LockdepLimitReached,
  PathEntry,
  Violation,
  ViolationBase,
} from './violation';
import { LD_LOCK, resolveWait } from './waitType';

const log = createDebug('lockdep:core');
const WAIT_OVERRIDE = LD_LOCK.WAIT_OVERRIDE;
/** MAX_LOCKDEP_SUBCLASSES (include/linux/lockdep_types.h) */
export const MAX_LOCKDEP_SUBCLASSES = 8;
/** NR_LOCKDEP_CACHING_CLASSES: subclasses whose class a lockdep_map caches */
const NR_LOCKDEP_CACHING_CLASSES = 2;

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

/** Why lockdep turned itself off (debug_locks_off() on a limit), and at which event. */
export interface LockdepOff {
  readonly limit: LockdepLimitReached['limit'] | 'MAX_LOCK_DEPTH';
  readonly event: number;
}

/**
 * The execution context as the cached path's two checks see it: the irq context
 * (task_irq_context()), whether a hardirq is threaded or irq_config (the wait-context
 * ceiling), and the irq/softirq enable state (the usage bits an acquisition sets). The
 * task keeps all but the irq state in Task.ctxBits.
 */
function ctxSig(task: Task, hardirqsOff: boolean): number {
  // `=== true` here and on the rest of the cached path: a boolean field is typed only
  // as an oddball to the JIT, so a bare truthiness test compiles to the whole ToBoolean
  // dispatch, and `=== true` to one compare
  return hardirqsOff === true ? task.ctxBits | CTX_HARDIRQS_OFF : task.ctxBits;
}

/**
 * The usage bits an acquisition sets (mark_usage()): USED or USED_READ; USED_IN_* for
 * the irq contexts it runs in, unless a trylock; ENABLED_* for the irqs left on, unless
 * lock_sync() (no critical section an irq could hit).
 */
function usageNeed(
  task: Task,
  read: number,
  trylock: boolean,
  hardirqsOff: boolean,
  sync: boolean,
): number {
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
  return need;
}

export class Lockdep {
  private readonly keys = new Map<string, LockClassKey>();
  private readonly maxVersion = new Map<string, number>();
  /** the dependency graph and its searches */
  readonly graph: DepGraph;
  private readonly chains = new ChainCache();
  /**
   * Set when a limit turned lockdep off (debug_locks_off(): a capacity limit,
   * MAX_LOCK_DEPTH, an invalid subclass, a full BFS queue): nothing is validated or
   * reported from then on, as in the kernel.
   */
  off: LockdepOff | null = null;
  /**
   * The cached-chain fast path is taken: lockdep is on (cleared with `off`), and no
   * differential test turned it off to compare it with the whole __lock_acquire().
   */
  fastPath = true;
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
    this.graph = new DepGraph(this.limits.bfsQueue, this.waitConfig);
  }

  /** lock classes in registration order */
  get classes(): readonly LockClass[] {
    return this.graph.classes;
  }

  /** Statistics in the spirit of /proc/lockdep_stats. */
  stats(): { classes: number; dependencies: number; chains: number; chainHlocks: number } {
    return {
      classes: this.graph.classes.length,
      dependencies: this.graph.entries / 2,
      chains: this.chains.size,
      chainHlocks: this.chains.hlocks,
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
    return new LockClassKey(this.keys.size + 1 + this.graph.classes.length, name);
  }

  // ---------------------------------------------------------------------------------
  // Class lookup (look_up_lock_class / register_lock_class)

  private lookupClass(map: LockdepMap, subclass: number): LockClass | undefined {
    if (subclass < NR_LOCKDEP_CACHING_CLASSES) {
      const c = map.classCache[subclass];
      if (c) return c;
    }
    return map.key.subclasses[subclass];
  }

  private registerClass(task: Task, map: LockdepMap, subclass: number): LockClass | null {
    const found = this.lookupClass(map, subclass);
    if (found) {
      if (subclass < NR_LOCKDEP_CACHING_CLASSES) map.classCache[subclass] = found;
      return found;
    }
    if (this.graph.classes.length >= this.limits.maxClasses) {
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
    const p = this.host.config.proveRawLockNesting;
    const cls = new LockClass(
      this.graph.classes.length + 1,
      key,
      subclass,
      key.name,
      version,
      resolveWait(map.inner, p),
      resolveWait(map.outer, p),
      map.lockType,
    );
    this.graph.addClass(cls);
    key.subclasses[subclass] = cls;
    if (subclass < NR_LOCKDEP_CACHING_CLASSES) map.classCache[subclass] = cls;
    if (log.enabled) log('new class %s inner=%d outer=%d', cls.name, cls.inner, cls.outer);
    return cls;
  }

  /** debug_locks_off() with a "BUG: ... too low!" report: lockdep is off from this event on. */
  private limit(task: Task, limit: LockdepLimitReached['limit'], message: string): void {
    if (this.off) return;
    const base = this.host.base(task);
    this.off = { limit, event: base.event };
    this.fastPath = false;
    this.host.report({ kind: 'lockdep-limit', ...base, limit, message });
  }

  // ---------------------------------------------------------------------------------
  // lock_acquire / lock_release

  /**
   * lock_acquire(). Returns false when lockdep did not track the acquisition (NMI,
   * lockdep off after a limit).
   *
   * This is the fast path, small enough to be inlined into its callers: an exclusive
   * or shared, checked, non-trylock acquisition whose chain is in the cache (the
   * lookup_chain_cache() hit of validate_chain()), that passed check_wait_context()
   * under the same context ceiling, and whose usage bits are all set already. Then
   * __lock_acquire() would check nothing, report nothing and change nothing but the
   * held stack. Anything else goes to acquireSlow(), the whole __lock_acquire().
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
    references?: number,
    sync?: boolean,
  ): boolean {
    if (
      !trylock &&
      check &&
      nestLock === null &&
      !references &&
      !sync &&
      subclass < NR_LOCKDEP_CACHING_CLASSES &&
      this.tryCached(task, map, subclass, read, at, hardirqsOff)
    )
      return true;
    return this.acquireSlow(
      task,
      map,
      subclass,
      trylock,
      read,
      check,
      nestLock,
      at,
      hardirqsOff,
      references ?? 0,
      sync ?? false,
    );
  }

  /**
   * The fast path's lookup_chain_cache() hit: push and return true, or false with
   * nothing changed. One comparison stands for check_wait_context() and mark_usage():
   * the node remembers the execution context (ctxSig()) under which its acquisition
   * last passed both, and a context is the only input either check reads besides the
   * chain itself (usage bits are never cleared, so a pass stays a pass).
   */
  tryCached(
    task: Task,
    map: LockdepMap,
    subclass: number,
    read: 0 | 1 | 2,
    at: string,
    hardirqsOff: boolean,
  ): boolean {
    const cls = map.classCache[subclass];
    const depth = task.depth;
    if (
      this.fastPath !== true ||
      cls === undefined ||
      depth + 1 >= this.maxLockDepth ||
      task.lockdepRecursion !== 0
    )
      return false;
    // ctxSig() and task.irqContext() by hand: this function is most of what V8 may
    // inline of a lock() call, and every byte of it counts against that budget
    const bits = task.ctxBits;
    const irqContext = bits & CTX_IRQ_CONTEXT;
    const top = depth > 0 ? task.held[depth - 1] : null;
    // a context's first lock: the class remembers its one-lock chain, so chains that
    // begin with different classes do not evict each other
    const node = top !== null && top.irqContext === irqContext ? top.chain.next : cls.headChain;
    if (
      node === null ||
      node.cls !== cls ||
      node.read !== read ||
      node.okSig !== (hardirqsOff === true ? bits | CTX_HARDIRQS_OFF : bits)
    )
      return false;
    const h = task.held[depth] ?? task.slot(depth);
    h.map = map;
    h.cls = cls;
    h.irqContext = irqContext;
    h.read = read;
    h.hardirqsOff = hardirqsOff;
    h.at = at;
    h.subclass = subclass;
    if (h.plain !== true) h.makePlain();
    h.chain = node;
    h.ctxBase = node.waitBase;
    h.ctxInner = node.ctxInner;
    h.ctxCulprit = node.ctxCulprit < 0 ? -1 : depth - node.ctxCulprit;
    task.depth = depth + 1;
    return true;
  }

  /** __lock_acquire(): everything the fast path does not cover. */
  private acquireSlow(
    task: Task,
    map: LockdepMap,
    subclass: number,
    trylock: boolean,
    read: 0 | 1 | 2,
    check: boolean,
    nestLock: LockdepMap | null,
    at: string,
    hardirqsOff: boolean,
    references: number,
    sync: boolean,
  ): boolean {
    if (this.off) return false;
    if (task.lockdepRecursion) {
      // lockdep_off() inside NMI: only the {INITIAL USE} -> {IN-NMI} check remains
      // (lock_acquire(); lock_sync() just returns).
      if (!trylock && !sync) this.verifyLockUnused(task, map, subclass, read, at);
      return false;
    }
    if (subclass >= MAX_LOCKDEP_SUBCLASSES) {
      this.limit(task, 'MAX_LOCKDEP_SUBCLASSES', `BUG: looking up invalid subclass: ${subclass}`);
      return false;
    }
    const cls =
      (subclass < NR_LOCKDEP_CACHING_CLASSES && map.classCache[subclass]) ||
      this.registerClass(task, map, subclass);
    if (!cls) return false;

    const depth = task.depth;
    if (depth && nestLock && !sync) {
      const top = task.held[depth - 1];
      if (top.cls === cls) {
        // Same class under its nest_lock: merge into a reference count, nothing pushed.
        if (!references) references = 1;
        if (!top.references) top.references = 1;
        top.references += references;
        top.plain = false;
        return true;
      }
    }

    const h = task.held[depth] ?? task.slot(depth);
    h.map = map;
    h.cls = cls;
    h.irqContext = task.irqContext();
    h.trylock = trylock;
    h.read = read;
    h.check = check;
    h.hardirqsOff = hardirqsOff;
    h.references = references;
    h.nestLock = nestLock;
    h.at = at;
    h.subclass = subclass;
    h.sync = sync;
    h.plain = !trylock && check && references === 0 && nestLock === null && !sync;

    // The chain is known before any check runs (a new irq context starts a new one):
    // when it was validated before under the same context ceiling,
    // check_wait_context() would compute what it computed then.
    const head = depth === 0 || task.held[depth - 1].irqContext !== h.irqContext;
    const node = this.chains.extend(
      head ? this.chains.root : task.held[depth - 1].chain,
      cls,
      read,
    );
    h.chain = node;
    const validate = !trylock && check;
    let waitOk: boolean;
    if (validate && !nestLock && node.fast && node.waitBase === this.waitBase(task)) {
      h.ctxBase = node.waitBase;
      h.ctxInner = node.ctxInner;
      h.ctxCulprit = node.ctxCulprit < 0 ? -1 : depth - node.ctxCulprit;
      waitOk = true;
    } else waitOk = this.checkWaitContext(task, h);
    if (check) {
      // mark_usage(), when a bit is missing (once warm, every bit is set already)
      const need = usageNeed(task, read, trylock, hardirqsOff, sync);
      if ((cls.usageMask & need) !== need) this.markUsage(task, h);
    } else this.markLock(task, h, LOCK_USED);
    if (this.off) return false;

    if (nestLock && !this.isHeld(task, nestLock)) {
      this.host.report({
        kind: 'nested-lock-not-taken',
        ...this.host.base(task),
        lock: lockSnapshot(h),
        nestLock: nestLock.name,
      });
    }

    if (validate) {
      // validate_chain(): lookup_chain_cache_add(); on a miss check_deadlock() and
      // check_prevs_add() under the graph lock.
      if (this.chainMiss(task, h, node)) {
        if (this.off) return false;
        const ret = this.checkDeadlock(task, h);
        if (ret === 1 && !head) this.checkPrevsAdd(task, h);
        if (this.off) return false;
      }
      if (!nestLock) {
        node.fast = waitOk;
        node.waitBase = h.ctxBase;
        node.ctxInner = h.ctxInner;
        node.ctxCulprit = h.ctxCulprit < 0 ? -1 : depth - h.ctxCulprit;
        // what tryCached() compares: this context, when both checks pass in it now
        const need = usageNeed(task, read, false, hardirqsOff, false);
        node.okSig = waitOk && (cls.usageMask & need) === need ? ctxSig(task, hardirqsOff) : -1;
      }
    }

    // lock_sync(): validated like an acquisition, but there is no critical section to push.
    if (sync) return true;
    task.depth = depth + 1;
    if (task.depth >= this.maxLockDepth) {
      // debug_locks_off(): lockdep stops here, with the lock on the held stack.
      this.off = { limit: 'MAX_LOCK_DEPTH', event: this.host.base(task).event };
      this.fastPath = false;
      this.host.report({
        kind: 'max-lock-depth',
        ...this.host.base(task),
        depth: task.depth,
        max: this.limits.maxLockDepth,
      });
    }
    return true;
  }

  /** lock_release() of the innermost lock with nothing to undo: pop it, or false with nothing changed. */
  tryReleaseTop(task: Task, map: LockdepMap): boolean {
    const d = task.depth;
    if (d === 0 || !this.fastPath || task.lockdepRecursion !== 0) return false;
    const h = task.held[d - 1];
    if (h.map !== map || h.references !== 0) return false;
    task.depth = d - 1;
    return true;
  }

  /** lock_release(). Returns false when the lock was not held (bad unlock balance reported). */
  release(task: Task, map: LockdepMap, at: string): boolean {
    if (this.off !== null || task.lockdepRecursion !== 0) return true;
    const depth = task.depth;
    // the common case, releasing the innermost lock, without the search
    const i =
      depth > 0
        ? task.held[depth - 1].map === map
          ? depth - 1
          : this.findHeld(task, map, depth)
        : -1;
    if (i < 0) return this.badUnlock(task, map, at);
    const h = task.held[i];
    if (h.references) {
      h.references--;
      if (h.references) return true;
    }
    task.depth = i;
    if (i === depth - 1) return true;
    // Unlocking out of order: re-acquire what was above, recomputing chain keys (and
    // validating any chain that is new), as reacquire_held_locks() does.
    this.reacquire(task, i + 1, depth, -1, 0);
    return true;
  }

  /** print_unlock_imbalance_bug(): `map` is not held by `task`. */
  private badUnlock(task: Task, map: LockdepMap, at: string): false {
    this.host.report({
      kind: 'bad-unlock-balance',
      ...this.host.base(task),
      lockName: map.name,
      at,
    });
    return false;
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
      this.badUnlock(task, map, at);
      return null;
    }
    const h = task.held[i];
    task.depth = i;
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
    c.usageMask |= m;
    this.graph.usageAdded(c, m);
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
  // Graph searches (the searches themselves are DepGraph's)

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
    const hit = this.graph.findUsage(h.cls, h.read === 2, true, mask);
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
    const hit = this.graph.findUsage(h.cls, h.read !== 0, false, mask);
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
  private chainMiss(task: Task, h: HeldLock, node: ChainNode): boolean {
    if (node.cached) return false;
    const chains = this.chains;
    if (chains.size >= this.limits.maxChains) {
      this.limit(task, 'MAX_LOCKDEP_CHAINS', 'BUG: MAX_LOCKDEP_CHAINS too low!');
      return false;
    }
    let len = 1;
    for (let i = task.depth - 1; i >= 0 && task.held[i].irqContext === h.irqContext; i--) len++;
    if (chains.hlocks + len > this.limits.maxChainHlocks) {
      this.limit(task, 'MAX_LOCKDEP_CHAIN_HLOCKS', 'BUG: MAX_LOCKDEP_CHAIN_HLOCKS too low!');
      return false;
    }
    chains.hlocks += len;
    chains.size++;
    node.cached = true;
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
    if (!this.checkIrqUsage(task, prev, next)) return false;
    const existing = this.graph.dependency(prev.cls, next.cls);
    if (existing) {
      // Is the <prev> -> <next> dependency already present? Update both list entries.
      if (distance === 1) existing.distance = 1;
      existing.dep |= calcDep(prev.read, next.read);
      existing.depb |= calcDepb(prev.read, next.read);
      return true;
    }
    if (this.graph.entries + 2 > this.limits.maxEntries) {
      this.limit(task, 'MAX_LOCKDEP_ENTRIES', 'BUG: MAX_LOCKDEP_ENTRIES too low!');
      return false;
    }
    this.graph.addDependency(
      prev.cls,
      next.cls,
      calcDep(prev.read, next.read),
      calcDepb(prev.read, next.read),
      distance,
      next.at,
    );
    return true;
  }

  /** check_noncircular(): can `next` already reach `prev`? */
  private checkNoncircular(task: Task, next: HeldLock, prev: HeldLock): boolean {
    const target = prev.cls;
    const prevExclusive = prev.read === 0;
    const hit = this.graph.findCircular(next.cls, next.read === 2, target, prevExclusive);
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
    if (!this.graph.mayConflict(prev.cls, next.cls)) return true;
    let usage = this.graph.accumulateBackwards(prev.cls, prev.read !== 0, LOCKF_USED_IN_IRQ_ALL);
    if (usage < 0) {
      this.bfsError(task);
      return false;
    }
    usage &= LOCKF_USED_IN_IRQ_ALL;
    if (!usage) return true;
    const forwardMask = exclusiveMask(usage);
    const fwd = this.graph.findUsage(next.cls, next.read === 2, true, forwardMask);
    if (fwd === 'overflow') {
      this.bfsError(task);
      return false;
    }
    if (!fwd) return true;
    const unsafeCls = fwd;
    const forwardPath = this.pathFrom(unsafeCls, next.at);
    const backwardMask = originalMask(unsafeCls.usageMask & LOCKF_ENABLED_IRQ_ALL);
    const bwd = this.graph.findUsage(prev.cls, prev.read !== 0, false, backwardMask);
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
