/**
 * The bundled catalogue (bundled.json, written by `lockdep catalogue` from the kernel
 * files under __tests__/fixtures/kernel-src; `node scripts/update-catalogue.js` regenerates
 * it) and the lookups the commands share.
 */
import type { LockTypeTag } from '../../trace/schema';
import {
  builtinClassTable,
  globMatcher,
  lookupClass,
  parseClassTable,
  type ClassEntry,
  type ClassTable,
} from '../classTable';
import bundled from './bundled.json';

/**
 * The class a printed name belongs to: lockdep prints `name#N` for the N-th class of
 * that name (another key) and `name/N` for subclass N (print_name() in lockdep_proc.c);
 * both are the same kind of lock as `name`.
 */
export function baseClassName(printed: string): string {
  let end = printed.length;
  // `/N` first (it is printed last), then `#N`
  for (const mark of ['/', '#']) {
    let i = end;
    while (i > 0 && printed.charCodeAt(i - 1) >= 48 && printed.charCodeAt(i - 1) <= 57) i--;
    if (i < end && i > 1 && printed[i - 1] === mark) end = i - 1;
  }
  return printed.slice(0, end);
}

let table: ClassTable | null = null;

/** A lockdep_map that lockdep_init_map() made: no wait type (LD_WAIT_INV). */
const INV_MAP: ClassEntry = { kind: 'map', decl: { wait: { inner: 'inv' } } };

/**
 * Names the kernel builds by a fixed rule, whatever the code that uses them: only
 * rules that give every name they match one type are here.
 */
export const BUNDLED_PATTERNS: readonly {
  readonly match: string;
  readonly entry: ClassEntry;
  readonly why: string;
}[] = [
  {
    match: '(work_completion)*',
    entry: INV_MAP,
    why: 'include/linux/workqueue.h: __INIT_WORK_KEY() names a work item\'s map "(work_completion)"#_work, with lockdep_init_map()',
  },
  {
    match: '(wq_completion)*',
    entry: INV_MAP,
    why: 'kernel/workqueue.c: wq_init_lockdep() names a workqueue\'s map "(wq_completion)" + its name, with lockdep_init_map()',
  },
  {
    match: '&(&*)->rlock',
    entry: { kind: 'primitive', type: 'spinlock' },
    why: 'include/linux/spinlock.h before v5.7: spin_lock_init(l) was raw_spin_lock_init(&(l)->rlock), so a spinlock_t class printed as "&(&x->lock)->rlock"; rlock is the raw_spinlock inside a spinlock_t',
  },
];

/**
 * The built-in names (classTable.ts: RCU maps, bh_lock_map, a few classes the
 * source scan cannot see) over the bundled catalogue, then the bundled patterns.
 */
export function bundledClassTable(): ClassTable {
  if (table) return table;
  const scanned = parseClassTable({ classes: bundled.classes }, { names: new Map(), patterns: [] });
  const names = new Map<string, ClassEntry>(scanned.names);
  for (const [name, e] of builtinClassTable().names) names.set(name, e);
  table = {
    names,
    patterns: BUNDLED_PATTERNS.map((p) => ({ re: globMatcher(p.match), entry: p.entry })),
  };
  return table;
}

/** Look a printed class name up in `t`: as printed, then without `#N` / `/N`. */
export function lookupPrinted(t: ClassTable, printed: string): ClassEntry | null {
  const e = lookupClass(t, printed);
  if (e) return e;
  const base = baseClassName(printed);
  return base === printed ? null : lookupClass(t, base);
}

/**
 * The primitive a class name is, from the bundled catalogue (for `explain` when a report
 * does not say); undefined for names it does not know and for pseudo locks and maps.
 */
export function catalogueLockType(className: string): LockTypeTag | undefined {
  const e = lookupPrinted(bundledClassTable(), className);
  return e && e.kind === 'primitive' ? e.type : undefined;
}
