/**
 * What-if on recorded chains: each chain a lockdep kernel recorded is replayed, in the
 * irq context it was recorded in, on a fresh modelled kernel under each of the eight
 * configurations of `lockdep matrix`, with lock types from class tables. A hard-irq
 * chain does not say whether its handler would be threaded, so it gets both answers.
 *
 * Chains repeat shapes (the same type sequence in the same context), so verdicts are
 * computed once per shape; the splat shown for a group is replayed with the real names.
 */
import { createKernel, type Kernel } from '../../kernel';
import { formatViolation } from '../../report/format';
import { violationLock, type Violation } from '../../report/violation';
import type { ClassEntry, ClassTable } from '../classTable';
import { configId, MATRIX_CONFIGS, type MatrixConfig } from '../replay';
import { lookupPrinted } from '../catalogue/lookup';
import type { MapLockDecl } from '../../trace/schema';
import type { IrqContext, LockChain } from './parse';
import type { ClassUsage } from './usage';

/** One configuration's answer, in `explain --format json`'s verdict shape. */
export interface ChainVerdict {
  readonly id: string;
  readonly kinds: readonly string[];
}

export interface ChainResult {
  readonly index: number;
  readonly line: number;
  readonly irqContext: IrqContext;
  readonly locks: readonly string[];
  /** for a hard-irq chain: the handler not threaded (hard interrupt context) */
  readonly verdicts: readonly ChainVerdict[];
  /** for a hard-irq chain only: the handler threaded (an irq thread under forced threading) */
  readonly threadedVerdicts?: readonly ChainVerdict[];
  /** the first offending pair: culprit (a held lock, or the context) and the lock taken */
  readonly pair: { readonly held: string; readonly taken: string };
  /** 'lockdep': not a recorded chain but a class /proc/lockdep records in this irq context */
  readonly source?: 'lockdep';
  /** the chain's classes /proc/lockdep records in irq context: name → usage characters */
  readonly usage?: Readonly<Record<string, string>>;
}

/** How one shape behaves, with positions instead of names. */
interface ShapeVerdict {
  readonly verdicts: ChainVerdict[];
  readonly threaded: ChainVerdict[] | null;
  /** the earliest position any configuration reports at, and its culprit (-1: the context) */
  readonly taken: number;
  readonly culprit: number;
  /** the first (handler variant, configuration) that reports, for the splat */
  readonly first: { config: MatrixConfig; threaded: boolean } | null;
}

type Acquire = (k: Kernel, name: string, key: string) => void;

/** How a chain's lock is taken: the plain (write) acquisition; chains record no read/try. */
function acquirerOf(entry: ClassEntry): Acquire {
  const e = normalise(entry);
  if (e.kind === 'pseudo') {
    switch (e.type) {
      case 'rcu_read_lock':
        return (k) => k.rcuReadLock();
      case 'rcu_read_lock_bh':
        return (k) => k.rcuReadLockBh();
      case 'rcu_read_lock_sched':
        return (k) => k.rcuReadLockSched();
      case 'local_bh':
        return (k) => k.localBhDisable();
    }
  }
  if (e.kind === 'map') {
    const d = e.decl;
    return (k, name, key) =>
      k
        .lockdepMap(name, {
          key,
          inner: d.wait.inner,
          ...(d.wait.outer ? { outer: d.wait.outer } : {}),
          ...(d.lockType ? { lockType: d.lockType } : {}),
        })
        .acquire();
  }
  switch (e.type) {
    case 'raw_spinlock':
      return (k, name, key) => k.rawSpinlock(name, { key }).lock();
    case 'spinlock':
      return (k, name, key) => k.spinlock(name, { key }).lock();
    case 'rwlock':
      return (k, name, key) => k.rwlock(name, { key }).writeLock();
    case 'local_lock':
      return (k, name, key) => k.localLock(name, { key }).lock();
    case 'mutex':
      return (k, name, key) => k.mutex(name, { key }).lock();
    case 'rt_mutex':
      return (k, name, key) => k.rtMutex(name, { key }).lock();
    case 'rwsem':
      return (k, name, key) => k.rwsem(name, { key }).downWrite();
    case 'percpu_rwsem':
      return (k, name, key) => k.percpuRwsem(name, { key }).downRead();
    case 'srcu':
      return (k, name, key) => k.srcu(name, { key }).readLock();
    case 'seqcount':
      return (k, name, key) => k.seqcount(name, { key }).writeBegin();
  }
}

type Normal =
  Exclude<ClassEntry, { kind: 'map' }> | { readonly kind: 'map'; readonly decl: MapLockDecl };

/** A map entry that declares a primitive is that primitive. */
function normalise(e: ClassEntry): Normal {
  if (e.kind !== 'map') return e;
  const d = e.decl;
  return 'type' in d ? { kind: 'primitive', type: d.type } : { kind: 'map', decl: d };
}

function entryKey(entry: ClassEntry): string {
  const e = normalise(entry);
  if (e.kind === 'map')
    return `map:${e.decl.wait.inner}:${e.decl.wait.outer ?? ''}:${e.decl.lockType ?? ''}`;
  return e.type;
}

/** The cache key of a chain: its context and type sequence. */
function shapeKey(ctx: IrqContext, entries: readonly ClassEntry[]): string {
  let key = `${ctx}|`;
  for (const e of entries) key += `${entryKey(e)},`;
  return key;
}

/** Replay one chain on a fresh kernel; names[i] is the i-th lock's shown name. */
function replayChain(
  config: MatrixConfig,
  ctx: IrqContext,
  threaded: boolean,
  entries: readonly ClassEntry[],
  names: readonly string[],
): readonly Violation[] {
  const k = createKernel({
    preempt: config.preempt,
    proveRawLockNesting: config.proveRawLockNesting,
    debugAtomicSleep: true,
    policy: 'collect',
  });
  if (ctx & 1) k.softirqEnter();
  if (ctx & 2) k.irqEnter({ threaded });
  // the key names the class: a name seen twice in one chain gets a class of its own
  const seen = new Set<string>();
  entries.forEach((e, i) => {
    const name = names[i];
    const key = seen.has(name) ? `${name}#${i + 1}` : name;
    seen.add(name);
    acquirerOf(e)(k, name, key);
  });
  return k.violations;
}

/** Position of the lock a violation is about, and of its culprit (-1: the context). */
function positions(v: Violation, names: readonly string[]): { taken: number; culprit: number } {
  const lock = violationLock(v);
  const taken = lock === null ? names.length - 1 : names.indexOf(lock);
  let culprit = -1;
  if (v.kind === 'invalid-wait-context' && v.culprit >= 0) {
    culprit = names.indexOf(v.held[v.culprit].name);
  } else if (taken > 0) culprit = taken - 1;
  return { taken: taken < 0 ? names.length - 1 : taken, culprit };
}

/** Without leading and trailing newlines (a loop: no regex scans a long run twice). */
function trimNewlines(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && s[a] === '\n') a++;
  while (b > a && s[b - 1] === '\n') b--;
  return s.slice(a, b);
}

function kindsOf(vs: readonly Violation[]): string[] {
  return [...new Set(vs.map((v) => v.kind))];
}

/** Checks chains one by one, caching verdicts per (context, type sequence). */
export class ChainChecker {
  private readonly cache = new Map<string, ShapeVerdict>();
  private readonly unknown = new Set<string>();
  private skipped = 0;
  private read = 0;
  private readonly failing = new Map<string, number>();
  /** printed name → its entry (null: unknown); bounded by the distinct classes */
  private readonly resolved = new Map<string, { entry: ClassEntry; key: string } | null>();
  /** with /proc/lockdep: the classes it records in irq context, and where chains show them */
  private readonly irqUsage = new Map<string, ClassUsage>();
  private readonly seenIn = new Map<string, number>();
  private usageClasses = 0;
  private usageChecked = 0;
  private withUsage = false;

  constructor(private readonly table: ClassTable) {
    for (const c of MATRIX_CONFIGS) this.failing.set(configId(c), 0);
  }

  /**
   * Record a /proc/lockdep class (call for every class before the chains). Only the
   * classes it records in hard or soft interrupt context are kept.
   */
  addUsage(u: ClassUsage): void {
    this.withUsage = true;
    this.usageClasses++;
    if (u.inHardirq || u.inSoftirq) this.irqUsage.set(u.name, u);
  }

  /**
   * After the chains: each class /proc/lockdep records in hard (soft) interrupt context
   * that no chain shows in that context is checked there alone, as __lock_acquire()
   * checks every acquisition against its context (check_wait_context(): a spinlock_t
   * taken by a hard interrupt handler that is not threaded). Trylocks neither form chains
   * nor set these bits (mark_usage()), so the usage adds the acquisitions a cut or
   * overflowed chains file lacks, never a trylock.
   */
  checkUsage(): ChainResult[] {
    const out: ChainResult[] = [];
    for (const u of this.irqUsage.values()) {
      const seen = this.seenIn.get(u.name) ?? 0;
      for (const ctx of [2, 1] as const) {
        if (!(ctx === 2 ? u.inHardirq : u.inSoftirq) || seen & ctx) continue;
        this.usageChecked++;
        const r = this.run(
          { index: u.index, line: u.line, irqContext: ctx, locks: [u.name] },
          'lockdep',
        );
        if (r) out.push(r);
      }
    }
    return out;
  }

  /** The result for a chain some configuration reports, else null. */
  check(chain: LockChain): ChainResult | null {
    this.read++;
    if (this.withUsage) {
      // the context a chain's locks were taken in: bit 1 hardirq (contexts 2, 3), bit 0 softirq
      const bit = chain.irqContext & 2 ? 2 : chain.irqContext & 1;
      if (bit) for (const n of chain.locks) this.seenIn.set(n, (this.seenIn.get(n) ?? 0) | bit);
    }
    return this.run(chain);
  }

  private run(chain: LockChain, source?: 'lockdep'): ChainResult | null {
    const entries: ClassEntry[] = [];
    let key = `${chain.irqContext}|`;
    let missing = false;
    for (const name of chain.locks) {
      let r = this.resolved.get(name);
      if (r === undefined) {
        const e = lookupPrinted(this.table, name);
        this.resolved.set(name, (r = e ? { entry: e, key: entryKey(e) } : null));
      }
      if (!r) {
        this.unknown.add(name);
        missing = true;
      } else {
        entries.push(r.entry);
        key += `${r.key},`;
      }
    }
    if (missing) {
      if (!source) this.skipped++;
      return null;
    }
    if (entries.length === 0) return null;
    let shape = this.cache.get(key);
    if (!shape) this.cache.set(key, (shape = this.shape(chain.irqContext, entries)));
    if (shape.first === null) return null;
    const ids = new Set<string>();
    for (const v of shape.verdicts) if (v.kinds.length) ids.add(v.id);
    for (const v of shape.threaded ?? []) if (v.kinds.length) ids.add(v.id);
    for (const id of ids) this.failing.set(id, (this.failing.get(id) ?? 0) + 1);
    let usage: Record<string, string> | undefined;
    for (const n of chain.locks) {
      const u = this.irqUsage.get(n);
      if (u) (usage ??= {})[n] = u.usage;
    }
    return {
      index: chain.index,
      line: chain.line,
      irqContext: chain.irqContext,
      locks: chain.locks,
      verdicts: shape.verdicts,
      ...(shape.threaded ? { threadedVerdicts: shape.threaded } : {}),
      ...(source ? { source } : {}),
      ...(usage ? { usage } : {}),
      pair: {
        held:
          shape.culprit >= 0
            ? chain.locks[shape.culprit]
            : `${chain.irqContext & 2 ? 'hardirq' : chain.irqContext & 1 ? 'softirq' : 'task'} context`,
        taken: chain.locks[shape.taken],
      },
    };
  }

  private shape(ctx: IrqContext, entries: readonly ClassEntry[]): ShapeVerdict {
    const names = entries.map((_, i) => `L${i}`);
    let taken = Infinity;
    let culprit = -1;
    let first: ShapeVerdict['first'] = null;
    const run = (threaded: boolean): ChainVerdict[] =>
      MATRIX_CONFIGS.map((config) => {
        const vs = replayChain(config, ctx, threaded, entries, names);
        for (const v of vs) {
          const p = positions(v, names);
          if (p.taken < taken) {
            taken = p.taken;
            culprit = p.culprit;
            first = { config, threaded };
          }
        }
        return { id: configId(config), kinds: kindsOf(vs) };
      });
    const verdicts = run(false);
    const threaded = ctx & 2 ? run(true) : null;
    return {
      verdicts,
      threaded,
      taken: taken === Infinity ? 0 : taken,
      culprit,
      first,
    };
  }

  /** The kernel's text for a chain's first report (replayed with its real names). */
  splat(chain: ChainResult): string {
    const entries = chain.locks.map((n) => lookupPrinted(this.table, n)!);
    const first = this.cache.get(shapeKey(chain.irqContext, entries))?.first;
    if (!first) return '';
    const vs = replayChain(first.config, chain.irqContext, first.threaded, entries, chain.locks);
    return vs.map((v) => trimNewlines(formatViolation(v))).join('\n\n');
  }

  /** Which configuration (and handler variant) the splat was replayed under. */
  splatConfig(chain: ChainResult): string {
    const entries = chain.locks.map((n) => lookupPrinted(this.table, n)!);
    const first = this.cache.get(shapeKey(chain.irqContext, entries))?.first;
    if (!first) return '';
    return `${configId(first.config)}${chain.irqContext & 2 ? (first.threaded ? ', threaded handler' : ', handler not threaded') : ''}`;
  }

  summary(): ChainSummary {
    let inHardirq = 0;
    let inSoftirq = 0;
    for (const u of this.irqUsage.values()) {
      if (u.inHardirq) inHardirq++;
      if (u.inSoftirq) inSoftirq++;
    }
    return {
      ...(this.withUsage
        ? {
            usage: {
              classes: this.usageClasses,
              inHardirq,
              inSoftirq,
              checked: this.usageChecked,
            },
          }
        : {}),
      chains: this.read,
      skipped: this.skipped,
      unknownClasses: [...this.unknown].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
      shapes: this.cache.size,
      failing: MATRIX_CONFIGS.map((c) => ({
        id: configId(c),
        chains: this.failing.get(configId(c)) ?? 0,
      })),
    };
  }
}

export interface ChainSummary {
  readonly chains: number;
  /** chains not checked because a class is unknown */
  readonly skipped: number;
  readonly unknownClasses: readonly string[];
  /** distinct (context, type sequence) replayed */
  readonly shapes: number;
  /** chains some variant reports, per configuration (with /proc/lockdep: usage checks too) */
  readonly failing: readonly { readonly id: string; readonly chains: number }[];
  /** with /proc/lockdep: classes read, those recorded in irq context, and checked alone */
  readonly usage?: {
    readonly classes: number;
    readonly inHardirq: number;
    readonly inSoftirq: number;
    readonly checked: number;
  };
}
