/**
 * The bundled catalogue (bundled.json, written by `lockdep catalogue` from the kernel
 * files under __tests__/fixtures/kernel-src; `node scripts/update-catalogue.js` regenerates
 * it) and the lookups the commands share.
 */
import type { LockTypeTag } from '../../trace/schema';
import { builtinClassTable, lookupClass, type ClassEntry, type ClassTable } from '../classTable';
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

/**
 * The built-in names (classTable.ts: RCU maps, bh_lock_map, a few classes the
 * source scan cannot see) over the bundled catalogue.
 */
export function bundledClassTable(): ClassTable {
  if (table) return table;
  const names = new Map<string, ClassEntry>();
  for (const [name, type] of Object.entries(bundled.classes))
    names.set(name, { kind: 'primitive', type: type as LockTypeTag });
  for (const [name, e] of builtinClassTable().names) names.set(name, e);
  table = { names, patterns: [] };
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
