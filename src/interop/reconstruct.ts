/**
 * From a parsed report to a scenario: the kernel configuration it came from, the
 * context, the locks with their primitives, and a trace (docs/trace-format.md) that
 * replays the situation the report describes. Each kind has one builder; what the
 * report does not say is chosen explicitly and recorded in `notes`.
 */
import type { PreemptModel } from '../core/config';
import {
  HARDIRQ_MASK,
  HARDIRQ_OFFSET,
  PREEMPT_MASK,
  SOFTIRQ_DISABLE_OFFSET,
  SOFTIRQ_MASK,
  SOFTIRQ_OFFSET,
} from '../core/preemptCount';
import { LD_WAIT, resolveWait } from '../core/waitType';
import type { LockDecl, Trace, TraceEvent } from '../trace/schema';
import { builtinClassTable, type ClassTable } from './classTable';
import {
  contextHint,
  inferPreempt,
  inferProveRawLockNesting,
  inferType,
  isRtImpliedRcu,
  lockEvidence,
  siteEvidence,
  threadableHandler,
  type Inference,
  type LockKind,
  type PrimitiveLookup,
  type ProveInference,
  type TypeSources,
} from './infer';
import { replayTrace } from './replay';
import type {
  ParsedBadUnlock,
  ParsedCircular,
  ParsedDebugLocksWarning,
  ParsedKernelWarning,
  ParsedHeldAtExit,
  ParsedHeldLockFreed,
  ParsedLockdepLimit,
  ParsedMaxLockDepth,
  ParsedNestedLockNotTaken,
  ParsedSuspiciousRcu,
  ParsedClass,
  ParsedInconsistent,
  ParsedInvalidWaitContext,
  ParsedIrqInversion,
  ParsedIrqUnsafeOrder,
  ParsedLock,
  ParsedRecursive,
  ParsedReport,
  ParsedSchedulingWhileAtomic,
  ParsedSleeping,
  ReportKind,
} from './splatParser';

/** Execution context of the acquisition a report is about. */
export type ContextName = 'task' | 'hardirq' | 'hardirq-threaded' | 'softirq';

/** One lock of the scenario. */
export interface ScenarioLock {
  /** the class name as printed (with `/subclass`, `#version`) */
  readonly name: string;
  /** the trace lock it replays as (null for `local_bh`, which is local_bh_disable()) */
  readonly lock: string | null;
  readonly subclass: number;
  readonly type: LockKind;
  readonly decl: LockDecl | null;
  /** false when the printed numbers also fit another primitive that checks differently */
  readonly certain: boolean;
  readonly basis: string;
  /**
   * when the report does not tell its numbering: the type the same printed numbers mean
   * under the other PROVE_RAW_LOCK_NESTING setting, if it differs (`{3:3}`: spinlock_t
   * with =y, a sleeping lock with =n); else null
   */
  readonly otherReading: LockKind | null;
  readonly outer: number | null;
  readonly inner: number | null;
  readonly usage: string | null;
  readonly at: string | null;
  readonly read: boolean;
  /** held in the interrupt context of the report (not by the interrupted task) */
  readonly inIrq: boolean;
  /** a PREEMPT_RT rcu_read_lock() implied by the spinlock before it: replayed by that spinlock */
  readonly implied: boolean;
  /** the printed site is a trylock (spin_trylock() ...): replayed as one */
  readonly trylock: boolean;
}

/** Which held lock made the acquisition invalid (the one whose inner wait type is the minimum). */
export interface Culprit {
  /** index into `held`, or -1 when the context itself was the limit */
  readonly index: number;
  readonly name: string | null;
  readonly limit: number;
  readonly why: string;
}

export interface Scenario {
  readonly kind: ReportKind;
  readonly title: string;
  readonly startLine: number;
  readonly task: { readonly comm: string; readonly pid: number } | null;
  readonly proveRawLockNesting: ProveInference;
  readonly preempt: Inference<PreemptModel>;
  /** the configuration replayed as "the one the report came from" (unknowns take the defaults) */
  readonly origin: { readonly preempt: PreemptModel; readonly proveRawLockNesting: boolean };
  readonly context: Inference<ContextName>;
  /** the lock being acquired (or whose state changed); null for the scheduler's reports */
  readonly lock: ScenarioLock | null;
  readonly held: readonly ScenarioLock[];
  /** for invalid-wait-context */
  readonly culprit: Culprit | null;
  /** for circular-dependency: the existing chain from the new lock's class (#0) to the held one (#N) */
  readonly chain: readonly ScenarioLock[];
  /** scheduler reports: preempt_count and irq state as printed */
  readonly atomic: {
    readonly preemptCount: number;
    readonly irqsDisabled: boolean;
    readonly rcuDepth: number | null;
  } | null;
  readonly trace: Trace;
  /**
   * false when the model has no equivalent of the check that fired (an RCU_LOCKDEP_WARN()
   * or DEBUG_LOCKS_WARN_ON() it does not implement, a false positive of lockdep being off):
   * the report is explained in words, and its verdicts are not a reproduction
   */
  readonly reproducible: boolean;
  /** what the report says beyond locks, per kind (message, site, condition, limit, ...); null for the others */
  readonly detail: Readonly<Record<string, unknown>> | null;
  /** the plain-words rule for kinds whose rule depends on the report (RCU messages, conditions); else null */
  readonly why: string | null;
  readonly notes: readonly string[];
}

// -------------------------------------------------------------------------------------
// Building blocks

const READABLE: readonly LockKind[] = [
  'rwlock',
  'rwsem',
  'map',
  'percpu_rwsem',
  'srcu',
  'rcu_read_lock',
  'rcu_read_lock_bh',
  'rcu_read_lock_sched',
];
const SUBCLASSED: readonly LockKind[] = [
  'raw_spinlock',
  'spinlock',
  'mutex',
  'rt_mutex',
  'rwsem',
  'map',
];
const ALWAYS_READ: readonly LockKind[] = [
  'srcu',
  'rcu_read_lock',
  'rcu_read_lock_bh',
  'rcu_read_lock_sched',
];
const RCU_LIKE: readonly string[] = [
  'rcu_read_lock',
  'rcu_read_lock_bh',
  'rcu_read_lock_sched',
  'local_bh',
];

class Builder {
  readonly locks: Record<string, LockDecl> = {};
  readonly events: TraceEvent[] = [];
  readonly notes: string[] = [];
  private readonly byName = new Map<string, ScenarioLock>();

  constructor(
    readonly prove: boolean,
    readonly table: TypeSources,
    readonly task: string,
    readonly cpu: number,
    /** the report, for the evidence of how each lock was taken (sites, backtrace) */
    readonly report: ParsedReport | null = null,
    /** false when the report does not tell its numbering: each type is also read the other way */
    readonly proveKnown = true,
  ) {}

  /** A scenario lock for a printed class; the same printed name is the same lock. */
  lock(
    c: ParsedClass & { at?: string | null },
    o: { read?: boolean; inIrq?: boolean; implied?: boolean; instance?: string } = {},
  ): ScenarioLock {
    const sub = /^(.*)\/(\d+)$/.exec(c.name);
    const base = sub ? sub[1] : c.name;
    const subclass = sub ? Number(sub[2]) : 0;
    const known = this.byName.get(c.name);
    const ev = this.report ? lockEvidence(this.report, c) : null;
    let t = known
      ? {
          type: known.type,
          decl: known.decl,
          certain: known.certain,
          basis: known.basis,
          otherReading: known.otherReading,
        }
      : { ...inferType(c, this.prove, this.table, ev), otherReading: null as LockKind | null };
    if (!known && !this.proveKnown) {
      const alt = inferType(c, !this.prove, this.table, ev);
      if (alt.type !== t.type)
        t = {
          ...t,
          certain: false,
          otherReading: alt.type,
          basis: `${t.basis}; read with PROVE_RAW_LOCK_NESTING=${this.prove ? 'n' : 'y'} numbering the same numbers are a ${alt.type} (${alt.basis}), and the report does not tell which numbering it uses`,
        };
    }
    let lockName: string | null = null;
    if (
      t.type === 'rcu_read_lock' ||
      t.type === 'rcu_read_lock_bh' ||
      t.type === 'rcu_read_lock_sched'
    )
      lockName = t.type;
    else if (t.type !== 'local_bh') {
      lockName = o.instance ?? base;
      if (!this.locks[lockName]) {
        const decl: LockDecl = t.decl ?? {
          type: t.type as Exclude<
            LockKind,
            'map' | 'local_bh' | 'rcu_read_lock' | 'rcu_read_lock_bh' | 'rcu_read_lock_sched'
          >,
        };
        this.locks[lockName] = o.instance && o.instance !== base ? { ...decl, class: base } : decl;
      }
    }
    if (subclass && !SUBCLASSED.includes(t.type))
      this.notes.push(
        `${c.name}: a ${t.type} takes no subclass in the model; replayed as subclass 0`,
      );
    const sl: ScenarioLock = {
      name: c.name,
      lock: lockName,
      subclass: SUBCLASSED.includes(t.type) ? subclass : 0,
      type: t.type,
      decl: t.decl,
      certain: t.certain,
      basis: t.basis,
      otherReading: t.otherReading,
      outer: c.outer,
      inner: c.inner,
      usage: c.usage,
      at: c.at ?? null,
      read: (o.read ?? false) && READABLE.includes(t.type),
      inIrq: o.inIrq ?? false,
      implied: o.implied ?? false,
      // only a held lock's own printed site says trylock; the lock being taken did not succeed yet
      trylock:
        (siteEvidence((c as Partial<ParsedLock>).sites)?.trylock ?? false) &&
        t.type !== 'percpu_rwsem',
    };
    if (!known) this.byName.set(c.name, sl);
    return sl;
  }

  push(op: string, fields: Record<string, unknown> = {}): void {
    this.events.push({ op, task: this.task, cpu: this.cpu, ...fields });
  }

  acquire(l: ScenarioLock, o: { try?: boolean } = {}): void {
    if (l.implied) return;
    if (l.type === 'local_bh') {
      this.push('bh_disable');
      return;
    }
    const f: Record<string, unknown> = { lock: l.lock };
    if (l.read || ALWAYS_READ.includes(l.type)) f.read = true;
    if (o.try || l.trylock) f.try = true;
    if (l.subclass) f.subclass = l.subclass;
    if (l.at) f.at = l.at;
    this.push('lock', f);
  }

  release(l: ScenarioLock): void {
    if (l.implied) return;
    if (l.type === 'local_bh') this.push('bh_enable');
    else this.push('unlock', { lock: l.lock });
  }

  /** lock then unlock: records usage and, for a pair, a dependency */
  touch(...ls: ScenarioLock[]): void {
    for (const l of ls) this.acquire(l);
    for (const l of [...ls].reverse()) this.release(l);
  }
}

/**
 * The held list with PREEMPT_RT's bookkeeping folded: an rcu_read_lock right after a
 * sleeping spinlock is that spinlock's own, `softirq_ctrl.lock` and its rcu_read_lock
 * belong to local_bh_disable(). They are kept (marked implied) so indices match the
 * printed list, but the replay takes them through the primitive that takes them.
 */
function heldLocks(
  b: Builder,
  held: readonly ParsedLock[],
  rt: boolean,
  irqFrom = Number.POSITIVE_INFINITY,
  distinct = false,
): ScenarioLock[] {
  const out: ScenarioLock[] = [];
  const seen = new Map<string, number>();
  let bhTail = 0;
  held.forEach((h, k) => {
    let implied = false;
    if (rt && isRtImpliedRcu(held[k - 1], h)) implied = true;
    if (h.name === 'softirq_ctrl.lock' && k > 0 && held[k - 1].name === 'local_bh') {
      implied = true;
      bhTail = 2;
    } else if (bhTail > 0 && h.name === 'rcu_read_lock') {
      implied = true;
      bhTail--;
    } else bhTail = 0;
    // The same class printed twice is two instances the kernel let nest (a trylock, a
    // nest_lock, recursive readers): replayed as two instances of one class.
    const n = seen.get(h.name) ?? 0;
    seen.set(h.name, n + 1);
    const instance =
      distinct && n > 0 && !RCU_LIKE.includes(h.name)
        ? `${h.name.replace(/\/\d+$/, '')} (instance ${n + 1})`
        : undefined;
    out.push(b.lock(h, { inIrq: k >= irqFrom, implied, instance }));
  });
  return out;
}

function originOf(
  prove: Inference<boolean>,
  preempt: Inference<PreemptModel>,
  assume: boolean | undefined,
): { preempt: PreemptModel; proveRawLockNesting: boolean } {
  return {
    preempt: preempt.value === 'unknown' ? 'full' : preempt.value,
    proveRawLockNesting: prove.value === 'unknown' ? (assume ?? true) : prove.value,
  };
}

function enterContext(b: Builder, ctx: ContextName, originRt: boolean, threadable = true): void {
  if (ctx === 'hardirq') b.push('irq_enter', { threaded: false });
  else if (ctx === 'hardirq-threaded') {
    // On PREEMPT_RT a report from hard interrupt context with context CONFIG is a soft
    // hrtimer or irq_work (irq_config), which stays in hard context; elsewhere it is a
    // handler that PREEMPT_RT would move into its irq thread.
    b.push(
      'irq_enter',
      originRt || !threadable ? { threaded: true, forceThreaded: false } : { threaded: true },
    );
  } else if (ctx === 'softirq') b.push('softirq_enter');
}

// -------------------------------------------------------------------------------------
// invalid-wait-context

function contextOf(
  r: ParsedInvalidWaitContext,
  prove: boolean,
  rt: boolean,
): Inference<ContextName> {
  const hint = contextHint(r.backtrace);
  const c = r.context;
  // task_wait_context() as this numbering prints it
  const task = resolveWait(LD_WAIT.MAX, prove);
  const spin = resolveWait(LD_WAIT.SPIN, prove);
  if (prove) {
    if (c === task) return { value: 'task', why: 'context-{5:5}: task context (LD_WAIT_MAX)' };
    if (c === spin)
      return {
        value: 'hardirq',
        why: 'context-{2:2}: a hard interrupt handler that is not threaded (LD_WAIT_SPIN)',
      };
    if (c === LD_WAIT.CONFIG) {
      if (rt)
        return {
          value: 'hardirq-threaded',
          why: 'context-{3:3} on PREEMPT_RT: hard interrupt context marked threaded or irq_config (softirqs do not set it on RT)',
        };
      if (hint === 'softirq')
        return { value: 'softirq', why: 'context-{3:3} with softirq frames in the backtrace' };
      if (hint === 'hardirq')
        return {
          value: 'hardirq-threaded',
          why: 'context-{3:3} with hard interrupt frames: a threadable handler in hard context',
        };
      return {
        value: 'softirq',
        why: 'context-{3:3}: softirq or a threaded hardirq; the backtrace does not say which, softirq assumed',
      };
    }
  } else {
    if (c === task)
      return { value: 'task', why: 'context-{4:4}: task context in the =n numbering' };
    if (c === spin) {
      if (hint === 'softirq')
        return {
          value: 'softirq',
          why: 'context-{2:2} (=n: any interrupt context) with softirq frames in the backtrace',
        };
      if (hint === 'hardirq')
        return {
          value: threadableHandler(r.backtrace) ? 'hardirq-threaded' : 'hardirq',
          why: 'context-{2:2} (=n: any interrupt context) with hard interrupt frames in the backtrace',
        };
      return {
        value: 'hardirq',
        why: 'context-{2:2} (=n: any interrupt context); the backtrace does not say which, a hard interrupt assumed',
      };
    }
  }
  return {
    value: 'unknown',
    why: `context-{${c}:${c}} does not exist in the ${prove ? '=y' : '=n'} numbering`,
  };
}

function buildInvalidWaitContext(
  r: ParsedInvalidWaitContext,
  b: Builder,
  origin: Scenario['origin'],
  ctx: Inference<ContextName>,
) {
  const rt = origin.preempt === 'rt';
  const context = ctx.value === 'unknown' ? 'task' : ctx.value;
  const next = b.lock(r.lock, { inIrq: context !== 'task' });
  const outer = next.outer || next.inner || 0;
  const printed = r.held ?? [];
  // Locks held in the report's context are the top of the list; which ones is not
  // printed. Take the fewest that explain the report: none if the context alone is
  // below the new lock's outer type, else up from the highest lock that is.
  let irqFrom = 0;
  if (context !== 'task') {
    irqFrom = printed.length;
    if (outer <= r.context) {
      for (let k = printed.length - 1; k >= 0; k--) {
        const inner = printed[k].inner ?? LD_WAIT.INV;
        if (inner > LD_WAIT.INV && inner < outer) {
          irqFrom = k;
          break;
        }
      }
    }
    if (irqFrom < printed.length)
      b.notes.push(
        `held locks #${irqFrom}..#${printed.length - 1} taken in the interrupt, the others by the interrupted task (the report does not print which)`,
      );
  }
  const held = heldLocks(b, printed, rt, context === 'task' ? Number.POSITIVE_INFINITY : irqFrom);
  // check_wait_context(): the minimum inner type over the held locks of this context.
  let limit = r.context;
  let index = -1;
  held.forEach((h, k) => {
    if (k < irqFrom || h.implied) return;
    const inner = h.inner ?? LD_WAIT.INV;
    if (inner > LD_WAIT.INV && inner < limit) {
      limit = inner;
      index = k;
    }
  });
  const culprit: Culprit = {
    index,
    name: index >= 0 ? held[index].name : null,
    limit,
    why:
      index >= 0
        ? `${held[index].name} has inner wait type ${limit}, below ${next.name}'s outer type ${outer}`
        : `context-{${r.context}:${r.context}} alone is below ${next.name}'s outer type ${outer}`,
  };
  for (const h of held.slice(0, Math.min(irqFrom, held.length))) b.acquire(h);
  if (context !== 'task') enterContext(b, context, rt, threadableHandler(r.backtrace));
  for (const h of held.slice(irqFrom)) b.acquire(h);
  b.acquire(next);
  return { lock: next, held, culprit };
}

// -------------------------------------------------------------------------------------
// circular / recursive

function buildCircular(r: ParsedCircular, b: Builder, origin: Scenario['origin']) {
  const rt = origin.preempt === 'rt';
  // `-> #N` .. `-> #0`: #k+1 was taken while holding #k, #N is the held lock's class.
  const ordered = [...r.chain].sort((x, y) => x.depth - y.depth);
  const chain = ordered.map((e) => b.lock({ ...e.class, at: e.trace[0] ?? null }));
  for (let k = 0; k + 1 < chain.length; k++) b.touch(chain[k], chain[k + 1]);
  const printed = r.held ?? [];
  const held = heldLocks(b, printed, rt);
  const prev = b.lock(r.prev, { read: r.prevRead });
  if (!held.some((h) => h.name === prev.name)) {
    b.notes.push(`${prev.name} is not in the held-lock list; taken before the new lock`);
    held.push(prev);
  }
  for (const h of held) b.acquire(h.name === prev.name ? prev : h);
  const next = b.lock(r.lock, { read: r.lockRead });
  b.acquire(next);
  return { lock: next, held, chain };
}

function buildRecursive(r: ParsedRecursive, b: Builder, origin: Scenario['origin']) {
  const held = heldLocks(b, r.held ?? [], origin.preempt === 'rt');
  const prev = b.lock(r.prev);
  if (!held.some((h) => h.name === prev.name)) held.push(prev);
  for (const h of held) b.acquire(h);
  // The same class again: a second instance of it (two locks of one lock_class_key).
  const next =
    r.lock.name === r.prev.name
      ? b.lock(r.lock, { instance: `${r.lock.name.replace(/\/\d+$/, '')} (2nd instance)` })
      : b.lock(r.lock);
  b.acquire(next);
  return { lock: next, held };
}

// -------------------------------------------------------------------------------------
// irq usage: inconsistent state, safe -> unsafe order, inversion

type IrqBase = 'HARDIRQ' | 'SOFTIRQ';

function baseOf(state: string): IrqBase {
  return state.startsWith('SOFTIRQ') ? 'SOFTIRQ' : 'HARDIRQ';
}

/** Steps that give `l` the usage bit `usage` (IN-HARDIRQ-W, HARDIRQ-ON-R, ...). */
function markUsage(b: Builder, l: ScenarioLock, usage: string, threaded: boolean): void {
  const read = /-R$/.test(usage);
  const lock = read && READABLE.includes(l.type) ? { ...l, read: true } : l;
  if (usage.startsWith('IN-HARDIRQ')) {
    b.push('irq_enter', threaded ? { threaded: true } : { threaded: false });
    b.touch(lock);
    b.push('irq_exit');
  } else if (usage.startsWith('IN-SOFTIRQ')) {
    b.push('softirq_enter');
    b.touch(lock);
    b.push('softirq_exit');
  } else b.touch(lock); // *-ON-*: taken with interrupts (and softirqs) enabled
}

function disableFor(b: Builder, base: IrqBase): () => void {
  if (base === 'HARDIRQ') {
    b.push('irq_disable');
    return () => b.push('irq_enable');
  }
  b.push('bh_disable');
  return () => b.push('bh_enable');
}

function buildInconsistent(r: ParsedInconsistent, b: Builder, origin: Scenario['origin']) {
  const threaded = threadableHandler(r.backtrace);
  if (!threaded)
    b.notes.push(
      'the backtrace shows a timer/IPI/irq_work handler: modelled as a hard interrupt that is never threaded',
    );
  const lock = b.lock(r.lock, { read: /-R$/.test(r.newUsage) });
  markUsage(b, lock, r.previousUsage, threaded);
  const printed = r.held ?? [];
  const selfHeld = printed.findIndex((h) => h.name === r.lock.name);
  const held = heldLocks(b, printed, origin.preempt === 'rt');
  if (selfHeld >= 0) {
    // The lock is already held: the new usage came from enabling interrupts over it (mark_held_locks()).
    const enable = disableFor(b, baseOf(r.newUsage.replace(/^IN-/, '')));
    for (const h of held) b.acquire(h);
    enable();
    b.notes.push(
      `${lock.name} is held: the state changed when interrupts were enabled with it held`,
    );
    return { lock, held };
  }
  const ctx: ContextName | 'task' = r.newUsage.startsWith('IN-HARDIRQ')
    ? threaded
      ? 'hardirq-threaded'
      : 'hardirq'
    : r.newUsage.startsWith('IN-SOFTIRQ')
      ? 'softirq'
      : 'task';
  if (ctx === 'hardirq-threaded') b.push('irq_enter', { threaded: true });
  else if (ctx !== 'task') enterContext(b, ctx, false);
  for (const h of held) b.acquire(h);
  b.acquire(lock);
  return { lock, held };
}

/** A dependency path as printed, oriented from `from` to `to`. */
function orient(path: readonly ParsedClass[], from: string, to: string): ParsedClass[] {
  const names = path.map((p) => p.name);
  if (names[0] === from && names[names.length - 1] === to) return [...path];
  if (names[0] === to && names[names.length - 1] === from) return [...path].reverse();
  return [];
}

function buildIrqUnsafeOrder(r: ParsedIrqUnsafeOrder, b: Builder, origin: Scenario['origin']) {
  const base = baseOf(r.irqState);
  const read = r.irqState.endsWith('-READ');
  const threaded = threadableHandler(r.backtrace);
  const safe = b.lock(r.safe);
  const unsafe = b.lock(r.unsafe);
  markUsage(b, safe, `IN-${base}-${read ? 'R' : 'W'}`, threaded);
  markUsage(b, unsafe, `${base}-ON-W`, threaded);
  // safe ... -> prev, taken with the irq off as an irq-safe lock must be.
  const back = orient(r.backwardPath, r.safe.name, r.prev.name);
  const backLocks = (
    back.length >= 2 ? back : r.safe.name === r.prev.name ? [] : [r.safe, r.prev]
  ).map((c) => b.lock(c));
  if (backLocks.length >= 2) {
    const on = disableFor(b, base);
    for (let k = 0; k + 1 < backLocks.length; k++) b.touch(backLocks[k], backLocks[k + 1]);
    on();
  }
  // next ... -> unsafe
  const fwd = orient(r.forwardPath, r.lock.name, r.unsafe.name);
  const fwdLocks = (
    fwd.length >= 2 ? fwd : r.lock.name === r.unsafe.name ? [] : [r.lock, r.unsafe]
  ).map((c) => b.lock(c));
  for (let k = 0; k + 1 < fwdLocks.length; k++) b.touch(fwdLocks[k], fwdLocks[k + 1]);
  const held = heldLocks(b, r.held ?? [], origin.preempt === 'rt');
  const prev = b.lock(r.prev);
  if (!held.some((h) => h.name === prev.name)) held.push(prev);
  disableFor(b, base);
  for (const h of held) b.acquire(h);
  const next = b.lock(r.lock);
  b.acquire(next);
  return { lock: next, held, chain: [...backLocks, ...fwdLocks] };
}

function buildIrqInversion(r: ParsedIrqInversion, b: Builder, origin: Scenario['origin']) {
  const base = baseOf(r.irqState);
  const threaded = threadableHandler(r.backtrace);
  const lock = b.lock(r.lock);
  const other = b.lock(r.other);
  const held = heldLocks(
    b,
    (r.held ?? []).filter((h) => h.name !== r.lock.name),
    origin.preempt === 'rt',
  );
  if (r.forwards) {
    // lock -> other exists and other is irq-unsafe; lock now becomes irq-safe.
    markUsage(b, other, `${base}-ON-W`, threaded);
    const on = disableFor(b, base);
    b.touch(lock, other);
    on();
    if (base === 'HARDIRQ')
      b.push('irq_enter', threaded ? { threaded: true } : { threaded: false });
    else b.push('softirq_enter');
    for (const h of held) b.acquire(h);
    b.acquire(lock);
  } else {
    // other -> lock exists and other is irq-safe; lock now becomes irq-unsafe.
    markUsage(b, other, `IN-${base}-W`, threaded);
    const on = disableFor(b, base);
    b.touch(other, lock);
    on();
    for (const h of held) b.acquire(h);
    b.acquire(lock);
  }
  return { lock, held, chain: [other] };
}

// -------------------------------------------------------------------------------------
// scheduler reports: rebuild preempt_count from what the held locks explain

function buildAtomic(
  r: ParsedSleeping | ParsedSchedulingWhileAtomic,
  b: Builder,
  origin: Scenario['origin'],
) {
  const rt = origin.preempt === 'rt';
  const printed = r.held ?? [];
  const held = heldLocks(b, printed, rt);
  const sleeping = r.kind === 'sleeping-in-atomic';
  // PREEMPT_RT's spin_lock() calls __might_resched() after its lockdep acquire: the lock
  // being taken is the top of the held list, and taking it is the sleep.
  const rtSpin = sleeping && /spinlock_rt\.c/.test(r.site);
  let sleeper: ScenarioLock | null = null;
  if (rtSpin) {
    for (let k = held.length - 1; k >= 0; k--) {
      if (
        !held[k].implied &&
        (held[k].type === 'spinlock' || held[k].type === 'rwlock' || held[k].type === 'local_lock')
      ) {
        sleeper = held[k];
        break;
      }
    }
    if (!sleeper)
      b.notes.push(
        'spinlock_rt.c site but no sleeping spinlock in the held list: modelled as might_sleep()',
      );
  }
  const before = held.filter((h) => h !== sleeper);
  // What the held locks alone explain, replayed under the origin configuration.
  const probe = new Builder(b.prove, b.table, b.task, b.cpu, b.report, b.proveKnown);
  Object.assign(probe.locks, b.locks);
  for (const h of before) probe.acquire(h);
  const trace = {
    'lockdep-trace': 1 as const,
    config: { ...origin, cpus: Math.max(2, b.cpu + 1) },
    locks: { ...b.locks },
    events: probe.events,
  };
  const k = replayTrace(trace, {
    preempt: origin.preempt,
    proveRawLockNesting: origin.proveRawLockNesting,
  }).kernel;
  const printedCount = sleeping ? r.preemptCount : r.preemptCount - 1; // __schedule_bug() adds the scheduler's own 1
  const have = k.preemptCount();
  const missing = printedCount - have;
  const hard = (missing & HARDIRQ_MASK) / HARDIRQ_OFFSET;
  const soft = missing & SOFTIRQ_MASK;
  const pre = missing & PREEMPT_MASK;
  // SOFTIRQ_OFFSET is serving a softirq; the bits above it count local_bh_disable()
  const bhDisables = Math.floor(soft / SOFTIRQ_DISABLE_OFFSET);
  if (missing < 0 || (printedCount & HARDIRQ_MASK) < (have & HARDIRQ_MASK)) {
    b.notes.push(
      `preempt_count ${printedCount.toString(16)} is less than the held locks account for (${have.toString(16)}) under ${origin.preempt}; not reproduced exactly`,
    );
  } else {
    if (hard) b.notes.push(`preempt_count has HARDIRQ_OFFSET: in a hard interrupt`);
    if (soft & SOFTIRQ_OFFSET) b.notes.push('preempt_count has SOFTIRQ_OFFSET: serving a softirq');
    if (bhDisables)
      b.notes.push(
        `preempt_count has ${bhDisables} x SOFTIRQ_DISABLE_OFFSET: local_bh_disable() not explained by the held locks`,
      );
    if (pre)
      b.notes.push(
        `preempt_count has ${pre} preempt_disable() level(s) not explained by the held locks`,
      );
  }
  const ok = missing >= 0;
  if (ok) for (let n = 0; n < hard; n++) b.push('irq_enter', { threaded: false });
  if (ok && soft & SOFTIRQ_OFFSET) b.push('softirq_enter');
  if (ok) for (let n = 0; n < bhDisables; n++) b.push('bh_disable');
  if (ok) for (let n = 0; n < pre; n++) b.push('preempt_disable');
  for (const h of before) b.acquire(h);
  if (r.irqsDisabled && !(ok && hard) && !k.irqsDisabled()) b.push('irq_disable');
  if (sleeper) b.acquire(sleeper);
  else if (sleeping) {
    b.push('might_sleep', { site: r.site });
    if (r.expectedPreemptCount !== 0)
      b.notes.push(
        `the caller expected preempt_count ${r.expectedPreemptCount} (cond_resched_lock()-style); the model's might_sleep() expects 0`,
      );
  } else b.push('schedule');
  const atomic = {
    preemptCount: r.preemptCount,
    irqsDisabled: r.irqsDisabled,
    rcuDepth: sleeping ? r.rcuDepth : null,
  };
  return { lock: sleeper, held, atomic };
}

// -------------------------------------------------------------------------------------
// The other lockdep reports: RCU usage, unlock balance, held locks at exit or freed,
// nest locks, capacity limits, DEBUG_LOCKS_WARN_ON(). Each rebuilds the one step that
// fires the check, after the printed held locks; `reproducible` says whether the model
// has that check at all.

type LockdepLimitsConfig = Partial<
  Record<
    'maxLockDepth' | 'maxClasses' | 'maxEntries' | 'maxChains' | 'maxChainHlocks' | 'bfsQueue',
    number
  >
>;

interface Extra {
  lock: ScenarioLock | null;
  held: ScenarioLock[];
  reproducible: boolean;
  detail: Record<string, unknown>;
  why: string | null;
  limits?: LockdepLimitsConfig;
}

const UNCHECKED: LockDecl = { wait: { inner: 'inv' } };

/** A lock the report announces but does not print (or a stand-in the scenario needs): an unchecked map. */
function standIn(b: Builder, name: string): ScenarioLock {
  b.locks[name] = UNCHECKED;
  return {
    name,
    lock: name,
    subclass: 0,
    type: 'map',
    decl: UNCHECKED,
    certain: true,
    basis: 'not printed by the report: an unchecked lockdep_map stands in for it',
    otherReading: null,
    outer: null,
    inner: null,
    usage: null,
    at: null,
    read: false,
    inIrq: false,
    implied: false,
    trylock: false,
  };
}

/** A lock known only by the name the report prints (no usage, no wait types). */
function named(name: string, at: string | null = null): ParsedClass & { at: string | null } {
  return { name, usage: null, outer: null, inner: null, at };
}

/** The frame that called a check (the first backtrace frame after the named helpers), for a site. */
function callerOf(backtrace: readonly string[], helpers: RegExp): string | null {
  const frames = backtrace.filter((f) => !f.startsWith('<'));
  let k = -1;
  frames.forEach((f, i) => {
    if (helpers.test(f)) k = i;
  });
  return k >= 0 && k + 1 < frames.length ? frames[k + 1] : null;
}

const RCU_FLAVOUR: Record<string, 'rcu_read_lock' | 'rcu_read_lock_bh' | 'rcu_read_lock_sched'> = {
  '': 'rcu_read_lock',
  '-bh': 'rcu_read_lock_bh',
  '-sched': 'rcu_read_lock_sched',
};

/** What an RCU_LOCKDEP_WARN() message means, in plain words. */
function rcuMeaning(message: string): string {
  if (/^Illegal context switch in RCU(?:-bh|-sched)? read-side critical section$/.test(message)) {
    return 'rcu_sleep_check() in might_sleep()/schedule(): a function that may sleep ran inside an RCU read-side critical section of that flavour';
  }
  if (/^Illegal synchronize_\w+\(\) in/.test(message))
    return 'a grace-period wait was called inside a read-side critical section it would wait for: a self-deadlock';
  if (
    /rcu_dereference\w*\(\) usage|rcu_dereference_check|rcu_dereference_protected/.test(message)
  ) {
    return 'an __rcu pointer was dereferenced outside rcu_read_lock() and without holding the lock its lockdep condition names';
  }
  if (/RCU-list traversed/.test(message))
    return 'an RCU list was walked (list_for_each_entry_rcu()) outside a reader and without the lock its lockdep condition names';
  if (/Illegal idle entry/.test(message))
    return 'a CPU went idle inside an RCU read-side critical section';
  return 'an RCU_LOCKDEP_WARN() condition held at that site';
}

function buildSuspiciousRcu(r: ParsedSuspiciousRcu, b: Builder, origin: Scenario['origin']): Extra {
  const rt = origin.preempt === 'rt';
  const printed = r.held ?? [];
  const held = heldLocks(b, printed, rt, Number.POSITIVE_INFINITY, true);
  const detail = {
    site: r.site,
    message: r.message,
    rcuSchedulerActive: r.rcuSchedulerActive,
    debugLocks: r.debugLocks,
    falsePositive: r.falsePositiveNote || r.debugLocks === false,
    offlineCpu: r.offlineCpu,
    extendedQs: r.extendedQs,
  };
  const meaning = rcuMeaning(r.message);
  const sw = /^Illegal context switch in RCU(-bh|-sched)? read-side critical section$/.exec(
    r.message,
  );
  const sync = /^Illegal synchronize_rcu\(\) in RCU read-side critical section$/.test(r.message);
  if (r.extendedQs)
    b.notes.push(
      '"RCU used illegally from extended quiescent state!": RCU was not watching this CPU (idle or offline); the model has no such state',
    );
  if (!sw && !sync) {
    for (const h of held) b.acquire(h);
    b.notes.push(
      `"${r.message}" is an RCU_LOCKDEP_WARN() the model does not implement: explained, not replayed`,
    );
    return { lock: null, held, reproducible: false, detail, why: meaning };
  }
  const flavour = sw ? RCU_FLAVOUR[sw[1] ?? ''] : null;
  const readers = held.filter((h) =>
    flavour ? h.name === flavour : RCU_LIKE.includes(h.name) && h.name !== 'local_bh',
  );
  if (readers.length === 0 && r.debugLocks === false) {
    // lock_is_held() answers true for every map once lockdep is off: the kernel's own "possible false positive"
    for (const h of held) b.acquire(h);
    b.notes.push(
      `debug_locks = 0 and no ${flavour ?? 'RCU read-side'} map is held: after lockdep turned off, lock_is_held() answers true for every map, so this is the false positive the kernel warns about; the model's lock_is_held() does not do that, so it is not replayed`,
    );
    return { lock: null, held, reproducible: false, detail, why: meaning };
  }
  for (const h of held) b.acquire(h);
  if (readers.length === 0) {
    const reader = flavour ?? 'rcu_read_lock';
    const l = b.lock(named(reader));
    held.push(l);
    b.acquire(l);
    b.notes.push(
      r.held === null
        ? `the report prints no held locks: ${reader}() is assumed held`
        : `${reader} is not in the printed list; assumed held (the warning says it was)`,
    );
  }
  if (sync) {
    b.push('synchronize_rcu');
  } else {
    const site = callerOf(
      r.backtrace,
      /^(?:__might_resched|___might_sleep|__might_sleep|might_sleep|__cond_resched|lockdep_rcu_suspicious|schedule_debug|__schedule)\b/,
    );
    b.push('might_sleep', site ? { site } : {});
    b.notes.push(
      `the sleep is replayed as might_sleep()${site ? ` from ${site}` : ''} (rcu_sleep_check() runs in __might_resched() and schedule_debug())`,
    );
  }
  return { lock: null, held, reproducible: true, detail, why: meaning };
}

function buildBadUnlock(r: ParsedBadUnlock, b: Builder, origin: Scenario['origin']): Extra {
  const held = heldLocks(b, r.held ?? [], origin.preempt === 'rt', Number.POSITIVE_INFINITY, true);
  for (const h of held) b.acquire(h);
  // The released lock is not held (as this instance): when its class is in the list, it is another instance.
  const inList = held.some((h) => h.name === r.lockName);
  const l = inList
    ? b.lock(named(r.lockName, r.at), { instance: `${r.lockName} (released instance)` })
    : b.lock(named(r.lockName, r.at));
  if (inList)
    b.notes.push(
      `${r.lockName} is held, but not as the instance being released: replayed as a second instance of that class`,
    );
  if (l.type === 'local_bh') b.push('bh_enable');
  else b.push('unlock', { lock: l.lock, ...(r.at ? { at: r.at } : {}) });
  return {
    lock: l,
    held,
    reproducible: true,
    detail: { lockName: r.lockName, at: r.at },
    why: null,
  };
}

/** Locks announced but not printed, as stand-ins, so a count-based check sees them all. */
function fill(b: Builder, held: ScenarioLock[], upTo: number, why: string): void {
  const missing = upTo - held.length;
  if (missing <= 0) return;
  for (let k = 0; k < missing; k++) held.push(standIn(b, `unprinted lock #${held.length}`));
  b.notes.push(`${missing} held lock(s) ${why}: replayed as unchecked lockdep maps`);
}

function buildMaxLockDepth(r: ParsedMaxLockDepth, b: Builder, origin: Scenario['origin']): Extra {
  const held = heldLocks(b, r.held ?? [], origin.preempt === 'rt', Number.POSITIVE_INFINITY, true);
  const max = r.max ?? 48;
  if (r.max === null)
    b.notes.push(
      '"depth: N  max: M!" is not printed: MAX_LOCK_DEPTH 48 (include/linux/sched.h) assumed',
    );
  // The check fires when the depth reaches MAX_LOCK_DEPTH: the printed list ends with the lock that did it.
  fill(b, held, Math.max(max, r.depth ?? 0), 'are not printed (the list was cut)');
  for (const h of held) b.acquire(h);
  const limits: LockdepLimitsConfig =
    max === 48 ? {} : { maxLockDepth: Math.min(1024, Math.max(1, max)) };
  return {
    lock: null,
    held,
    reproducible: true,
    detail: { depth: r.depth, max: r.max },
    why: null,
    limits,
  };
}

function buildHeldAtExit(r: ParsedHeldAtExit, b: Builder, origin: Scenario['origin']): Extra {
  const held = heldLocks(b, r.held ?? [], origin.preempt === 'rt', Number.POSITIVE_INFINITY, true);
  fill(
    b,
    held,
    Math.max(1, r.heldDeclared ?? 1),
    r.held === null ? 'are held (the report prints no list)' : 'are announced but not printed',
  );
  for (const h of held) b.acquire(h);
  if (r.returningToUser) {
    b.notes.push(
      '"lock held when returning to user space" is lockdep_sys_exit(); the model has no return to user space, so the same held locks are replayed through do_exit()\'s debug_check_no_locks_held()',
    );
  }
  b.push('task_exit');
  return {
    lock: null,
    held,
    reproducible: true,
    detail: { returningToUser: r.returningToUser },
    why: null,
  };
}

function buildHeldLockFreed(r: ParsedHeldLockFreed, b: Builder, origin: Scenario['origin']): Extra {
  const printed = r.held ?? [];
  const held = heldLocks(b, printed, origin.preempt === 'rt', Number.POSITIVE_INFINITY, true);
  let k = printed.findIndex((h) => r.lock.address !== null && h.address === r.lock.address);
  if (k < 0) k = printed.map((h) => h.name).lastIndexOf(r.lock.name);
  let freed: ScenarioLock;
  if (k >= 0) freed = held[k];
  else {
    freed = b.lock(r.lock, { instance: `${r.lock.name.replace(/\/\d+$/, '')} (freed instance)` });
    held.push(freed);
    b.notes.push(`${r.lock.name} is not in the printed held list; taken before the free`);
  }
  for (const h of held) b.acquire(h);
  if (freed.lock === null || RCU_LIKE.includes(freed.name)) {
    b.notes.push(`${freed.name} cannot be freed in the model`);
    return { lock: freed, held, reproducible: false, detail: { range: r.range }, why: null };
  }
  b.push('init', { lock: freed.lock });
  b.notes.push(
    'freeing the memory (kfree(), debug_check_no_locks_freed()) is replayed as re-initialising the held lock, which runs the same check',
  );
  return { lock: freed, held, reproducible: true, detail: { range: r.range }, why: null };
}

function buildNestedLockNotTaken(
  r: ParsedNestedLockNotTaken,
  b: Builder,
  origin: Scenario['origin'],
): Extra {
  const held = heldLocks(b, r.held ?? [], origin.preempt === 'rt', Number.POSITIVE_INFINITY, true);
  for (const h of held) b.acquire(h);
  const next = b.lock(r.lock);
  const nest = held.some((h) => h.name === r.nestLock)
    ? b.lock(named(r.nestLock), { instance: `${r.nestLock} (nest instance)` })
    : b.lock(named(r.nestLock));
  const canNest = ['mutex', 'rt_mutex', 'raw_spinlock', 'spinlock', 'rwsem'].includes(next.type);
  if (!canNest || nest.lock === null || RCU_LIKE.includes(nest.name)) {
    b.notes.push(
      `a ${next.type} has no _nest_lock() variant in the model (or ${r.nestLock} cannot be a nest lock there): explained, not replayed`,
    );
    return { lock: next, held, reproducible: false, detail: { nestLock: r.nestLock }, why: null };
  }
  b.acquire(next);
  const ev = b.events[b.events.length - 1];
  b.events[b.events.length - 1] = { ...ev, nest: nest.lock };
  b.notes.push(`${r.nestLock} is declared (type from its name: ${nest.type}) and never taken`);
  return { lock: next, held, reproducible: true, detail: { nestLock: r.nestLock }, why: null };
}

function buildLockdepLimit(r: ParsedLockdepLimit, b: Builder, origin: Scenario['origin']): Extra {
  const held = heldLocks(b, r.held ?? [], origin.preempt === 'rt', Number.POSITIVE_INFINITY, true);
  const detail = { limit: r.limit, message: r.message, subclass: r.subclass };
  const s = (n: string) => standIn(b, n);
  const touch = (...ls: ScenarioLock[]) => b.touch(...ls);
  let limits: LockdepLimitsConfig = {};
  const lowered = (what: string) =>
    b.notes.push(
      `the kernel's ${r.limit} table filled up over its uptime; the scenario lowers the limit (config limits: ${what}) so that a few unchecked maps fill it`,
    );
  switch (r.limit) {
    case 'MAX_LOCKDEP_SUBCLASSES': {
      // The report does not name the lock: a stand-in taken with that subclass.
      const l = s('lock taken with an invalid subclass');
      b.push('lock', { lock: l.lock, subclass: r.subclass ?? 8 });
      b.notes.push(
        'the lock whose subclass was looked up is not printed; an unchecked map stands in for it',
      );
      return { lock: null, held, reproducible: true, detail, why: null };
    }
    case 'MAX_LOCKDEP_KEYS':
      limits = { maxClasses: 1 };
      lowered('maxClasses 1');
      touch(s('class A'));
      touch(s('class B'));
      break;
    case 'MAX_LOCKDEP_ENTRIES':
      limits = { maxEntries: 2 };
      lowered('maxEntries 2: each dependency takes two entries');
      touch(s('lock A'), s('lock B'));
      touch(s('lock A'), s('lock C'));
      break;
    case 'MAX_LOCKDEP_CHAINS':
      limits = { maxChains: 1 };
      lowered('maxChains 1');
      touch(s('lock A'));
      touch(s('lock B'));
      break;
    case 'MAX_LOCKDEP_CHAIN_HLOCKS':
      limits = { maxChains: 2, maxChainHlocks: 2 };
      lowered('maxChains 2, maxChainHlocks 2');
      touch(s('lock A'), s('lock B'));
      break;
    case 'BFS_QUEUE': {
      limits = { bfsQueue: 2 };
      lowered('bfsQueue 2: the circular queue of the dependency search');
      const [a, x, c1, c2, d, e] = [
        'lock A',
        'lock B',
        'lock C1',
        'lock C2',
        'lock D',
        'lock E',
      ].map(s);
      touch(x, c1, d);
      touch(x, c2, e);
      b.acquire(a);
      b.acquire(x);
      break;
    }
    default:
      b.notes.push(`${r.limit} is not modelled: explained, not replayed`);
      return { lock: null, held, reproducible: false, detail, why: null };
  }
  return { lock: null, held, reproducible: true, detail, why: null, limits };
}

/** The DEBUG_LOCKS_WARN_ON() conditions of a preempt_count underflow, as printed. */
const PREEMPT_UNDERFLOW = new Set([
  'val > preempt_count()',
  'pc - uval > pc',
  '(val < PREEMPT_MASK) && !(preempt_count() & PREEMPT_MASK)',
]);

/** Does this DEBUG_LOCKS_WARN_ON() condition report a preempt_count underflow? */
export function isPreemptUnderflow(condition: string): boolean {
  return PREEMPT_UNDERFLOW.has(condition.replace(/\s+/g, ' ').trim());
}

/** DEBUG_LOCKS_WARN_ON() conditions the model checks, with the unbalanced step that fires each. */
function debugStep(r: ParsedDebugLocksWarning): { ops: string[]; why: string } | null {
  const c = r.condition.replace(/\s+/g, ' ').trim();
  const w = r.where ?? '';
  const bt = r.backtrace.join(' ');
  if (isPreemptUnderflow(c)) {
    if (/^__irq_exit|^irq_exit/.test(w) || /\b(?:__irq_exit_rcu|irq_exit_rcu|irq_exit)\b/.test(bt))
      return {
        ops: ['irq_exit'],
        why: 'preempt_count underflow: an irq_exit() without its irq_enter()',
      };
    if (/__local_bh_enable/.test(w) || /\b__local_bh_enable_ip\b|\blocal_bh_enable\b/.test(bt))
      return {
        ops: ['bh_enable'],
        why: 'preempt_count underflow: a local_bh_enable() without its local_bh_disable()',
      };
    return {
      ops: ['preempt_enable'],
      why: "preempt_count underflow: a preempt_enable() (or a spin_unlock()) without its preempt_disable(), or the caller's own after a 'scheduling while atomic', whose schedule_debug() reset the count",
    };
  }
  if (/^\(?preempt_count\(\) & PREEMPT_MASK\)? >= PREEMPT_MASK - 10$/.test(c)) {
    return {
      ops: Array.from({ length: PREEMPT_MASK + 1 }, () => 'preempt_disable'),
      why: 'the preempt_disable() depth is about to overflow its 8 bits',
    };
  }
  if (c === 'lockdep_hardirq_context()' || c === 'current->hardirq_context')
    return {
      ops: ['irq_enter', 'irq_enable'],
      why: 'interrupts were enabled inside a hard interrupt handler',
    };
  if (c === 'current->softirq_context < 0')
    return { ops: ['softirq_exit'], why: 'a softirq exit without its entry' };
  if (c === 'in_nmi()' || c === '!in_nmi()')
    return { ops: ['nmi_exit'], why: 'an NMI exit without its entry' };
  if (c === 'current->migration_disabled == 0')
    return { ops: ['migrate_enable'], why: 'a migrate_enable() without its migrate_disable()' };
  return null;
}

function buildDebugLocksWarning(
  r: ParsedDebugLocksWarning,
  b: Builder,
  origin: Scenario['origin'],
): Extra {
  const held = heldLocks(b, r.held ?? [], origin.preempt === 'rt', Number.POSITIVE_INFINITY, true);
  const detail = { condition: r.condition, where: r.where, file: r.file };
  for (const h of held) b.acquire(h);
  const step = debugStep(r);
  if (!step) {
    b.notes.push(
      `DEBUG_LOCKS_WARN_ON(${r.condition})${r.where ? ` in ${r.where}` : ''} is an internal consistency check the model does not implement: explained, not replayed`,
    );
    return {
      lock: null,
      held,
      reproducible: false,
      detail,
      why: `lockdep's own bookkeeping found an impossible state (${r.condition})${r.where ? ` in ${r.where}` : ''}; lockdep turns itself off`,
    };
  }
  for (const op of step.ops) b.push(op, op === 'irq_enter' ? { threaded: false } : {});
  if (step.ops.length > 1 && step.ops[0] === 'preempt_disable')
    b.notes.push(
      'the kernel warns at depth 245 (PREEMPT_MASK - 10); the model warns when the count would overflow, so 256 preempt_disable() are replayed',
    );
  b.notes.push(`replayed as the simplest unbalanced step: ${step.why}`);
  return { lock: null, held, reproducible: true, detail, why: step.why };
}

/**
 * rcu_note_context_switch()'s WARN_ONCE(): a voluntary schedule() inside an RCU reader
 * under PREEMPT_RCU. Replayed as the printed locks, rcu_read_lock() when no reader is
 * printed, and schedule().
 */
function buildKernelWarning(r: ParsedKernelWarning, b: Builder, origin: Scenario['origin']): Extra {
  const held = heldLocks(b, r.held ?? [], origin.preempt === 'rt', Number.POSITIVE_INFINITY, true);
  const detail = { message: r.message, where: r.where, file: r.file };
  const why =
    'a voluntary schedule() (sleeping on a mutex, a completion, a wait queue) inside rcu_read_lock(): with PREEMPT_RCU the reader may be preempted but must not block voluntarily';
  for (const h of held) b.acquire(h);
  if (!held.some((h) => RCU_LIKE.includes(h.name) && h.name !== 'local_bh')) {
    const l = b.lock(named('rcu_read_lock'));
    held.push(l);
    b.acquire(l);
    b.notes.push(
      r.held === null
        ? 'the report prints no held locks: rcu_read_lock() is assumed held'
        : 'no RCU read-side map is in the printed list; rcu_read_lock() is assumed held (the warning says a reader was)',
    );
  }
  b.push('schedule');
  b.notes.push(
    'replayed as schedule() inside the reader (rcu_note_context_switch(false) runs in __schedule())',
  );
  return { lock: null, held, reproducible: true, detail, why };
}

// -------------------------------------------------------------------------------------

export interface ReconstructOptions {
  /** class name → primitive, consulted after the class table (e.g. a catalogue from kernel sources) */
  readonly catalogue?: PrimitiveLookup;
  /**
   * the numbering to read the report with when it does not tell (default true, the
   * setting of current kernels); ignored when the report decides it
   */
  readonly assumeProveRawLockNesting?: boolean;
}

/** Build the scenario of one parsed report. */
export function reconstruct(
  r: ParsedReport,
  classes: ClassTable = builtinClassTable(),
  options: ReconstructOptions = {},
): Scenario {
  const table: TypeSources = { table: classes, catalogue: options.catalogue };
  const prove = inferProveRawLockNesting(r, table);
  let preempt = inferPreempt(r);
  if (
    preempt.value === 'unknown' &&
    r.kind === 'suspicious-rcu-usage' &&
    /^Illegal context switch in RCU read-side critical section$/.test(r.message)
  ) {
    // rcu_preempt_sleep_check() exists only without CONFIG_PREEMPT_RCU
    preempt = {
      value: 'voluntary',
      why: 'this check (rcu_preempt_sleep_check()) exists only without PREEMPT_RCU: PREEMPT_NONE or PREEMPT_VOLUNTARY (the two behave alike here; voluntary assumed)',
    };
  }
  const origin = originOf(prove, preempt, options.assumeProveRawLockNesting);
  const comm = r.task?.comm ?? 'task';
  const cpu = r.cpu ?? 0;
  const b = new Builder(origin.proveRawLockNesting, table, comm, cpu, r, prove.value !== 'unknown');
  // What the report does not show is named, never filled in silently.
  if (r.lockdepOff)
    b.notes.push(
      '"INFO: lockdep is turned off.": an earlier report disabled lockdep, so no held locks are printed; only what preempt_count and the irq state say is replayed',
    );
  // (max-lock-depth and lock-held-at-exit count the held locks: their builders replay stand-ins and say so)
  if (
    r.held &&
    r.heldDeclared !== null &&
    r.held.length < r.heldDeclared &&
    r.kind !== 'max-lock-depth' &&
    r.kind !== 'lock-held-at-exit'
  ) {
    b.notes.push(
      `${r.heldDeclared} lock(s) announced as held, ${r.held.length} printed (a running task's locks are not printed, or the log was cut): the missing ones are not replayed`,
    );
  }
  if (prove.value === 'unknown')
    b.notes.push(
      `PROVE_RAW_LOCK_NESTING cannot be told from the report; this reading takes =${origin.proveRawLockNesting ? 'y' : 'n'}${origin.proveRawLockNesting ? ' (on by default since v6.13)' : ''}`,
    );
  if (preempt.value === 'unknown')
    b.notes.push('the preemption model is not printed; the report is replayed as PREEMPT(full)');
  let context: Inference<ContextName> = { value: 'task', why: 'task context' };
  let lock: ScenarioLock | null = null;
  let held: ScenarioLock[] = [];
  let culprit: Culprit | null = null;
  let chain: ScenarioLock[] = [];
  let atomic: Scenario['atomic'] = null;
  let extra: Extra | null = null;
  switch (r.kind) {
    case 'invalid-wait-context': {
      context = contextOf(r, origin.proveRawLockNesting, origin.preempt === 'rt');
      ({ lock, held, culprit } = buildInvalidWaitContext(r, b, origin, context));
      break;
    }
    case 'circular-dependency':
      ({ lock, held, chain } = buildCircular(r, b, origin));
      break;
    case 'recursive-locking':
      ({ lock, held } = buildRecursive(r, b, origin));
      break;
    case 'inconsistent-lock-state': {
      const hc = r.irq?.hardirqContext ?? 0;
      const sc = r.irq?.softirqContext ?? 0;
      context = hc
        ? { value: 'hardirq', why: `[HC${hc}...]: in a hard interrupt` }
        : sc
          ? { value: 'softirq', why: `[..SC${sc}..]: in a softirq` }
          : { value: 'task', why: '[HC0..SC0..]: task context' };
      ({ lock, held } = buildInconsistent(r, b, origin));
      break;
    }
    case 'irq-unsafe-order':
      ({ lock, held, chain } = buildIrqUnsafeOrder(r, b, origin));
      break;
    case 'irq-inversion':
      context = r.forwards
        ? {
            value: baseOf(r.irqState) === 'HARDIRQ' ? 'hardirq' : 'softirq',
            why: 'the lock just became irq-safe: taken in the interrupt',
          }
        : { value: 'task', why: 'the lock just became irq-unsafe: taken with interrupts enabled' };
      ({ lock, held, chain } = buildIrqInversion(r, b, origin));
      break;
    case 'sleeping-in-atomic':
    case 'scheduling-while-atomic': {
      const pc = r.kind === 'sleeping-in-atomic' ? r.preemptCount : r.preemptCount - 1;
      context =
        pc & HARDIRQ_MASK
          ? { value: 'hardirq', why: 'preempt_count has HARDIRQ bits' }
          : pc & SOFTIRQ_OFFSET
            ? { value: 'softirq', why: 'preempt_count has SOFTIRQ_OFFSET' }
            : { value: 'task', why: 'preempt_count has no interrupt bits' };
      ({ lock, held, atomic } = buildAtomic(r, b, origin));
      break;
    }
    case 'suspicious-rcu-usage':
      extra = buildSuspiciousRcu(r, b, origin);
      break;
    case 'bad-unlock-balance':
      extra = buildBadUnlock(r, b, origin);
      break;
    case 'max-lock-depth':
      extra = buildMaxLockDepth(r, b, origin);
      break;
    case 'lock-held-at-exit':
      extra = buildHeldAtExit(r, b, origin);
      break;
    case 'held-lock-freed':
      extra = buildHeldLockFreed(r, b, origin);
      break;
    case 'nested-lock-not-taken':
      extra = buildNestedLockNotTaken(r, b, origin);
      break;
    case 'lockdep-limit':
      extra = buildLockdepLimit(r, b, origin);
      break;
    case 'debug-locks-warning':
      extra = buildDebugLocksWarning(r, b, origin);
      break;
    case 'kernel-warning':
      extra = buildKernelWarning(r, b, origin);
      break;
  }
  if (extra) {
    ({ lock, held } = extra);
    if (
      r.kind !== 'suspicious-rcu-usage' &&
      r.kind !== 'debug-locks-warning' &&
      r.kind !== 'kernel-warning'
    )
      context = {
        value:
          contextHint(r.backtrace) === 'softirq'
            ? 'softirq'
            : contextHint(r.backtrace) === 'hardirq'
              ? 'hardirq'
              : 'task',
        why: 'from the backtrace (task unless it shows interrupt frames); the scenario replays it in task context',
      };
  }
  const trace: Trace = {
    'lockdep-trace': 1,
    description: `reconstructed by lockdep explain from "${r.title}" at line ${r.startLine}`,
    config: {
      preempt: origin.preempt,
      proveRawLockNesting: origin.proveRawLockNesting,
      cpus: Math.max(2, cpu + 1),
      ...(extra?.limits && Object.keys(extra.limits).length ? { limits: extra.limits } : {}),
    },
    locks: b.locks,
    events: b.events,
    meta: { source: 'lockdep explain', report: r.kind, line: r.startLine },
  };
  return {
    kind: r.kind,
    title: r.title,
    startLine: r.startLine,
    task: r.task,
    proveRawLockNesting: prove,
    preempt,
    origin,
    context,
    lock,
    held,
    culprit,
    chain,
    atomic,
    trace,
    reproducible: extra ? extra.reproducible : true,
    detail: extra ? extra.detail : null,
    why: extra ? extra.why : null,
    notes: b.notes,
  };
}
