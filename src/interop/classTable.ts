/**
 * Lock names → primitives. Neither an ftrace lock event nor (without wait types, or
 * with PROVE_RAW_LOCK_NESTING=n numbering) a report says what kind of lock a name is;
 * this table does, for names whose type is known from the kernel sources, and a user
 * table (`--classes classes.json`) adds or overrides entries. Names found nowhere are
 * listed as unknown by the callers, never guessed silently.
 */
import { isWaitTypeName } from '../core/waitType';
import { pointerJoin } from '../trace/errors';
import { JsonSyntaxError, LineIndex, parseJson } from '../trace/json';
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

/** What a pattern needs: a RegExp satisfies it, and so does a glob (globMatcher). */
export interface NameMatcher {
  test(name: string): boolean;
  readonly source: string;
}

/** A class table: exact names, then patterns tried in order. */
export interface ClassTable {
  readonly names: ReadonlyMap<string, ClassEntry>;
  readonly patterns: readonly { readonly re: NameMatcher; readonly entry: ClassEntry }[];
}

/** `seg` (`?` matching any one character) at `at` in `name`. */
function segmentAt(name: string, at: number, seg: string): boolean {
  for (let i = 0; i < seg.length; i++) {
    const c = seg.charCodeAt(i);
    if (c !== 63 /* ? */ && c !== name.charCodeAt(at + i)) return false;
  }
  return true;
}

/**
 * A glob over the whole name: `*` any run of characters, `?` any one. Matched segment by
 * segment, leftmost first (which is exact for globs), so a test costs at most the name's
 * length times the pattern's, never exponential time as a user regex can (`(a+)+$`).
 */
export function globMatcher(glob: string): NameMatcher {
  const parts = glob.split('*');
  const first = parts[0];
  const last = parts[parts.length - 1];
  const middle = parts.slice(1, -1).filter((p) => p !== '');
  return {
    source: glob,
    test(name: string): boolean {
      if (parts.length === 1) return name.length === glob.length && segmentAt(name, 0, glob);
      const end = name.length - last.length;
      if (end < first.length || !segmentAt(name, 0, first) || !segmentAt(name, end, last))
        return false;
      let pos = first.length;
      for (const seg of middle) {
        let at = pos;
        while (at + seg.length <= end && !segmentAt(name, at, seg)) at++;
        if (at + seg.length > end) return false;
        pos = at + seg.length;
      }
      return true;
    },
  };
}

/** Characters of a regular expression that a glob never has: the pattern was meant as one. */
const REGEX_ONLY = /[$+[\\\]^{|}]/;
const MAX_GLOB = 1024;

/** A bad member of a classes document, with its JSON pointer for locating it in the file. */
class ClassTableError extends InteropError {
  constructor(
    where: string,
    message: string,
    readonly pointer: string,
    /** point at the member's key rather than its value */
    readonly atKey = false,
  ) {
    super(where, message);
    this.name = 'ClassTableError';
  }
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

function entryOf(v: unknown, where: string, pointer: string): ClassEntry {
  if (typeof v === 'string') {
    if ((PRIMITIVE_TYPES as readonly string[]).includes(v))
      return { kind: 'primitive', type: v as PrimitiveType };
    if (['rcu_read_lock', 'rcu_read_lock_bh', 'rcu_read_lock_sched', 'local_bh'].includes(v))
      return { kind: 'pseudo', type: v as PseudoLock };
    throw new ClassTableError(
      where,
      `unknown lock type ${JSON.stringify(v)}; expected one of ${PRIMITIVE_TYPES.join(', ')}, rcu_read_lock, rcu_read_lock_bh, rcu_read_lock_sched, local_bh`,
      pointer,
    );
  }
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    // nothing silently dropped: a member this format does not have is an error
    const known = typeof o.type === 'string' ? ['type'] : ['wait', 'lockType'];
    const extra = Object.keys(o).filter((k) => !known.includes(k));
    if (extra.length)
      throw new ClassTableError(
        where,
        `unknown member ${JSON.stringify(extra[0])}; an entry is a type name, { "type": T } or { "wait": { "inner": W, "outer"?: W }, "lockType"?: L }`,
        pointerJoin(pointer, extra[0]),
        true,
      );
    if (typeof o.type === 'string') return entryOf(o.type, where, pointerJoin(pointer, 'type'));
    const w = o.wait as Record<string, unknown> | undefined;
    if (
      w &&
      typeof w === 'object' &&
      isWaitTypeName(w.inner) &&
      (w.outer === undefined || isWaitTypeName(w.outer))
    ) {
      const lt = o.lockType;
      if (lt !== undefined && lt !== 'normal' && lt !== 'percpu' && lt !== 'wait-override') {
        throw new ClassTableError(
          where,
          `lockType must be normal, percpu or wait-override, got ${JSON.stringify(lt)}`,
          pointerJoin(pointer, 'lockType'),
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
  throw new ClassTableError(
    where,
    'expected a type name, { "type": T } or { "wait": { "inner": W, "outer"?: W } }',
    pointer,
  );
}

/**
 * Read a classes.json document (docs/interop.md):
 * `{ "classes": { "<name>": T | {type} | {wait}, ... }, "patterns": [ { "match": "<glob>", "type": T }, ... ] }`.
 * A flat object of name → type is accepted too. User entries override built-ins.
 * `match` is a glob over the whole name (`*`, `?`): a user regex could take exponential time.
 */
export function parseClassTable(json: unknown, base: ClassTable = builtinClassTable()): ClassTable {
  if (!json || typeof json !== 'object' || Array.isArray(json))
    throw new ClassTableError('classes', 'expected a JSON object', '');
  const o = json as Record<string, unknown>;
  const names = new Map(base.names);
  const patterns = [...base.patterns];
  const flat = !('classes' in o) && !('patterns' in o);
  const classes = (flat ? o : (o.classes ?? {})) as Record<string, unknown>;
  const cp = flat ? '' : '/classes';
  if (typeof classes !== 'object' || classes === null || Array.isArray(classes))
    throw new ClassTableError('classes', '"classes" must be an object of name → type', cp);
  for (const [name, v] of Object.entries(classes))
    names.set(name, entryOf(v, `classes.${name}`, pointerJoin(cp, name)));
  if (!flat && o.patterns !== undefined) {
    if (!Array.isArray(o.patterns))
      throw new ClassTableError(
        'patterns',
        'expected an array of { "match": glob, "type": T }',
        '/patterns',
      );
    o.patterns.forEach((p, i) => {
      const pp = p as Record<string, unknown>;
      const at = `/patterns/${i}`;
      if (!pp || typeof pp !== 'object' || typeof pp.match !== 'string')
        throw new ClassTableError(`patterns[${i}]`, 'expected { "match": "<glob>", ... }', at);
      const m = pp.match;
      if (REGEX_ONLY.test(m) || m.length > MAX_GLOB || m === '')
        throw new ClassTableError(
          `patterns[${i}].match`,
          `found ${JSON.stringify(m.slice(0, 80))}${m === '' ? ' (empty)' : m.length > MAX_GLOB ? ` (${m.length} characters)` : ', a regular expression'}; expected a glob of at most ${MAX_GLOB} characters over the whole name (* any run, ? one character), e.g. "*mtx" for names ending in mtx`,
          `${at}/match`,
        );
      // The pattern's own fields (minus `match`) describe the entry.
      const { match: _m, ...rest } = pp;
      void _m;
      patterns.push({ re: globMatcher(m), entry: entryOf(rest, `patterns[${i}]`, at) });
    });
  }
  return { names, patterns };
}

/**
 * Read a classes.json file's text: syntax errors and bad members are errors located
 * `file:line:col`, as trace errors are.
 */
export function parseClassTableText(
  text: string,
  file: string,
  base: ClassTable = builtinClassTable(),
): ClassTable {
  let doc;
  try {
    doc = parseJson(text, true);
  } catch (e) {
    if (!(e instanceof JsonSyntaxError)) throw e;
    const pos = new LineIndex(text).position(e.offset);
    throw new InteropError(
      `${file}:${pos.line}:${pos.column}`,
      `found ${e.found}, expected ${e.expected}`,
    );
  }
  try {
    return parseClassTable(doc.value, base);
  } catch (e) {
    if (!(e instanceof ClassTableError)) throw e;
    // the deepest recorded ancestor of the pointer (a value the parser saw)
    let p = e.pointer;
    let off = (e.atKey ? doc.keyAt.get(p) : undefined) ?? doc.valueAt.get(p);
    while (off === undefined && p !== '') {
      p = p.slice(0, p.lastIndexOf('/'));
      off = doc.valueAt.get(p);
    }
    const pos = new LineIndex(text).position(off ?? 0);
    throw new InteropError(`${file}:${pos.line}:${pos.column}`, e.message);
  }
}
