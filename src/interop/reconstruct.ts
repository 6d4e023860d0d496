/**
 * From a parsed report to a scenario: the kernel configuration it came from, the
 * context, the locks with their primitives, and a trace (docs/trace-format.md) that
 * replays the situation the report describes. Each kind has one builder; what the
 * report does not say is chosen explicitly and recorded in `notes`.
 */
import type { PreemptModel } from '../core/config';
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
} from './infer';
import { replayTrace } from './replay';
import type {
  ParsedCircular,
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
  readonly proveRawLockNesting: Inference<boolean>;
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
  readonly atomic: { readonly preemptCount: number; readonly irqsDisabled: boolean; readonly rcuDepth: number | null } | null;
  readonly trace: Trace;
  readonly notes: readonly string[];
}

// -------------------------------------------------------------------------------------
// Building blocks

const READABLE: readonly LockKind[] = ['rwlock', 'rwsem', 'map', 'percpu_rwsem', 'srcu', 'rcu_read_lock', 'rcu_read_lock_bh', 'rcu_read_lock_sched'];
const SUBCLASSED: readonly LockKind[] = ['raw_spinlock', 'spinlock', 'mutex', 'rt_mutex', 'rwsem', 'map'];
const ALWAYS_READ: readonly LockKind[] = ['srcu', 'rcu_read_lock', 'rcu_read_lock_bh', 'rcu_read_lock_sched'];

class Builder {
  readonly locks: Record<string, LockDecl> = {};
  readonly events: TraceEvent[] = [];
  readonly notes: string[] = [];
  private readonly byName = new Map<string, ScenarioLock>();

  constructor(
    readonly prove: boolean,
    readonly table: ClassTable,
    readonly task: string,
    readonly cpu: number,
    /** the report, for the evidence of how each lock was taken (sites, backtrace) */
    readonly report: ParsedReport | null = null,
  ) {}

  /** A scenario lock for a printed class; the same printed name is the same lock. */
  lock(c: ParsedClass & { at?: string | null }, o: { read?: boolean; inIrq?: boolean; implied?: boolean; instance?: string } = {}): ScenarioLock {
    const sub = /^(.*)\/(\d+)$/.exec(c.name);
    const base = sub ? sub[1] : c.name;
    const subclass = sub ? Number(sub[2]) : 0;
    const known = this.byName.get(c.name);
    const ev = this.report ? lockEvidence(this.report, c) : null;
    const t = known ? { type: known.type, decl: known.decl, certain: known.certain, basis: known.basis } : inferType(c, this.prove, this.table, ev);
    let lockName: string | null = null;
    if (t.type === 'rcu_read_lock' || t.type === 'rcu_read_lock_bh' || t.type === 'rcu_read_lock_sched') lockName = t.type;
    else if (t.type !== 'local_bh') {
      lockName = o.instance ?? base;
      if (!this.locks[lockName]) {
        const decl: LockDecl = t.decl ?? { type: t.type as Exclude<LockKind, 'map' | 'local_bh' | 'rcu_read_lock' | 'rcu_read_lock_bh' | 'rcu_read_lock_sched'> };
        this.locks[lockName] = o.instance && o.instance !== base ? { ...decl, class: base } : decl;
      }
    }
    if (subclass && !SUBCLASSED.includes(t.type)) this.notes.push(`${c.name}: a ${t.type} takes no subclass in the model; replayed as subclass 0`);
    const sl: ScenarioLock = {
      name: c.name,
      lock: lockName,
      subclass: SUBCLASSED.includes(t.type) ? subclass : 0,
      type: t.type,
      decl: t.decl,
      certain: t.certain,
      basis: t.basis,
      outer: c.outer,
      inner: c.inner,
      usage: c.usage,
      at: c.at ?? null,
      read: (o.read ?? false) && READABLE.includes(t.type),
      inIrq: o.inIrq ?? false,
      implied: o.implied ?? false,
      // only a held lock's own printed site says trylock; the lock being taken did not succeed yet
      trylock: (siteEvidence((c as Partial<ParsedLock>).sites)?.trylock ?? false) && t.type !== 'percpu_rwsem',
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
function heldLocks(b: Builder, held: readonly ParsedLock[], rt: boolean, irqFrom = Number.POSITIVE_INFINITY): ScenarioLock[] {
  const out: ScenarioLock[] = [];
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
    out.push(b.lock(h, { inIrq: k >= irqFrom, implied }));
  });
  return out;
}

function originOf(prove: Inference<boolean>, preempt: Inference<PreemptModel>): { preempt: PreemptModel; proveRawLockNesting: boolean } {
  return { preempt: preempt.value === 'unknown' ? 'full' : preempt.value, proveRawLockNesting: prove.value === 'unknown' ? true : prove.value };
}

function enterContext(b: Builder, ctx: ContextName, originRt: boolean, threadable = true): void {
  if (ctx === 'hardirq') b.push('irq_enter', { threaded: false });
  else if (ctx === 'hardirq-threaded') {
    // On PREEMPT_RT a report from hard interrupt context with context CONFIG is a soft
    // hrtimer or irq_work (irq_config), which stays in hard context; elsewhere it is a
    // handler that PREEMPT_RT would move into its irq thread.
    b.push('irq_enter', originRt || !threadable ? { threaded: true, forceThreaded: false } : { threaded: true });
  } else if (ctx === 'softirq') b.push('softirq_enter');
}

// -------------------------------------------------------------------------------------
// invalid-wait-context

function contextOf(r: ParsedInvalidWaitContext, prove: boolean, rt: boolean): Inference<ContextName> {
  const hint = contextHint(r.backtrace);
  const c = r.context;
  if (prove) {
    if (c === 5) return { value: 'task', why: 'context-{5:5}: task context (LD_WAIT_MAX)' };
    if (c === 2) return { value: 'hardirq', why: 'context-{2:2}: a hard interrupt handler that is not threaded (LD_WAIT_SPIN)' };
    if (c === 3) {
      if (rt) return { value: 'hardirq-threaded', why: 'context-{3:3} on PREEMPT_RT: hard interrupt context marked threaded or irq_config (softirqs do not set it on RT)' };
      if (hint === 'softirq') return { value: 'softirq', why: 'context-{3:3} with softirq frames in the backtrace' };
      if (hint === 'hardirq') return { value: 'hardirq-threaded', why: 'context-{3:3} with hard interrupt frames: a threadable handler in hard context' };
      return { value: 'softirq', why: 'context-{3:3}: softirq or a threaded hardirq; the backtrace does not say which, softirq assumed' };
    }
  } else {
    if (c === 4) return { value: 'task', why: 'context-{4:4}: task context in the =n numbering' };
    if (c === 2) {
      if (hint === 'softirq') return { value: 'softirq', why: 'context-{2:2} (=n: any interrupt context) with softirq frames in the backtrace' };
      if (hint === 'hardirq') return { value: threadableHandler(r.backtrace) ? 'hardirq-threaded' : 'hardirq', why: 'context-{2:2} (=n: any interrupt context) with hard interrupt frames in the backtrace' };
      return { value: 'hardirq', why: 'context-{2:2} (=n: any interrupt context); the backtrace does not say which, a hard interrupt assumed' };
    }
  }
  return { value: 'unknown', why: `context-{${c}:${c}} does not exist in the ${prove ? '=y' : '=n'} numbering` };
}

function buildInvalidWaitContext(r: ParsedInvalidWaitContext, b: Builder, origin: Scenario['origin'], ctx: Inference<ContextName>) {
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
        const inner = printed[k].inner ?? 0;
        if (inner > 0 && inner < outer) {
          irqFrom = k;
          break;
        }
      }
    }
    if (irqFrom < printed.length) b.notes.push(`held locks #${irqFrom}..#${printed.length - 1} taken in the interrupt, the others by the interrupted task (the report does not print which)`);
  }
  const held = heldLocks(b, printed, rt, context === 'task' ? Number.POSITIVE_INFINITY : irqFrom);
  // check_wait_context(): the minimum inner type over the held locks of this context.
  let limit = r.context;
  let index = -1;
  held.forEach((h, k) => {
    if (k < irqFrom || h.implied) return;
    const inner = h.inner ?? 0;
    if (inner > 0 && inner < limit) {
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
  const next = r.lock.name === r.prev.name ? b.lock(r.lock, { instance: `${r.lock.name.replace(/\/\d+$/, '')} (2nd instance)` }) : b.lock(r.lock);
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
  if (!threaded) b.notes.push('the backtrace shows a timer/IPI/irq_work handler: modelled as a hard interrupt that is never threaded');
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
    b.notes.push(`${lock.name} is held: the state changed when interrupts were enabled with it held`);
    return { lock, held };
  }
  const ctx: ContextName | 'task' = r.newUsage.startsWith('IN-HARDIRQ') ? (threaded ? 'hardirq-threaded' : 'hardirq') : r.newUsage.startsWith('IN-SOFTIRQ') ? 'softirq' : 'task';
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
  const backLocks = (back.length >= 2 ? back : r.safe.name === r.prev.name ? [] : [r.safe, r.prev]).map((c) => b.lock(c));
  if (backLocks.length >= 2) {
    const on = disableFor(b, base);
    for (let k = 0; k + 1 < backLocks.length; k++) b.touch(backLocks[k], backLocks[k + 1]);
    on();
  }
  // next ... -> unsafe
  const fwd = orient(r.forwardPath, r.lock.name, r.unsafe.name);
  const fwdLocks = (fwd.length >= 2 ? fwd : r.lock.name === r.unsafe.name ? [] : [r.lock, r.unsafe]).map((c) => b.lock(c));
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
  const held = heldLocks(b, (r.held ?? []).filter((h) => h.name !== r.lock.name), origin.preempt === 'rt');
  if (r.forwards) {
    // lock -> other exists and other is irq-unsafe; lock now becomes irq-safe.
    markUsage(b, other, `${base}-ON-W`, threaded);
    const on = disableFor(b, base);
    b.touch(lock, other);
    on();
    if (base === 'HARDIRQ') b.push('irq_enter', threaded ? { threaded: true } : { threaded: false });
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

const HARDIRQ_MASK = 0xf0000;
const SOFTIRQ_MASK = 0xff00;

function buildAtomic(r: ParsedSleeping | ParsedSchedulingWhileAtomic, b: Builder, origin: Scenario['origin']) {
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
      if (!held[k].implied && (held[k].type === 'spinlock' || held[k].type === 'rwlock' || held[k].type === 'local_lock')) {
        sleeper = held[k];
        break;
      }
    }
    if (!sleeper) b.notes.push('spinlock_rt.c site but no sleeping spinlock in the held list: modelled as might_sleep()');
  }
  const before = held.filter((h) => h !== sleeper);
  // What the held locks alone explain, replayed under the origin configuration.
  const probe = new Builder(b.prove, b.table, b.task, b.cpu, b.report);
  Object.assign(probe.locks, b.locks);
  for (const h of before) probe.acquire(h);
  const trace = { 'lockdep-trace': 1 as const, config: { ...origin, cpus: Math.max(2, b.cpu + 1) }, locks: { ...b.locks }, events: probe.events };
  const k = replayTrace(trace, { preempt: origin.preempt, proveRawLockNesting: origin.proveRawLockNesting }).kernel;
  const printedCount = sleeping ? r.preemptCount : r.preemptCount - 1; // __schedule_bug() adds the scheduler's own 1
  const have = k.preemptCount();
  const missing = printedCount - have;
  const hard = (missing & HARDIRQ_MASK) >> 16;
  const soft = missing & SOFTIRQ_MASK;
  const pre = missing & 0xff;
  if (missing < 0 || (printedCount & HARDIRQ_MASK) < (have & HARDIRQ_MASK)) {
    b.notes.push(`preempt_count ${printedCount.toString(16)} is less than the held locks account for (${have.toString(16)}) under ${origin.preempt}; not reproduced exactly`);
  } else {
    if (hard) b.notes.push(`preempt_count has HARDIRQ_OFFSET: in a hard interrupt`);
    if (soft & 0x100) b.notes.push('preempt_count has SOFTIRQ_OFFSET: serving a softirq');
    if (soft >> 9) b.notes.push(`preempt_count has ${soft >> 9} x SOFTIRQ_DISABLE_OFFSET: local_bh_disable() not explained by the held locks`);
    if (pre) b.notes.push(`preempt_count has ${pre} preempt_disable() level(s) not explained by the held locks`);
  }
  const ok = missing >= 0;
  if (ok) for (let n = 0; n < hard; n++) b.push('irq_enter', { threaded: false });
  if (ok && soft & 0x100) b.push('softirq_enter');
  if (ok) for (let n = 0; n < soft >> 9; n++) b.push('bh_disable');
  if (ok) for (let n = 0; n < pre; n++) b.push('preempt_disable');
  for (const h of before) b.acquire(h);
  if (r.irqsDisabled && !(ok && hard) && !k.irqsDisabled()) b.push('irq_disable');
  if (sleeper) b.acquire(sleeper);
  else if (sleeping) {
    b.push('might_sleep', { site: r.site });
    if (r.expectedPreemptCount !== 0) b.notes.push(`the caller expected preempt_count ${r.expectedPreemptCount} (cond_resched_lock()-style); the model's might_sleep() expects 0`);
  } else b.push('schedule');
  const atomic = { preemptCount: r.preemptCount, irqsDisabled: r.irqsDisabled, rcuDepth: sleeping ? r.rcuDepth : null };
  return { lock: sleeper, held, atomic };
}

// -------------------------------------------------------------------------------------

/** Build the scenario of one parsed report. */
export function reconstruct(r: ParsedReport, table: ClassTable = builtinClassTable()): Scenario {
  const prove = inferProveRawLockNesting(r, table);
  const preempt = inferPreempt(r);
  const origin = originOf(prove, preempt);
  const comm = r.task?.comm ?? 'task';
  const cpu = r.cpu ?? 0;
  const b = new Builder(origin.proveRawLockNesting, table, comm, cpu, r);
  // What the report does not show is named, never filled in silently.
  if (r.lockdepOff) b.notes.push('"INFO: lockdep is turned off.": an earlier report disabled lockdep, so no held locks are printed; only what preempt_count and the irq state say is replayed');
  if (r.held && r.heldDeclared !== null && r.held.length < r.heldDeclared) {
    b.notes.push(`${r.heldDeclared} lock(s) announced as held, ${r.held.length} printed (a running task's locks are not printed, or the log was cut): the missing ones are not replayed`);
  }
  if (prove.value === 'unknown') b.notes.push('PROVE_RAW_LOCK_NESTING cannot be told from the report; the report is replayed with =y (the kernel default since v6.13)');
  if (preempt.value === 'unknown') b.notes.push('the preemption model is not printed; the report is replayed as PREEMPT(full)');
  let context: Inference<ContextName> = { value: 'task', why: 'task context' };
  let lock: ScenarioLock | null = null;
  let held: ScenarioLock[] = [];
  let culprit: Culprit | null = null;
  let chain: ScenarioLock[] = [];
  let atomic: Scenario['atomic'] = null;
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
      context = hc ? { value: 'hardirq', why: `[HC${hc}...]: in a hard interrupt` } : sc ? { value: 'softirq', why: `[..SC${sc}..]: in a softirq` } : { value: 'task', why: '[HC0..SC0..]: task context' };
      ({ lock, held } = buildInconsistent(r, b, origin));
      break;
    }
    case 'irq-unsafe-order':
      ({ lock, held, chain } = buildIrqUnsafeOrder(r, b, origin));
      break;
    case 'irq-inversion':
      context = r.forwards ? { value: baseOf(r.irqState) === 'HARDIRQ' ? 'hardirq' : 'softirq', why: 'the lock just became irq-safe: taken in the interrupt' } : { value: 'task', why: 'the lock just became irq-unsafe: taken with interrupts enabled' };
      ({ lock, held, chain } = buildIrqInversion(r, b, origin));
      break;
    case 'sleeping-in-atomic':
    case 'scheduling-while-atomic': {
      const pc = r.kind === 'sleeping-in-atomic' ? r.preemptCount : r.preemptCount - 1;
      context = pc & HARDIRQ_MASK ? { value: 'hardirq', why: 'preempt_count has HARDIRQ bits' } : pc & 0x100 ? { value: 'softirq', why: 'preempt_count has SOFTIRQ_OFFSET' } : { value: 'task', why: 'preempt_count has no interrupt bits' };
      ({ lock, held, atomic } = buildAtomic(r, b, origin));
      break;
    }
  }
  const trace: Trace = {
    'lockdep-trace': 1,
    description: `reconstructed by lockdep explain from "${r.title}" at line ${r.startLine}`,
    config: { preempt: origin.preempt, proveRawLockNesting: origin.proveRawLockNesting, cpus: Math.max(2, cpu + 1) },
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
    notes: b.notes,
  };
}
