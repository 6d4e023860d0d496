/**
 * What a printed report says about the kernel and the locks, read from the numbers it
 * prints: `-{outer:inner}` and `context-{C:C}` use the PROVE_RAW_LOCK_NESTING=y
 * numbering (FREE 1, SPIN 2, CONFIG 3, SLEEP 4, task 5) or the =n one (CONFIG folded
 * into SPIN: SLEEP 3, task 4); names tell what the numbers cannot (a =n `{2:2}` is
 * either a raw_spinlock_t or a spinlock_t); PREEMPT_RT leaves fingerprints
 * (rcu_read_lock under every spinlock_t, `local_bh`, spinlock_rt.c).
 */
import type { PreemptModel } from '../core/config';
import { LD_WAIT, resolveWait, waitLevelOf, type WaitTypeName } from '../core/waitType';
import type { LockDecl } from '../trace/schema';
import {
  builtinClassTable,
  lookupClass,
  type ClassEntry,
  type ClassTable,
  type PrimitiveType,
  type PseudoLock,
} from './classTable';
import type { ParsedClass, ParsedLock, ParsedReport } from './splatParser';

/**
 * A catalogue of lock classes: a class name as lockdep prints it (without `/subclass` and
 * `#version`) to the primitive its kernel source declares, or undefined when it does not
 * know the name (e.g. one generated from kernel sources by `lockdep catalogue`).
 */
export type PrimitiveLookup = (className: string) => PrimitiveType | undefined;

/**
 * Where a class name gets its type from before any guessing: the class table (built-ins
 * and --classes, the user's word), then an optional catalogue.
 */
export interface TypeSources {
  readonly table: ClassTable;
  readonly catalogue?: PrimitiveLookup;
}

function sourcesOf(src: ClassTable | TypeSources | undefined): TypeSources {
  if (!src) return { table: builtinClassTable() };
  return 'names' in src ? { table: src } : src;
}

/**
 * The one place a class name is looked up: the table first, then the catalogue. Every
 * inference below goes through it, so a catalogue plugged into explain's options is
 * consulted everywhere a name could decide a type.
 */
function knownClass(src: ClassTable | TypeSources, base: string): ClassEntry | null {
  const s = sourcesOf(src);
  const e = lookupClass(s.table, base);
  if (e) return e;
  const t = s.catalogue?.(base);
  return t === undefined ? null : { kind: 'primitive', type: t };
}

/** What a lock of the report is, as far as the report tells. */
export type LockKind = PrimitiveType | PseudoLock | 'map';

export interface InferredType {
  readonly type: LockKind;
  /** for `map`: the declaration with explicit wait types */
  readonly decl: LockDecl | null;
  /** false when the printed numbers allow another type that checks differently */
  readonly certain: boolean;
  /** how it was decided, for the explanation */
  readonly basis: string;
}

export interface Inference<T> {
  readonly value: T | 'unknown';
  readonly why: string;
}

const SLEEPING: readonly LockKind[] = ['mutex', 'rwsem', 'rt_mutex'];
const SPIN_CLASS: readonly LockKind[] = ['spinlock', 'rwlock', 'local_lock'];

/** A type suggested by the name alone: the class table, then common naming. */
function nameHint(
  name: string,
  table: ClassTable | TypeSources = builtinClassTable(),
): LockKind | null {
  const base = name.replace(/\/\d+$/, '').replace(/#\d+$/, '');
  const e = knownClass(table, base);
  if (e) return e.kind === 'map' ? 'map' : e.type;
  return namingHint(base);
}

/** Common kernel naming conventions only (no class table). */
function namingHint(base: string): LockKind | null {
  if (/-wait-type-override$/.test(base)) return 'map';
  // workqueue flush maps: `(wq_completion)events`, `(work_completion)(&w->work)`
  if (/^\((?:wq_completion|work_completion)\)/.test(base)) return 'map';
  // before v5.x a spinlock_t's class was named after its embedded raw lock: `&(&zone->lock)->rlock`
  if (/\)->rlock(?:#\d+)?$/.test(base)) return 'spinlock';
  if (/rw_?sem|_sem\b|sem$|mmap_lock/i.test(base)) return 'rwsem';
  if (/rt_mutex|rtmutex/i.test(base)) return 'rt_mutex';
  if (/mutex|_mtx\b|mtx$/i.test(base)) return 'mutex';
  if (/raw_?(?:spin)?lock/i.test(base)) return 'raw_spinlock';
  if (/rwlock|rw_lock/i.test(base)) return 'rwlock';
  if (/local_lock|llock/i.test(base)) return 'local_lock';
  if (/srcu/i.test(base)) return 'srcu';
  if (/seqcount|\.seq$|->seq$/i.test(base)) return 'seqcount';
  return null;
}

/** A printed wait number back to its name, under a numbering (=n folds CONFIG into SPIN). */
function waitName(level: number, prove: boolean): WaitTypeName {
  for (const name of ['inv', 'free', 'spin', 'config', 'sleep'] as const) {
    if (name === 'config' && !prove) continue;
    if (resolveWait(waitLevelOf(name), prove) === level) return name;
  }
  return level <= LD_WAIT.INV ? 'inv' : 'sleep';
}

function map(outer: number, inner: number, prove: boolean, basis: string): InferredType {
  const w: { inner: WaitTypeName; outer?: WaitTypeName } = { inner: waitName(inner, prove) };
  if (outer !== inner && outer !== 0) w.outer = waitName(outer, prove);
  const decl: LockDecl = /-wait-type-override$/.test(basis)
    ? { wait: w, lockType: 'wait-override' }
    : { wait: w };
  return {
    type: 'map',
    decl,
    certain: true,
    basis: `an explicit lockdep_map: wait types {${outer}:${inner}}`,
  };
}

function rcuByName(name: string): PseudoLock | null {
  if (
    name === 'rcu_read_lock' ||
    name === 'rcu_read_lock_bh' ||
    name === 'rcu_read_lock_sched' ||
    name === 'local_bh'
  )
    return name;
  return null;
}

/**
 * The type of a printed class under a PROVE_RAW_LOCK_NESTING hypothesis. The numbers
 * decide the wait class (spinning, CONFIG, sleeping, RCU-like); the name picks the
 * primitive inside it and, where the numbering folds two classes, between them.
 */
export function inferType(
  c: ParsedClass,
  prove: boolean,
  table: ClassTable | TypeSources = builtinClassTable(),
  ev: Evidence | null = null,
): InferredType {
  const base = c.name.replace(/\/\d+$/, '');
  const tabled = knownClass(table, base.replace(/#\d+$/, ''));
  const evKind = ev && ev.kind !== 'spinning' ? ev.kind : null;
  // The class table is the user's word; then what the taking code shows; then naming habits.
  const named = tabled ? nameHint(base, table) : evKind ? null : nameHint(base, table);
  const hint = named ?? evKind;
  const spinning = ev?.kind === 'spinning' && !named;
  const rcu = rcuByName(base);
  if (rcu)
    return {
      type: rcu,
      decl: null,
      certain: true,
      basis: 'the RCU read-side / bh map of that name',
    };
  if (c.inner === null || c.outer === null) {
    if (hint === 'map')
      return {
        type: 'map',
        decl: { wait: { inner: 'inv' } },
        certain: true,
        basis: 'a lockdep_map by its name (not wait-checked)',
      };
    if (hint)
      return {
        type: hint,
        decl: null,
        certain: !named && !!evKind,
        basis: named
          ? 'the name (this kernel prints no wait types)'
          : `${ev?.why} (this kernel prints no wait types)`,
      };
    return {
      type: 'spinlock',
      decl: null,
      certain: false,
      basis: 'nothing: no wait types printed and an unknown name; assumed spinlock_t',
    };
  }
  const o = c.outer;
  const i = c.inner;
  if (i === 0) {
    if (hint === 'srcu' || hint === 'seqcount' || hint === 'percpu_rwsem')
      return {
        type: hint,
        decl: null,
        certain: true,
        basis: `wait types {0:0} (not checked) and the name`,
      };
    return {
      type: 'map',
      decl: { wait: { inner: 'inv' } },
      certain: true,
      basis: 'wait types {0:0}: a map lockdep does not wait-check',
    };
  }
  if (/-wait-type-override$/.test(base)) return map(o, i, prove, '-wait-type-override');
  const pick = (among: readonly LockKind[], dflt: LockKind): LockKind =>
    hint && among.includes(hint) ? hint : dflt;
  if (prove) {
    if (o === 2 && i === 2)
      return {
        type: pick(['raw_spinlock'], 'raw_spinlock'),
        decl: null,
        certain: true,
        basis: '{2:2}: LD_WAIT_SPIN, a raw_spinlock_t',
      };
    if (o === 3 && i === 3) {
      const t = pick(SPIN_CLASS, 'spinlock');
      return {
        type: t,
        decl: null,
        certain: true,
        basis: `{3:3}: LD_WAIT_CONFIG (spinlock_t, rwlock_t, local_lock_t)${hint && SPIN_CLASS.includes(hint) ? '; the name says ' + t : ''}`,
      };
    }
    if (o === 4 && i === 4) {
      const t = pick(SLEEPING, 'mutex');
      return {
        type: t,
        decl: null,
        certain: true,
        basis: `{4:4}: LD_WAIT_SLEEP (mutex, rw_semaphore, rt_mutex)${hint && SLEEPING.includes(hint) ? '; the name says ' + t : ''}`,
      };
    }
    return map(o, i, true, c.name);
  }
  if (o === 2 && i === 2) {
    if (!named && evKind && SPIN_CLASS.includes(evKind)) {
      return {
        type: evKind,
        decl: null,
        certain: true,
        basis: `{2:2} (=n folds spinlock_t into raw_spinlock_t); ${ev?.why}`,
      };
    }
    if (hint === 'raw_spinlock' || (hint && SPIN_CLASS.includes(hint))) {
      return {
        type: hint,
        decl: null,
        certain: hint === 'raw_spinlock' || knownClass(table, base) !== null,
        basis: `{2:2} (=n folds spinlock_t into raw_spinlock_t); the name says ${hint}`,
      };
    }
    if (spinning)
      return {
        type: 'spinlock',
        decl: null,
        certain: false,
        basis: `{2:2} with PROVE_RAW_LOCK_NESTING=n and ${ev?.why}: spinlock_t or raw_spinlock_t; assumed spinlock_t (add the name to --classes to be sure)`,
      };
    return {
      type: 'spinlock',
      decl: null,
      certain: false,
      basis:
        '{2:2} with PROVE_RAW_LOCK_NESTING=n: spinlock_t or raw_spinlock_t; assumed spinlock_t (add the name to --classes to be sure)',
    };
  }
  if (o === 3 && i === 3) {
    const t = pick(SLEEPING, 'mutex');
    return {
      type: t,
      decl: null,
      certain: true,
      basis: `{3:3} with PROVE_RAW_LOCK_NESTING=n: LD_WAIT_SLEEP${hint && SLEEPING.includes(hint) ? '; the name says ' + t : ''}`,
    };
  }
  return map(o, i, false, c.name);
}

/** Every class the report prints. */
function printedClasses(r: ParsedReport): ParsedClass[] {
  const out: ParsedClass[] = [...(r.held ?? [])];
  switch (r.kind) {
    case 'invalid-wait-context':
    case 'recursive-locking':
      out.push(r.lock);
      if (r.kind === 'recursive-locking') out.push(r.prev);
      break;
    case 'circular-dependency':
      out.push(r.lock, r.prev, ...r.chain.map((e) => e.class));
      break;
    case 'inconsistent-lock-state':
      out.push(r.lock);
      break;
    case 'irq-unsafe-order':
      out.push(r.lock, r.prev, r.safe, r.unsafe, ...r.backwardPath, ...r.forwardPath);
      break;
    case 'irq-inversion':
      out.push(r.lock, r.other);
      break;
    case 'held-lock-freed':
    case 'nested-lock-not-taken':
      out.push(r.lock);
      break;
    default:
      break;
  }
  return out;
}

/** One piece of evidence about CONFIG_PROVE_RAW_LOCK_NESTING (explain's JSON gives them all). */
export interface ProveEvidence {
  /** what in the report it was read from */
  readonly source: 'context' | 'wait-types' | 'acquisition' | 'irq-usage' | 'kernel-version';
  /** the value it supports */
  readonly says: boolean;
  /** `numbering`: the printed numbers decide; `default`: only the Kconfig default of that release */
  readonly weight: 'numbering' | 'default';
  readonly text: string;
}

/** The inference with every piece of evidence that went into it. */
export interface ProveInference extends Inference<boolean> {
  readonly evidence: readonly ProveEvidence[];
}

/** `6.13.0-rc4-00080-g9828a4c0901f` → [6, 13]; null when the release is not printed or not a version. */
export function kernelVersion(release: string | null): readonly [number, number] | null {
  const m = /^(\d{1,3})\.(\d{1,3})(?!\d)/.exec(release ?? '');
  return m ? [Number(m[1]), Number(m[2])] : null;
}

/**
 * What the release alone says. PROVE_RAW_LOCK_NESTING came with the wait-type checks in
 * v5.7 as a prompt, default n. Commit 560af5dc839e ("lockdep: Enable
 * PROVE_RAW_LOCK_NESTING with PROVE_LOCKING.", v6.13-rc1) made it a promptless `default y`
 * under PROVE_LOCKING; d387ceb17149 ("locking/lockdep: Enforce PROVE_RAW_LOCK_NESTING only
 * if ARCH_SUPPORTS_RT", v6.13) restored the prompt, default n, only on architectures without
 * PREEMPT_RT support. So from v6.13 it is on wherever lockdep proves locking on x86, arm64,
 * arm, powerpc, riscv or loongarch; before, it was whatever the builder chose.
 */
function versionEvidence(release: string | null): ProveEvidence | null {
  const v = kernelVersion(release);
  if (!v || v[0] < 5 || (v[0] === 5 && v[1] < 7)) return null;
  if (v[0] > 6 || (v[0] === 6 && v[1] >= 13))
    return {
      source: 'kernel-version',
      says: true,
      weight: 'default',
      text: `release ${release}: since v6.13 (commit 560af5dc839e, then d387ceb17149) PROVE_RAW_LOCK_NESTING is on whenever PROVE_LOCKING is, on every architecture that supports PREEMPT_RT`,
    };
  return {
    source: 'kernel-version',
    says: false,
    weight: 'default',
    text: `release ${release}: from v5.7 to v6.12 PROVE_RAW_LOCK_NESTING was a user option, default n (lib/Kconfig.debug before commit 560af5dc839e)`,
  };
}

/** A usage string with an irq-safe or irq-inconsistent bit (`-` or `?`): the class was taken in an interrupt. */
function usedInIrq(usage: string | null): boolean {
  return usage !== null && /[-?]/.test(usage);
}

/**
 * CONFIG_PROVE_RAW_LOCK_NESTING from what the report prints: the context number, each
 * class's wait types read with its name and with how it was taken, irq usage, and the
 * kernel release. The numbers decide; the release decides only where no number does, and
 * only from v6.13, where the option is no longer the builder's choice.
 */
export function inferProveRawLockNesting(
  r: ParsedReport,
  table: ClassTable | TypeSources = builtinClassTable(),
): ProveInference {
  const evidence: ProveEvidence[] = [];
  const vote = (source: ProveEvidence['source'], says: boolean, text: string): void => {
    evidence.push({ source, says, weight: 'numbering', text });
  };
  if (r.kind === 'invalid-wait-context') {
    if (r.context === 5)
      vote('context', true, 'context-{5:5} is task context in the =y numbering (=n prints 4)');
    else if (r.context === 3)
      vote(
        'context',
        true,
        'context-{3:3} (threaded hardirq or softirq) exists only in the =y numbering',
      );
    else if (r.context === 4)
      vote('context', false, 'context-{4:4} is task context in the =n numbering (=y prints 5)');
  }
  for (const c of printedClasses(r)) {
    if (c.inner === null || c.outer === null) continue;
    const votes = evidenceVotes(c, lockEvidence(r, c));
    if (votes.yes) vote('acquisition', true, votes.yes);
    if (votes.no) vote('acquisition', false, votes.no);
    const base = c.name.replace(/\/\d+$/, '');
    if (c.inner === 4 || c.outer === 4)
      vote(
        'wait-types',
        true,
        `(${c.name}) -{${c.outer}:${c.inner}}: wait type 4 (LD_WAIT_SLEEP) exists only with =y`,
      );
    else if (c.outer === 1 && c.inner === 3)
      vote(
        'wait-types',
        true,
        `(${c.name}) -{1:3}: an RCU-style map with inner CONFIG, =y numbering`,
      );
    if ((base === 'rcu_read_lock' || base === 'rcu_read_lock_bh') && c.outer === 1 && c.inner === 2)
      vote('wait-types', false, `(${c.name}) -{1:2}: rcu_read_lock() is {1:3} with =y`);
    const hint = nameHint(base, table);
    const known = knownClass(table, base) !== null;
    if (hint && SLEEPING.includes(hint) && c.inner === 3 && c.outer === 3)
      vote('wait-types', false, `(${c.name}) is a sleeping lock printed {3:3}: =n numbering`);
    if (known && hint && SPIN_CLASS.includes(hint) && c.inner === 2)
      vote('wait-types', false, `(${c.name}) is a ${hint}_t printed {2:2}: =n numbering`);
    if (known && hint && SPIN_CLASS.includes(hint) && c.inner === 3)
      vote('wait-types', true, `(${c.name}) is a ${hint}_t printed {3:3}: =y numbering`);
    // {3:3} is CONFIG (=y) or SLEEP (=n); a sleeping lock is never taken in an interrupt
    if (c.inner === 3 && c.outer === 3 && usedInIrq(c.usage) && !(hint && SLEEPING.includes(hint)))
      vote(
        'irq-usage',
        true,
        `(${c.name}){${c.usage}}-{3:3} was taken in an interrupt, so it is not a sleeping lock: {3:3} is CONFIG, =y numbering`,
      );
  }
  const version = versionEvidence(r.ident.release);
  if (version) evidence.push(version);
  const yes = evidence.filter((e) => e.weight === 'numbering' && e.says).map((e) => e.text);
  const no = evidence.filter((e) => e.weight === 'numbering' && !e.says).map((e) => e.text);
  if (yes.length && !no.length) return { value: true, why: yes[0], evidence };
  if (no.length && !yes.length) return { value: false, why: no[0], evidence };
  if (yes.length && no.length) {
    const v = yes.length >= no.length;
    return {
      value: v,
      why: `conflicting evidence; taking ${v ? '=y' : '=n'}: ${(v ? yes : no)[0]} (against: ${(v ? no : yes)[0]})`,
      evidence,
    };
  }
  if (version?.says) return { value: true, why: version.text, evidence };
  return {
    value: 'unknown',
    why: `no printed number tells the two numberings apart${version ? `; ${version.text}` : ''}`,
    evidence,
  };
}

/** rcu_read_lock() taken by a PREEMPT_RT sleeping spinlock right after its own map. */
export function isRtImpliedRcu(prev: ParsedLock | undefined, l: ParsedLock): boolean {
  if (!prev || l.name !== 'rcu_read_lock') return false;
  if (
    l.at &&
    /^(?:rt_spin_lock|rt_read_lock|rt_write_lock|rt_spin_trylock|rt_read_trylock|rt_write_trylock|rt_spin_lock_nested|rt_spin_lock_nest_lock)\b/.test(
      l.at,
    )
  )
    return true;
  // This library prints the caller's site on both entries.
  return (
    prev.inner === 3 &&
    prev.outer === 3 &&
    prev.at !== null &&
    prev.at === l.at &&
    prev.name !== 'rcu_read_lock'
  );
}

/** The preemption model: printed by dump_stack() on v6.15+, or PREEMPT_RT's fingerprints. */
export function inferPreempt(r: ParsedReport): Inference<PreemptModel> {
  const h = r.ident.preemptHint;
  if (h === 'rt') return { value: 'rt', why: 'the kernel identifies itself as PREEMPT_RT' };
  if (h)
    return {
      value: h === 'lazy' ? 'full' : h,
      why: `dump_stack() prints PREEMPT(${h})${h === 'lazy' ? ' (modelled as full)' : ''}`,
    };
  const held = r.held ?? [];
  for (let k = 0; k < held.length; k++) {
    if (held[k].name === 'local_bh')
      return { value: 'rt', why: 'a held `local_bh` map (bh_lock_map exists only on PREEMPT_RT)' };
    if (held[k].name === 'softirq_ctrl.lock')
      return { value: 'rt', why: 'a held softirq_ctrl.lock (PREEMPT_RT local_bh_disable())' };
    if (isRtImpliedRcu(held[k - 1], held[k]))
      return {
        value: 'rt',
        why: `rcu_read_lock held right after ${held[k - 1].name}: PREEMPT_RT's sleeping spinlock takes it`,
      };
  }
  for (const h of held) {
    const ev = siteEvidence(h.sites);
    if (ev?.rt) return { value: 'rt', why: `${h.name}: ${ev.why}` };
  }
  if (r.kind === 'sleeping-in-atomic' && /spinlock_rt\.c/.test(r.site))
    return { value: 'rt', why: `the might_sleep() site ${r.site} is PREEMPT_RT's spinlock` };
  if (r.backtrace.some((f) => /^rt_(?:spin|read|write)_lock/.test(f)))
    return { value: 'rt', why: 'rt_spin_lock()/rt_read_lock() in the backtrace' };
  return { value: 'unknown', why: 'the report does not print the preemption model' };
}

/** Hints from the backtrace: `<IRQ>`/`<SOFTIRQ>` markers and well-known entry points. */
export function contextHint(backtrace: readonly string[]): 'hardirq' | 'softirq' | 'task' | null {
  const marker = backtrace.find((f) => /^<(?:IRQ|SOFTIRQ|NMI|TASK)>$/.test(f));
  const frames = backtrace.filter((f) => !f.startsWith('<'));
  const soft = frames.findIndex((f) =>
    /^(?:__do_softirq|handle_softirqs|do_softirq|run_ksoftirqd|net_rx_action|tasklet_action|run_timer_softirq|rcu_core|blk_done_softirq|irq_exit_rcu)/.test(
      f,
    ),
  );
  const hard = frames.findIndex((f) =>
    /^(?:__handle_irq_event_percpu|handle_irq_event|handle_\w+_irq|hrtimer_interrupt|__sysvec_|sysvec_|asm_sysvec_|common_interrupt|irq_work_run|flush_smp_call_function)/.test(
      f,
    ),
  );
  // The innermost context wins: frames are printed innermost first.
  if (soft >= 0 && (hard < 0 || soft < hard)) return 'softirq';
  if (hard >= 0) return 'hardirq';
  if (marker === '<SOFTIRQ>') return 'softirq';
  if (marker === '<IRQ>') return 'hardirq';
  if (marker === '<TASK>') return 'task';
  return null;
}

/** Whether an interrupt handler in this backtrace would be force-threaded (not hrtimer/IPI/irq_work). */
export function threadableHandler(frames: readonly string[]): boolean {
  return !frames.some((f) =>
    /hrtimer|tick_|apic_timer|timer_interrupt|irq_work|smp_call_function|_ipi|sysvec_call_function/.test(
      f,
    ),
  );
}

// -------------------------------------------------------------------------------------
// Evidence from the code that took a lock: the sites printed with a held lock (syzbot
// prints one per inlined wrapper: `spin_lock include/linux/spinlock.h:354 [inline]`) and
// the backtrace frames right above lock_acquire() for the lock being taken.

/** What the taking code says about a lock. `spinning`: spinlock_t or raw_spinlock_t. */
export interface Evidence {
  readonly kind: LockKind | 'spinning';
  readonly trylock: boolean;
  /** taken through PREEMPT_RT's spinlock_rt.h / rt_spin_lock() */
  readonly rt: boolean;
  readonly why: string;
}

const PRIMITIVES: readonly { re: RegExp; kind: LockKind | 'spinning'; rt?: boolean }[] = [
  {
    re: /^(?:rt_spin_lock|__rt_spin_lock|rt_spin_trylock|rt_spin_lock_nested)\b/,
    kind: 'spinlock',
    rt: true,
  },
  {
    re: /^(?:rt_read_lock|rt_write_lock|rt_read_trylock|rt_write_trylock)\b/,
    kind: 'rwlock',
    rt: true,
  },
  {
    re: /^(?:_raw_spin_\w*lock\w*|__raw_spin_\w*lock\w*|raw_spin_\w*lock\w*|do_raw_spin_lock)\b/,
    kind: 'spinning',
  },
  {
    re: /^(?:_raw_read_\w*lock\w*|_raw_write_\w*lock\w*|__raw_read_lock\w*|__raw_write_lock\w*|read_lock\w*|write_lock\w*|read_trylock|write_trylock)\b/,
    kind: 'rwlock',
  },
  { re: /^(?:__mutex_lock\w*|mutex_lock\w*|mutex_trylock\w*|ww_mutex_lock\w*)\b/, kind: 'mutex' },
  { re: /^(?:rt_mutex_lock\w*|__rt_mutex_lock\w*|rt_mutex_trylock)\b/, kind: 'rt_mutex' },
  { re: /^(?:percpu_down_\w+|cpus_read_lock|percpu_rwsem_\w+)\b/, kind: 'percpu_rwsem' },
  {
    re: /^(?:down_read\w*|down_write\w*|__down_read\w*|__down_write\w*|inode_lock\w*|mmap_read_lock\w*|mmap_write_lock\w*|rwsem_down_\w+)\b/,
    kind: 'rwsem',
  },
  { re: /^local_lock\w*\b/, kind: 'local_lock' },
];

function frameEvidence(frame: string, where: string): Evidence | null {
  const sym = frame.trim().split(/[\s+]/)[0];
  // Rust's kernel crate locks through C helpers that are real functions, hence printed:
  // rust_helper_mutex_lock() is mutex_lock(), rust_helper_spin_lock() spin_lock() on a spinlock_t
  const rust = sym.startsWith('rust_helper_');
  const fn = rust ? sym.slice('rust_helper_'.length) : sym;
  if (rust && /^spin_(?:lock|trylock)\w*$/.test(fn))
    return {
      kind: 'spinlock',
      trylock: /trylock/.test(fn),
      rt: false,
      why: `${where} ${sym}() (Rust's SpinLock: a spinlock_t)`,
    };
  // spin_lock() and friends are inline wrappers in spinlock.h (spinlock_t) or spinlock_rt.h (RT)
  if (/^spin_(?:lock|trylock)\w*$/.test(fn) && /include\/linux\/spinlock(?:_rt)?\.h/.test(frame)) {
    const rt = /spinlock_rt\.h/.test(frame);
    return {
      kind: 'spinlock',
      trylock: /trylock/.test(fn),
      rt,
      why: `${where} ${fn}() from ${rt ? 'spinlock_rt.h (PREEMPT_RT)' : 'spinlock.h'}: a spinlock_t`,
    };
  }
  if (/unlock/.test(fn)) return null;
  for (const p of PRIMITIVES) {
    if (p.re.test(fn))
      return {
        kind: p.kind,
        trylock: /trylock/.test(fn),
        rt: p.rt ?? false,
        why: `${where} ${sym}()`,
      };
  }
  return null;
}

/** Evidence from the sites printed with a lock line (all inline levels). */
export function siteEvidence(sites: readonly string[] | undefined): Evidence | null {
  for (const s of sites ?? []) {
    const e = frameEvidence(s, 'taken by');
    if (e) return e;
  }
  return null;
}

/** Evidence for the lock being acquired: the first locking primitive above lock_acquire() in the backtrace. */
function acquireEvidence(backtrace: readonly string[]): Evidence | null {
  const frames = backtrace.filter((f) => !f.startsWith('<'));
  const la = frames.findIndex((f) => /^lock_acquire\b/.test(f));
  const from = la >= 0 ? la + 1 : 0;
  for (let k = from; k < Math.min(frames.length, from + 12); k++) {
    const e = frameEvidence(frames[k], 'the backtrace shows');
    if (e) return e;
  }
  return null;
}

/** The evidence for one printed lock of report `r` (sites first, then the backtrace for the lock being taken). */
export function lockEvidence(r: ParsedReport, c: ParsedClass): Evidence | null {
  const own = siteEvidence((c as Partial<ParsedLock>).sites);
  if (own) return own;
  // (the scheduler's reports have no lock being taken; their backtrace is the sleep)
  if ('lock' in r && r.lock && r.lock.name === c.name) return acquireEvidence(r.backtrace);
  return null;
}

const SLEEPING_EV: readonly (LockKind | 'spinning')[] = ['mutex', 'rwsem', 'rt_mutex'];
const SPIN_EV: readonly (LockKind | 'spinning')[] = ['spinlock', 'rwlock', 'local_lock'];

/** PROVE_RAW_LOCK_NESTING votes from evidence: a spinlock_t at 2 or a sleeping lock at 3 is =n; at 3 / 4 it is =y. */
function evidenceVotes(c: ParsedClass, ev: Evidence | null): { yes?: string; no?: string } {
  if (!ev || c.inner === null || c.outer === null || c.inner !== c.outer) return {};
  const n = `(${c.name}) -{${c.outer}:${c.inner}}`;
  if (SPIN_EV.includes(ev.kind) && c.inner === 2)
    return { no: `${n}: ${ev.why}, printed as SPIN: =n numbering` };
  if ((SPIN_EV.includes(ev.kind) || ev.kind === 'spinning') && c.inner === 3)
    return { yes: `${n}: ${ev.why}, a spinning lock at CONFIG: =y numbering` };
  if (SLEEPING_EV.includes(ev.kind) && c.inner === 3)
    return { no: `${n}: ${ev.why}, a sleeping lock at 3: =n numbering` };
  if (SLEEPING_EV.includes(ev.kind) && c.inner === 4)
    return { yes: `${n}: ${ev.why}, a sleeping lock at 4: =y numbering` };
  return {};
}
