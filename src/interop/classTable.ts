/**
 * Lock names → primitives. Neither an ftrace lock event nor (without wait types, or
 * with PROVE_RAW_LOCK_NESTING=n numbering) a report says what kind of lock a name is;
 * this table does, for names whose type is known from the kernel sources, and a user
 * table (`--classes classes.json`) adds or overrides entries. Names found nowhere are
 * listed as unknown by the callers, never guessed silently.
 */
import { isWaitTypeName } from '../core/waitType';
import { LOCK_TYPE_TAGS, type LockDecl, type LockTypeTag } from '../trace/schema';
import { InteropError } from './errors';

/** Primitive types of the trace format (docs/trace-format.md). */
export type PrimitiveType = LockTypeTag;
export const PRIMITIVE_TYPES: readonly PrimitiveType[] = LOCK_TYPE_TAGS;

/** The read-side maps a trace predeclares, and PREEMPT_RT's `local_bh` (bh_lock_map). */
export type PseudoLock = 'rcu_read_lock' | 'rcu_read_lock_bh' | 'rcu_read_lock_sched' | 'local_bh';

/** What a name is: a primitive, a pseudo lock, or an explicit map. */
export type ClassEntry =
  | { readonly kind: 'primitive'; readonly type: PrimitiveType }
  | { readonly kind: 'pseudo'; readonly type: PseudoLock }
  | { readonly kind: 'map'; readonly decl: LockDecl };

/**
 * Built-in names. Sources: kernel/rcu/update.c (RCU maps), kernel/softirq.c (bh_lock_map
 * "local_bh", softirq_ctrl.lock), kernel/sched (rq->__lock, pi_lock are raw_spinlock_t),
 * mm/page_alloc.c (zone->lock: spinlock_t), kernel/rcu/tree.c (krc.lock: raw_spinlock_t
 * since the 2020 kfree_rcu discussion), kernel/time, kernel/printk, mm/mmap.
 */
const BUILTIN: Readonly<Record<string, ClassEntry>> = {
  rcu_read_lock: { kind: 'pseudo', type: 'rcu_read_lock' },
  rcu_read_lock_bh: { kind: 'pseudo', type: 'rcu_read_lock_bh' },
  rcu_read_lock_sched: { kind: 'pseudo', type: 'rcu_read_lock_sched' },
  local_bh: { kind: 'pseudo', type: 'local_bh' },
  rcu_callback: { kind: 'map', decl: { wait: { inner: 'inv' } } },
  'softirq_ctrl.lock': { kind: 'primitive', type: 'local_lock' },
  '&zone->lock': { kind: 'primitive', type: 'spinlock' },
  'krc.lock': { kind: 'primitive', type: 'raw_spinlock' },
  '&krcp->lock': { kind: 'primitive', type: 'raw_spinlock' },
  '&rq->__lock': { kind: 'primitive', type: 'raw_spinlock' },
  '&rq->lock': { kind: 'primitive', type: 'raw_spinlock' },
  '&p->pi_lock': { kind: 'primitive', type: 'raw_spinlock' },
  '&base->lock': { kind: 'primitive', type: 'raw_spinlock' },
  '&cpu_base->lock': { kind: 'primitive', type: 'raw_spinlock' },
  '&rt_b->rt_runtime_lock': { kind: 'primitive', type: 'raw_spinlock' },
  '&dl_b->lock': { kind: 'primitive', type: 'raw_spinlock' },
  '&rcu_state.ofl_lock': { kind: 'primitive', type: 'raw_spinlock' },
  rcu_node_0: { kind: 'primitive', type: 'raw_spinlock' },
  '&rnp->lock': { kind: 'primitive', type: 'raw_spinlock' },
  'tk_core.seq.seqcount': { kind: 'primitive', type: 'seqcount' },
  '&desc->lock': { kind: 'primitive', type: 'raw_spinlock' },
  logbuf_lock: { kind: 'primitive', type: 'raw_spinlock' },
  '&n->list_lock': { kind: 'primitive', type: 'spinlock' },
  '&pcp->lock': { kind: 'primitive', type: 'spinlock' },
  '&mm->mmap_lock': { kind: 'primitive', type: 'rwsem' },
  '&mm->mmap_sem': { kind: 'primitive', type: 'rwsem' },
  tasklist_lock: { kind: 'primitive', type: 'rwlock' },
  cpu_hotplug_lock: { kind: 'primitive', type: 'percpu_rwsem' },
  'cpu_hotplug_lock.rw_sem': { kind: 'primitive', type: 'percpu_rwsem' },
  'rcu_tasks.tasks_gp_mutex': { kind: 'primitive', type: 'mutex' },
  fs_reclaim: { kind: 'map', decl: { wait: { inner: 'inv' } } },
};

/** A class table: exact names, then patterns tried in order. */
export interface ClassTable {
  readonly names: ReadonlyMap<string, ClassEntry>;
  readonly patterns: readonly { readonly re: RegExp; readonly entry: ClassEntry }[];
}

/** The built-in table alone. */
export function builtinClassTable(): ClassTable {
  return { names: new Map(Object.entries(BUILTIN)), patterns: [] };
}

/** Look a name up; `null` when the table does not know it. */
export function lookupClass(table: ClassTable, name: string): ClassEntry | null {
  const e = table.names.get(name);
  if (e) return e;
  for (const p of table.patterns) if (p.re.test(name)) return p.entry;
  return null;
}

function entryOf(v: unknown, where: string): ClassEntry {
  if (typeof v === 'string') {
    if ((PRIMITIVE_TYPES as readonly string[]).includes(v))
      return { kind: 'primitive', type: v as PrimitiveType };
    if (['rcu_read_lock', 'rcu_read_lock_bh', 'rcu_read_lock_sched', 'local_bh'].includes(v))
      return { kind: 'pseudo', type: v as PseudoLock };
    throw new InteropError(
      where,
      `unknown lock type ${JSON.stringify(v)}; expected one of ${PRIMITIVE_TYPES.join(', ')}, rcu_read_lock, rcu_read_lock_bh, rcu_read_lock_sched, local_bh`,
    );
  }
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    // nothing silently dropped: a member this format does not have is an error
    const known = typeof o.type === 'string' ? ['type'] : ['wait', 'lockType'];
    const extra = Object.keys(o).filter((k) => !known.includes(k));
    if (extra.length)
      throw new InteropError(
        where,
        `unknown member ${JSON.stringify(extra[0])}; an entry is a type name, { "type": T } or { "wait": { "inner": W, "outer"?: W }, "lockType"?: L }`,
      );
    if (typeof o.type === 'string') return entryOf(o.type, where);
    const w = o.wait as Record<string, unknown> | undefined;
    if (
      w &&
      typeof w === 'object' &&
      isWaitTypeName(w.inner) &&
      (w.outer === undefined || isWaitTypeName(w.outer))
    ) {
      const lt = o.lockType;
      if (lt !== undefined && lt !== 'normal' && lt !== 'percpu' && lt !== 'wait-override') {
        throw new InteropError(
          where,
          `lockType must be normal, percpu or wait-override, got ${JSON.stringify(lt)}`,
        );
      }
      return {
        kind: 'map',
        decl: {
          wait: { inner: w.inner, ...(w.outer ? { outer: w.outer } : {}) },
          ...(lt ? { lockType: lt } : {}),
        },
      };
    }
  }
  throw new InteropError(
    where,
    'expected a type name, { "type": T } or { "wait": { "inner": W, "outer"?: W } }',
  );
}

/**
 * Read a classes.json document (docs/interop.md):
 * `{ "classes": { "<name>": T | {type} | {wait}, ... }, "patterns": [ { "match": "<regex>", "type": T }, ... ] }`.
 * A flat object of name → type is accepted too. User entries override built-ins.
 */
export function parseClassTable(json: unknown, base: ClassTable = builtinClassTable()): ClassTable {
  if (!json || typeof json !== 'object' || Array.isArray(json))
    throw new InteropError('classes', 'expected a JSON object');
  const o = json as Record<string, unknown>;
  const names = new Map(base.names);
  const patterns = [...base.patterns];
  const flat = !('classes' in o) && !('patterns' in o);
  const classes = (flat ? o : (o.classes ?? {})) as Record<string, unknown>;
  if (typeof classes !== 'object' || Array.isArray(classes))
    throw new InteropError('classes', '"classes" must be an object of name → type');
  for (const [name, v] of Object.entries(classes)) names.set(name, entryOf(v, `classes.${name}`));
  if (!flat && o.patterns !== undefined) {
    if (!Array.isArray(o.patterns))
      throw new InteropError('patterns', 'expected an array of { "match": regex, "type": T }');
    o.patterns.forEach((p, i) => {
      const pp = p as Record<string, unknown>;
      if (!pp || typeof pp.match !== 'string')
        throw new InteropError(`patterns[${i}]`, 'expected { "match": "<regex>", ... }');
      let re: RegExp;
      try {
        re = new RegExp(pp.match);
      } catch {
        throw new InteropError(
          `patterns[${i}].match`,
          `not a valid regular expression: ${JSON.stringify(pp.match)}`,
        );
      }
      // The pattern's own fields (minus `match`) describe the entry.
      const { match: _m, ...rest } = pp;
      void _m;
      patterns.push({ re, entry: entryOf(rest, `patterns[${i}]`) });
    });
  }
  return { names, patterns };
}
