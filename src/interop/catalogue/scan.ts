/**
 * Lock classes declared in C source, named as lockdep names them.
 *
 * Lockdep's class name is the stringified argument of the init macro (`spin_lock_init(&zone->lock)`
 * registers "&zone->lock": include/linux/spinlock.h passes `#lock` to __raw_spin_lock_init()),
 * the variable of a static definition (`DEFINE_SPINLOCK(x)` expands to `__SPIN_LOCK_UNLOCKED(x)`,
 * whose dep_map is named `#x`), the argument of a static initialiser, or the string given to
 * `__mutex_init()` / `lockdep_set_class_and_name()`. The type comes from the macro and is
 * cross-checked against the declared type of the member or variable in the same file.
 */
import type { LockTypeName, WaitTypeName } from '../../core/waitType';
import type { LockTypeTag } from '../../trace/schema';
import { lexFile, stringify, stringValue, type Define, type Token } from './lexer';

/** What a site declares: a primitive, or a wait queue (whose spinlock carries the class). */
type DeclKind = LockTypeTag | 'wait_queue_head';

/**
 * A bare lockdep_map (a work item, a workqueue, a timer, console_owner...): not a lock,
 * but a class lockdep checks with the wait types its initialiser gave it, in the
 * class-table form (`{ "wait": { "inner": "inv" } }`, docs/whatif.md).
 */
export interface MapClass {
  readonly wait: { readonly inner: WaitTypeName; readonly outer?: WaitTypeName };
  readonly lockType?: LockTypeName;
}

/** What a class is: a primitive, or a lockdep_map with its wait types. */
export type CatalogueType = LockTypeTag | MapClass;

/** A type as one word, for comparing and for messages: `spinlock`, `lockdep_map(inv)`. */
export function typeKey(t: CatalogueType): string {
  if (typeof t === 'string') return t;
  const w = t.wait.outer ? `${t.wait.inner}/${t.wait.outer}` : t.wait.inner;
  return `lockdep_map(${w}${t.lockType && t.lockType !== 'normal' ? ` ${t.lockType}` : ''})`;
}

/** One place a class is declared. */
export interface CatalogueSite {
  readonly name: string;
  readonly type: CatalogueType;
  readonly file: string;
  readonly line: number;
  /** the macro or function that declared it */
  readonly via: string;
}

/** A site whose macro disagrees with the declared type of its member. */
interface SiteConflict {
  readonly site: CatalogueSite;
  readonly member: string;
  readonly declared: string;
  readonly declaredAt: number;
}

export interface FileScan {
  readonly sites: readonly CatalogueSite[];
  readonly conflicts: readonly SiteConflict[];
}

const KIND_TYPE: Readonly<Record<DeclKind, LockTypeTag>> = {
  raw_spinlock: 'raw_spinlock',
  spinlock: 'spinlock',
  rwlock: 'rwlock',
  local_lock: 'local_lock',
  mutex: 'mutex',
  rwsem: 'rwsem',
  rt_mutex: 'rt_mutex',
  srcu: 'srcu',
  seqcount: 'seqcount',
  percpu_rwsem: 'percpu_rwsem',
  // init_waitqueue_head() initialises wq_head->lock with lockdep_set_class_and_name()
  wait_queue_head: 'spinlock',
};

/** `<type> <name>` declarations: typedef names... */
const TYPEDEFS: Readonly<Record<string, DeclKind>> = {
  raw_spinlock_t: 'raw_spinlock',
  spinlock_t: 'spinlock',
  rwlock_t: 'rwlock',
  local_lock_t: 'local_lock',
  local_trylock_t: 'local_lock',
  seqcount_t: 'seqcount',
  wait_queue_head_t: 'wait_queue_head',
};

/** ...and `struct <tag> <name>`. */
const STRUCTS: Readonly<Record<string, DeclKind>> = {
  mutex: 'mutex',
  rw_semaphore: 'rwsem',
  rt_mutex: 'rt_mutex',
  srcu_struct: 'srcu',
  percpu_rw_semaphore: 'percpu_rwsem',
  wait_queue_head: 'wait_queue_head',
};

type Naming =
  /** the class name is the stringified first argument */
  | 'arg'
  /** ... followed by `.lock` (a wait queue head's spinlock) */
  | 'arg.lock'
  /** ... in parentheses, as a macro that passes `(arg)` on to `#` makes it (timer_setup()) */
  | '(arg)'
  /** ... in two (setup_timer() passes `(timer)` to __setup_timer(), which passes `(_timer)` on) */
  | '((arg))'
  /** `(arg).work`: DECLARE_DELAYED_WORK(n, f) names its work item's map `#n` of `(n).work` */
  | '(arg).work'
  /** the string literal (or a string table's entries) given as the first argument */
  | 'string1'
  /** ... as the second argument */
  | 'string2'
  /** ... as the third argument */
  | 'string3'
  /** `__func__`: the enclosing function (rt_mutex_init()) */
  | 'func'
  /** the stringified second argument: the key (lockdep_set_class(lock, &key) names the class `#key`) */
  | 'arg2'
  /** the first argument followed by `_mutex` (DEFINE_WW_CLASS(x) names its mutexes `#x "_mutex"`) */
  | 'arg_mutex'
  /** ... followed by `_acquire` (the acquire context's map, `#x "_acquire"`) */
  | 'arg_acquire'
  /** ... followed by `-wait-type-override` (DEFINE_WAIT_OVERRIDE_MAP) */
  | 'arg-override'
  /** a learned wrapper: the string literal at `nameArg` */
  | 'stringAt'
  /** a learned wrapper macro: `prefix` + the stringified argument `template.arg` + `suffix` */
  | 'template';

/**
 * Where a map's wait types come from: fixed (lockdep_init_map() is LD_WAIT_INV), or the
 * arguments at these positions (`LD_WAIT_*` and `LD_LOCK_*` constants).
 */
interface MapSpec {
  readonly inner: WaitTypeName | number;
  readonly outer?: number;
  readonly lockType?: number | LockTypeName;
}

interface MacroSpec {
  readonly kind: DeclKind | 'declared' | 'map';
  readonly naming: Naming;
  /** 'stringAt': the argument holding the name */
  readonly nameArg?: number;
  /** 'template' */
  readonly template?: { readonly prefix: string; readonly arg: number; readonly suffix: string };
  /** a statement-like call (skipped when it looks like a prototype); else a definition or initialiser */
  readonly call: boolean;
  /** the first argument is the lock (cross-check its member's declared type) */
  readonly checkMember: boolean;
  /** kind 'map': its wait types */
  readonly map?: MapSpec;
  /** another class the same macro declares (DEFINE_WW_CLASS: the acquire context's map) */
  readonly also?: MacroSpec;
}

const init = (kind: DeclKind, naming: Naming = 'arg'): MacroSpec => ({
  kind,
  naming,
  call: true,
  checkMember: true,
});
const define = (kind: DeclKind, naming: Naming = 'arg'): MacroSpec => ({
  kind,
  naming,
  call: false,
  checkMember: false,
});
const initializer = (kind: DeclKind, naming: Naming = 'arg'): MacroSpec => ({
  kind,
  naming,
  call: false,
  checkMember: true,
});
const map = (naming: Naming, m: MapSpec, call = true): MacroSpec => ({
  kind: 'map',
  naming,
  call,
  checkMember: false,
  map: m,
});

/** A map lockdep_init_map() made: no wait type, so check_wait_context() skips it. */
const INV: MapSpec = { inner: 'inv' };

/** The macros and functions that give a lock its class (include/linux/*.h). */
const MACROS: Readonly<Record<string, MacroSpec>> = {
  raw_spin_lock_init: init('raw_spinlock'),
  spin_lock_init: init('spinlock'),
  rwlock_init: init('rwlock'),
  mutex_init: init('mutex'),
  init_rwsem: init('rwsem'),
  local_lock_init: init('local_lock'),
  local_trylock_init: init('local_lock'),
  seqcount_init: init('seqcount'),
  init_srcu_struct: init('srcu'),
  percpu_init_rwsem: init('percpu_rwsem'),
  rt_mutex_init: init('rt_mutex', 'func'),
  init_waitqueue_head: init('wait_queue_head'),
  __mutex_init: init('mutex', 'string2'),
  __init_rwsem: init('rwsem', 'string2'),
  __raw_spin_lock_init: init('raw_spinlock', 'string2'),
  __rwlock_init: init('rwlock', 'string2'),
  __init_waitqueue_head: init('wait_queue_head', 'string2'),
  __rt_mutex_init: init('rt_mutex', 'string2'),
  // fs/super.c: __percpu_init_rwsem(&s->s_writers.rw_sem[i], sb_writers_name[i], key)
  __percpu_init_rwsem: init('percpu_rwsem', 'string2'),
  lockdep_set_class_and_name: {
    kind: 'declared',
    naming: 'string3',
    call: true,
    checkMember: true,
  },
  // lockdep_set_class(lock, key) is lockdep_set_class_and_name(lock, key, #key)
  lockdep_set_class: { kind: 'declared', naming: 'arg2', call: true, checkMember: true },
  // include/linux/ww_mutex.h: DEFINE_WW_CLASS(x) / DEFINE_WD_CLASS(x) give the class's
  // mutexes the name `#x "_mutex"`, and ww_acquire_init() gives the acquire context's
  // map `#x "_acquire"` with lockdep_init_map(): no wait type
  DEFINE_WW_CLASS: { ...define('mutex', 'arg_mutex'), also: map('arg_acquire', INV, false) },
  DEFINE_WD_CLASS: { ...define('mutex', 'arg_mutex'), also: map('arg_acquire', INV, false) },
  DEFINE_SPINLOCK: define('spinlock'),
  DEFINE_RAW_SPINLOCK: define('raw_spinlock'),
  DEFINE_MUTEX: define('mutex'),
  DECLARE_RWSEM: define('rwsem'),
  DEFINE_RWLOCK: define('rwlock'),
  DEFINE_RT_MUTEX: define('rt_mutex'),
  DEFINE_SRCU: define('srcu'),
  DEFINE_STATIC_SRCU: define('srcu'),
  DEFINE_PERCPU_RWSEM: define('percpu_rwsem'),
  DEFINE_STATIC_PERCPU_RWSEM: define('percpu_rwsem'),
  DECLARE_WAIT_QUEUE_HEAD: define('wait_queue_head', 'arg.lock'),
  __RAW_SPIN_LOCK_UNLOCKED: initializer('raw_spinlock'),
  __SPIN_LOCK_UNLOCKED: initializer('spinlock'),
  __RW_LOCK_UNLOCKED: initializer('rwlock'),
  __MUTEX_INITIALIZER: initializer('mutex'),
  __RWSEM_INITIALIZER: initializer('rwsem'),
  INIT_LOCAL_LOCK: initializer('local_lock'),
  SEQCNT_ZERO: initializer('seqcount'),
  __WAIT_QUEUE_HEAD_INITIALIZER: initializer('wait_queue_head', 'arg.lock'),
  // include/linux/lockdep.h: lockdep_init_map() is lockdep_init_map_wait(.., LD_WAIT_INV),
  // which is lockdep_init_map_waits(.., inner, LD_WAIT_INV), which is
  // lockdep_init_map_type(.., inner, outer, LD_LOCK_NORMAL)
  lockdep_init_map: map('string2', INV),
  lockdep_init_map_wait: map('string2', { inner: 4 }),
  lockdep_init_map_waits: map('string2', { inner: 4, outer: 5 }),
  lockdep_init_map_type: map('string2', { inner: 4, outer: 5, lockType: 6 }),
  // STATIC_LOCKDEP_MAP_INIT(name, key) is `{ .name = (name), .key = (key) }`: no wait type
  STATIC_LOCKDEP_MAP_INIT: map('string1', INV, false),
  // include/linux/workqueue.h: DECLARE_WORK(n, f) initialises n.lockdep_map with
  // STATIC_LOCKDEP_MAP_INIT(#n, ..); DECLARE_DELAYED_WORK(n, f) does it for `(n).work`
  // DEFINE_WAIT_OVERRIDE_MAP(name, W): `.name = #name "-wait-type-override"`, inner W,
  // LD_LOCK_WAIT_OVERRIDE (v6.5+)
  DEFINE_WAIT_OVERRIDE_MAP: map('arg-override', { inner: 1, lockType: 'wait-override' }, false),
  DECLARE_WORK: map('arg', INV, false),
  DECLARE_DELAYED_WORK: map('(arg).work', INV, false),
  DECLARE_DEFERRABLE_WORK: map('(arg).work', INV, false),
  // include/linux/timer.h: timer_setup(t, f, fl) is __init_timer((t), ..), which passes
  // #_timer, `(t)`, to init_timer_key(), whose lockdep_init_map() gives no wait type;
  // setup_timer() (before v4.15 and until v4.19) wraps its argument once more
  timer_setup: map('(arg)', INV),
  timer_setup_on_stack: map('(arg)', INV),
  init_timer: map('(arg)', INV),
  setup_timer: map('((arg))', INV),
  setup_timer_on_stack: map('((arg))', INV),
};

/** `table[key]` for a C identifier: own members only (`constructor` is not a macro). */
function own<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;
}

/** `LD_WAIT_*` (include/linux/lockdep_types.h) as the class table spells them. */
const WAIT_CONSTANTS: Readonly<Record<string, WaitTypeName>> = {
  LD_WAIT_INV: 'inv',
  LD_WAIT_FREE: 'free',
  LD_WAIT_SPIN: 'spin',
  LD_WAIT_CONFIG: 'config',
  LD_WAIT_SLEEP: 'sleep',
};

/** `LD_LOCK_*`. */
const LOCK_TYPE_CONSTANTS: Readonly<Record<string, LockTypeName>> = {
  LD_LOCK_NORMAL: 'normal',
  LD_LOCK_PERCPU: 'percpu',
  LD_LOCK_WAIT_OVERRIDE: 'wait-override',
};

/** A lock operation's name → the kind of lock the compiler requires its argument to be. */
function operationKind(op: string): DeclKind | undefined {
  if (op.startsWith('raw_spin_lock') || op.startsWith('raw_spin_trylock')) return 'raw_spinlock';
  if (op.startsWith('spin_lock') || op.startsWith('spin_trylock')) return 'spinlock';
  if (op.startsWith('mutex_lock') || op === 'mutex_trylock') return 'mutex';
  if (op.startsWith('percpu_down_')) return 'percpu_rwsem';
  if (op.startsWith('down_read') || op.startsWith('down_write')) return 'rwsem';
  if (op.startsWith('read_lock') || op.startsWith('write_lock')) return 'rwlock';
  return undefined;
}

/** Identifiers that may precede a call statement (others make it a prototype or a definition). */
const BEFORE_CALL = new Set(['else', 'return', 'do']);

/** An array dimension longer than this is not a string table's. */
const MAX_DIMENSION_TOKENS = 64;

/** A call whose closing parenthesis is further than this is not one we can read. */
const MAX_CALL_TOKENS = 4096;

/** Arguments of the call whose `(` is at `open`: token ranges, or null when unbalanced. */
function callArgs(toks: readonly Token[], open: number): { args: Token[][]; end: number } | null {
  const args: Token[][] = [[]];
  let depth = 0;
  const limit = Math.min(toks.length, open + MAX_CALL_TOKENS);
  for (let i = open + 1; i < limit; i++) {
    const t = toks[i];
    if (t.kind === 'punct') {
      const c = t.text;
      if (c === '(' || c === '[' || c === '{') depth++;
      else if (c === ')' || c === ']' || c === '}') {
        if (depth === 0) return c === ')' ? { args, end: i } : null;
        depth--;
      } else if (c === ',' && depth === 0) {
        args.push([]);
        continue;
      } else if (c === ';' && depth === 0) return null;
    }
    args[args.length - 1].push(t);
  }
  return null;
}

/** The member or variable an argument names: its last identifier outside brackets. */
function memberOf(arg: readonly Token[]): string | null {
  let depth = 0;
  let last: string | null = null;
  for (const t of arg) {
    if (t.kind === 'punct') {
      if (t.text === '[' || t.text === '(') depth++;
      else if (t.text === ']' || t.text === ')') depth = Math.max(0, depth - 1);
    } else if (t.kind === 'ident' && depth === 0) last = t.text;
  }
  return last;
}

/** A string literal argument (adjacent literals concatenated), or null. */
function literal(arg: readonly Token[] | undefined): string | null {
  if (!arg || arg.length === 0) return null;
  let s = '';
  for (const t of arg) {
    const v = stringValue(t);
    if (v === null) return null;
    s += v;
  }
  return s;
}

/** Declarations in one file: member or variable name → declared kinds and the first line. */
interface Declarations {
  /** `spinlock_t lock;`, `struct mutex m[4];` */
  readonly direct: Map<string, Map<DeclKind, number>>;
  /** `spinlock_t *lock` (a parameter): what a bare `lock` argument points to */
  readonly pointers: Map<string, Map<DeclKind, number>>;
}

function declarations(toks: readonly Token[]): Declarations {
  const direct = new Map<string, Map<DeclKind, number>>();
  const pointers = new Map<string, Map<DeclKind, number>>();
  const add = (
    into: Map<string, Map<DeclKind, number>>,
    name: string,
    kind: DeclKind,
    line: number,
  ) => {
    let m = into.get(name);
    if (!m) into.set(name, (m = new Map<DeclKind, number>()));
    if (!m.has(kind)) m.set(kind, line);
  };
  for (let i = 0; i + 1 < toks.length; i++) {
    const t = toks[i];
    if (t.kind !== 'ident') continue;
    let kind: DeclKind | undefined;
    let j = i + 1;
    if (t.text === 'struct' && toks[i + 1].kind === 'ident') {
      kind = own(STRUCTS, toks[i + 1].text);
      j = i + 2;
    } else kind = own(TYPEDEFS, t.text);
    if (kind === undefined || j >= toks.length) continue;
    // `spinlock_t a, *b, c[4];`: every declarator, pointers apart
    for (;;) {
      let pointer = false;
      while (j < toks.length && toks[j].kind === 'punct' && toks[j].text === '*') {
        pointer = true;
        j++;
      }
      if (j >= toks.length || toks[j].kind !== 'ident') break;
      const next = toks[j + 1];
      if (next && next.kind === 'punct' && next.text === '(') break; // a function returning one
      add(pointer ? pointers : direct, toks[j].text, kind, toks[j].line);
      // skip an array suffix, then continue after a comma
      let k = j + 1;
      while (k < toks.length && toks[k].kind === 'punct' && toks[k].text === '[') {
        while (k < toks.length && !(toks[k].kind === 'punct' && toks[k].text === ']')) k++;
        k++;
      }
      if (k < toks.length && toks[k].kind === 'punct' && toks[k].text === ',') j = k + 1;
      else break;
    }
  }
  return { direct, pointers };
}

/**
 * String tables: `static char *sb_writers_name[SB_FREEZE_LEVELS] = { "sb_writers", ... }`
 * (fs/super.c), `netdev_lock_name[] = { "_xmit_NETROM", ... }` (net/core/dev.c). A class
 * named `table[i]` is each of them. Only initialisers made of string literals count.
 */
function stringTables(toks: readonly Token[]): Map<string, string[]> {
  const tables = new Map<string, string[]>();
  const is = (k: number, text: string) =>
    k < toks.length && toks[k].kind === 'punct' && toks[k].text === text;
  for (let i = 0; i + 1 < toks.length; i++) {
    if (toks[i].kind !== 'ident' || !is(i + 1, '[')) continue;
    // an array size is a short expression: a bounded look keeps `a[a[a[...` linear
    let k = i + 2;
    const limit = Math.min(toks.length, k + MAX_DIMENSION_TOKENS);
    while (k < limit && !is(k, ']') && !is(k, ';') && !is(k, '{')) k++;
    if (!is(k, ']') || !is(k + 1, '=') || !is(k + 2, '{')) continue;
    const strings: string[] = [];
    let ok = true;
    let cur = '';
    let any = false;
    for (k += 3; k < toks.length && !is(k, '}'); k++) {
      const t = toks[k];
      const v = stringValue(t);
      if (v !== null) {
        cur += v; // adjacent literals are one string
        any = true;
      } else if (is(k, ',') && any) {
        strings.push(cur);
        cur = '';
        any = false;
      } else {
        ok = false;
        break;
      }
    }
    if (any) strings.push(cur);
    if (ok && strings.length > 0 && is(k, '}')) tables.set(toks[i].text, strings);
    i = k;
  }
  return tables;
}

/** Lock operations on each lock expression, as written: `raw_spin_lock(&cpuctx->ctx.lock)`. */
function operations(toks: readonly Token[]): Map<string, Set<DeclKind>> {
  const ops = new Map<string, Set<DeclKind>>();
  for (let i = 0; i + 1 < toks.length; i++) {
    const t = toks[i];
    if (t.kind !== 'ident' || own(MACROS, t.text)) continue;
    const next = toks[i + 1];
    if (next.kind !== 'punct' || next.text !== '(') continue;
    const kind = operationKind(t.text);
    if (!kind) continue;
    const call = callArgs(toks, i + 1);
    if (!call || call.args[0].length === 0) continue;
    const lock = stringify(call.args[0]);
    let s = ops.get(lock);
    if (!s) ops.set(lock, (s = new Set()));
    s.add(kind);
    i = call.end;
  }
  return ops;
}

/**
 * `struct lockdep_map x = { .name = "console_owner", .wait_type_inner = LD_WAIT_.. }`
 * (kernel/printk/printk.c, kernel/rcu/update.c): a static map, its name and wait types.
 * Returns the index after the initialiser, or -1 when `toks[i]` does not start one.
 */
function staticMap(
  toks: readonly Token[],
  i: number,
  file: string,
  sites: CatalogueSite[],
): number {
  const is = (k: number, text: string) =>
    k < toks.length && toks[k].kind === 'punct' && toks[k].text === text;
  // struct lockdep_map <ident> = {
  if (
    !(toks[i + 1]?.kind === 'ident' && toks[i + 1].text === 'lockdep_map') ||
    toks[i + 2]?.kind !== 'ident' ||
    !is(i + 3, '=') ||
    !is(i + 4, '{')
  )
    return -1;
  let name: string | null = null;
  // null: given, but not as a constant this table knows; the map is then left out
  let inner: WaitTypeName | null = 'inv';
  let outer: WaitTypeName | null | undefined;
  let lockType: LockTypeName | null | undefined;
  let depth = 0;
  let k = i + 5;
  const limit = Math.min(toks.length, k + MAX_CALL_TOKENS);
  for (; k < limit; k++) {
    const t = toks[k];
    if (t.kind === 'punct' && (t.text === '{' || t.text === '(')) depth++;
    else if (t.kind === 'punct' && (t.text === '}' || t.text === ')')) {
      if (depth === 0) break;
      depth--;
    } else if (depth === 0 && is(k, '.') && toks[k + 1]?.kind === 'ident' && is(k + 2, '=')) {
      const field = toks[k + 1].text;
      const v = toks[k + 3];
      if (field === 'name') {
        let s = '';
        let m = k + 3;
        while (m < toks.length && stringValue(toks[m]) !== null) s += stringValue(toks[m++]);
        name = m > k + 3 ? s : null;
      } else if (v?.kind === 'ident') {
        const w = own(WAIT_CONSTANTS, v.text);
        const l = own(LOCK_TYPE_CONSTANTS, v.text);
        if (field === 'wait_type_inner') inner = w ?? null;
        if (field === 'wait_type_outer') outer = w ?? null;
        if (field === 'lock_type') lockType = l ?? null;
      }
    }
  }
  if (name && inner !== null && outer !== null && lockType !== null)
    sites.push({
      name,
      type: mapClass(inner, outer, lockType),
      file,
      line: toks[i + 2].line,
      via: 'struct lockdep_map',
    });
  return k;
}

function mapClass(inner: WaitTypeName, outer?: WaitTypeName, lockType?: LockTypeName): MapClass {
  return {
    wait: { inner, ...(outer && outer !== 'inv' ? { outer } : {}) },
    ...(lockType && lockType !== 'normal' ? { lockType } : {}),
  };
}

/** A map's wait types from a call's arguments; null when one is not a constant. */
function mapTypeOf(m: MapSpec, args: readonly Token[][]): MapClass | null {
  const constant = <T>(table: Readonly<Record<string, T>>, at: number): T | null => {
    const a = args[at];
    return a && a.length === 1 && a[0].kind === 'ident' ? (own(table, a[0].text) ?? null) : null;
  };
  const inner = typeof m.inner === 'number' ? constant(WAIT_CONSTANTS, m.inner) : m.inner;
  const outer = m.outer === undefined ? undefined : constant(WAIT_CONSTANTS, m.outer);
  const lockType =
    typeof m.lockType === 'number' ? constant(LOCK_TYPE_CONSTANTS, m.lockType) : m.lockType;
  if (inner === null || outer === null || lockType === null) return null;
  return mapClass(inner, outer, lockType);
}

/** The names a string argument gives: a literal, or every entry of `table[i]`. */
function stringNames(arg: readonly Token[] | undefined, tables: Map<string, string[]>): string[] {
  const s = literal(arg);
  if (s !== null) return [s];
  if (
    arg &&
    arg.length >= 3 &&
    arg[0].kind === 'ident' &&
    arg[1].kind === 'punct' &&
    arg[1].text === '[' &&
    arg[arg.length - 1].kind === 'punct' &&
    arg[arg.length - 1].text === ']'
  )
    return tables.get(arg[0].text) ?? [];
  return [];
}

/** The class names a macro call gives. */
function namesOf(
  spec: MacroSpec,
  args: readonly Token[][],
  func: string | null,
  tables: Map<string, string[]>,
): string[] {
  const first = args[0];
  const one = (n: string | null) => (n === null || n === '' ? [] : [n]);
  const naming = spec.naming;
  switch (naming) {
    case 'stringAt':
      return stringNames(args[spec.nameArg ?? 0], tables);
    case 'template': {
      const t = spec.template!;
      const a = args[t.arg];
      return a && a.length > 0 ? [`${t.prefix}${stringify(a)}${t.suffix}`] : [];
    }
    case 'arg':
      return one(stringify(first));
    case 'arg.lock':
      return one(`${stringify(first)}.lock`);
    case '(arg)':
      return one(`(${stringify(first)})`);
    case '((arg))':
      return one(`((${stringify(first)}))`);
    case '(arg).work':
      return one(`(${stringify(first)}).work`);
    case 'string1':
      return stringNames(first, tables);
    case 'string2':
      return stringNames(args[1], tables);
    case 'string3':
      return stringNames(args[2], tables);
    case 'func':
      return one(func);
    case 'arg2':
      return args[1] && args[1].length > 0 ? one(stringify(args[1])) : [];
    case 'arg-override':
      return first.length === 1 && first[0].kind === 'ident'
        ? [`${first[0].text}-wait-type-override`]
        : [];
    case 'arg_mutex':
    case 'arg_acquire':
      return first.length === 1 && first[0].kind === 'ident'
        ? [`${first[0].text}${naming === 'arg_mutex' ? '_mutex' : '_acquire'}`]
        : [];
  }
}

/** The one kind a set of declarations gives, if exactly one. */
function single(m: Map<DeclKind, number> | undefined): [DeclKind, number] | null {
  return m && m.size === 1 ? [...m.entries()][0] : null;
}

/** The tokens a call's class name is made of (`func`: none of the call's). */
function namingTokens(spec: MacroSpec, args: readonly Token[][]): readonly Token[] | null {
  switch (spec.naming) {
    case 'string2':
    case 'arg2':
      return args[1] ?? [];
    case 'string3':
      return args[2] ?? [];
    case 'stringAt':
      return args[spec.nameArg ?? 0] ?? [];
    case 'template':
      return args[spec.template!.arg] ?? [];
    case 'func':
      return null;
    default:
      return args[0];
  }
}

/**
 * Wrappers a subsystem writes around the init functions, learned as the scan meets them
 * and used from then on (CatalogueBuilder scans headers first): a function that passes
 * its parameter on as the name (`__init_f2fs_rwsem(sem, sem_name, key)` calls
 * `__init_rwsem(&sem->internal_rwsem, sem_name, key)`), and a macro that passes `#param`
 * (`init_f2fs_rwsem(sem)` calls `__init_f2fs_rwsem((sem), #sem, &__key)`).
 */
export type Wrappers = Map<string, MacroSpec>;

/** A spec whose class type is fixed (a wrapper of it is a wrapper of that type). */
function fixedKind(spec: MacroSpec): DeclKind | null {
  return spec.kind === 'declared' || spec.kind === 'map' ? null : spec.kind;
}

/** The argument that holds a spec's name, if it is a string the caller gives. */
function stringArg(spec: MacroSpec): number | null {
  switch (spec.naming) {
    case 'string1':
      return 0;
    case 'string2':
      return 1;
    case 'string3':
      return 2;
    case 'stringAt':
      return spec.nameArg ?? null;
    default:
      return null;
  }
}

/** Functions that pass a parameter on as the class name. */
function learnFunctions(toks: readonly Token[], wrappers: Wrappers): void {
  let depth = 0;
  let sig: { name: string; params: string[] } | null = null;
  let fn: { name: string; params: string[] } | null = null;
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i];
    if (t.kind === 'punct') {
      if (t.text === '{') {
        if (depth === 0) fn = sig;
        depth++;
      } else if (t.text === '}') {
        depth = Math.max(0, depth - 1);
        if (depth === 0) fn = null;
      } else if (t.text === ';' && depth === 0) sig = null;
      continue;
    }
    if (t.kind !== 'ident' || toks[i + 1]?.kind !== 'punct' || toks[i + 1].text !== '(') continue;
    if (depth === 0) {
      const sigCall = callArgs(toks, i + 1);
      if (!sigCall) continue;
      sig = { name: t.text, params: sigCall.args.map((a) => memberOf(a) ?? '') };
      i = sigCall.end;
      continue;
    }
    // only a known call's arguments are read: nested calls are not read twice
    const spec = own(MACROS, t.text) ?? wrappers.get(t.text);
    const at = spec ? stringArg(spec) : null;
    const kind = spec ? fixedKind(spec) : null;
    if (!fn || at === null || kind === null) continue;
    const call = callArgs(toks, i + 1);
    if (!call) continue;
    const a = call.args[at];
    const j = a && a.length === 1 && a[0].kind === 'ident' ? fn.params.indexOf(a[0].text) : -1;
    if (j >= 0 && !own(MACROS, fn.name))
      wrappers.set(fn.name, {
        kind,
        naming: 'stringAt',
        nameArg: j,
        call: true,
        checkMember: false,
      });
  }
}

/** `#param` among string literals: the template it makes, or null. */
function stringifiedParam(
  arg: readonly Token[],
  params: readonly string[],
): { prefix: string; arg: number; suffix: string } | null {
  let prefix = '';
  let suffix = '';
  let param = -1;
  for (let k = 0; k < arg.length; k++) {
    const t = arg[k];
    const v = stringValue(t);
    if (v !== null) {
      if (param < 0) prefix += v;
      else suffix += v;
    } else if (t.kind === 'punct' && t.text === '#' && param < 0 && arg[k + 1]?.kind === 'ident') {
      param = params.indexOf(arg[++k].text);
      if (param < 0) return null;
    } else return null;
  }
  return param < 0 ? null : { prefix, arg: param, suffix };
}

/** `param` or `(param)`: the parameter's index and whether it is parenthesised. */
function passedParam(
  arg: readonly Token[] | undefined,
  params: readonly string[],
): { index: number; parens: boolean } | null {
  if (!arg) return null;
  const inner =
    arg.length === 3 && arg[0].text === '(' && arg[2].text === ')' ? arg.slice(1, 2) : arg;
  if (inner.length !== 1 || inner[0].kind !== 'ident') return null;
  const index = params.indexOf(inner[0].text);
  return index < 0 ? null : { index, parens: inner !== arg };
}

/** Function-like macros that hand their argument, stringified, to a known init. */
function learnDefines(defines: readonly Define[], wrappers: Wrappers): void {
  // twice: a macro may use one defined after it
  for (let round = 0; round < 2; round++)
    for (const d of defines) {
      if (own(MACROS, d.name) || wrappers.has(d.name)) continue;
      const b = d.body;
      for (let i = 0; i + 1 < b.length; i++) {
        if (b[i].kind !== 'ident' || b[i + 1].kind !== 'punct' || b[i + 1].text !== '(') continue;
        const spec = own(MACROS, b[i].text) ?? wrappers.get(b[i].text);
        const kind = spec ? fixedKind(spec) : null;
        if (!spec || kind === null) continue;
        const call = callArgs(b, i + 1);
        if (!call) continue;
        let template: { prefix: string; arg: number; suffix: string } | null = null;
        const at = stringArg(spec);
        if (at !== null && call.args[at]) template = stringifiedParam(call.args[at], d.params);
        else if (spec.naming === 'arg' || spec.naming === 'template') {
          const inner = spec.template ?? { prefix: '', arg: 0, suffix: '' };
          const p = passedParam(call.args[inner.arg], d.params);
          if (p)
            template = {
              prefix: `${inner.prefix}${p.parens ? '(' : ''}`,
              arg: p.index,
              suffix: `${p.parens ? ')' : ''}${inner.suffix}`,
            };
        }
        if (template) {
          // a definition stays one (`static DEFINE_FOO(x);`), a call a call
          wrappers.set(d.name, {
            kind,
            naming: 'template',
            template,
            call: spec.call,
            checkMember: false,
          });
          break;
        }
      }
    }
}

/** What scanning one token list needs and fills. */
interface ScanState {
  readonly file: string;
  readonly decls: Declarations;
  readonly tables: Map<string, string[]>;
  readonly wrappers: Wrappers;
  readonly sites: CatalogueSite[];
  readonly conflicts: SiteConflict[];
  /** the lock each init call in this file initialised, as written → its kind */
  readonly initialised: Map<string, DeclKind>;
  ops: Map<string, Set<DeclKind>> | null;
  readonly allTokens: readonly Token[];
}

/**
 * Scan one file's text. Memory is proportional to the file; time is linear in it (each
 * call's arguments are read once, at most MAX_CALL_TOKENS tokens each). `wrappers` is
 * read and extended: wrappers learned here are known to the files scanned after.
 */
export function scanSource(text: string, file: string, wrappers: Wrappers = new Map()): FileScan {
  const { tokens: toks, defines } = lexFile(text);
  learnFunctions(toks, wrappers);
  learnDefines(defines, wrappers);
  const st: ScanState = {
    file,
    decls: declarations(toks),
    tables: stringTables(toks),
    wrappers,
    sites: [],
    conflicts: [],
    initialised: new Map(),
    ops: null,
    allTokens: toks,
  };
  scanTokens(toks, st, null);
  // a macro body is read for classes that do not depend on its parameters:
  // `lockdep_set_class(&(dev)->lock, &dev_instance_lock_key)` in
  // netdev_lockdep_set_classes(dev) names the class `&dev_instance_lock_key`
  for (const d of defines) scanTokens(d.body, st, new Set(d.params));
  return { sites: st.sites, conflicts: st.conflicts };
}

/** Sites in `toks`; `params`: a macro body's parameters, which no kept name may use. */
function scanTokens(toks: readonly Token[], st: ScanState, params: Set<string> | null): void {
  const { file, decls, tables, sites, conflicts, initialised } = st;
  // the enclosing function, for rt_mutex_init()'s __func__
  let depth = 0;
  let lastCallee: string | null = null;
  let func: string | null = null;
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i];
    if (t.kind === 'punct') {
      if (t.text === '{') {
        if (depth === 0) func = lastCallee;
        depth++;
      } else if (t.text === '}') {
        depth = Math.max(0, depth - 1);
        if (depth === 0) func = null;
      } else if (t.text === ';' && depth === 0) lastCallee = null;
      continue;
    }
    if (t.kind !== 'ident') continue;
    if (t.text === 'struct') {
      const end = staticMap(toks, i, file, params ? [] : sites);
      if (end >= 0) i = end;
      continue;
    }
    const next = toks[i + 1];
    if (!next || next.kind !== 'punct' || next.text !== '(') continue;
    if (depth === 0) lastCallee = t.text;
    const spec = own(MACROS, t.text) ?? st.wrappers.get(t.text);
    if (!spec) continue;
    if (spec.call) {
      const prev = toks[i - 1];
      if (
        prev &&
        ((prev.kind === 'ident' && !BEFORE_CALL.has(prev.text)) ||
          (prev.kind === 'punct' && prev.text === '*'))
      )
        continue; // a prototype or definition of the function itself
    }
    const call = callArgs(toks, i + 1);
    if (!call || call.args[0].length === 0) continue;
    const first = call.args[0];
    for (const s of spec.also ? [spec, spec.also] : [spec]) {
      if (params) {
        const used = namingTokens(s, call.args);
        if (
          used === null ||
          used.some((x) => (x.kind === 'ident' && params.has(x.text)) || x.text === '#')
        )
          continue;
      }
      const names = namesOf(s, call.args, func, tables);
      if (names.length === 0) continue;
      let type: CatalogueType;
      let kind: DeclKind | null = null;
      let declared: [DeclKind, number] | null = null;
      const member = memberOf(first);
      if (s.kind === 'map') {
        const m = mapTypeOf(s.map ?? INV, call.args);
        if (!m) continue;
        type = m;
      } else {
        // `&x->m` is checked against `m`'s declaration; a bare `lock` against `T *lock`
        const bare = first.length === 1 && first[0].kind === 'ident';
        declared =
          member === null ? null : single((bare ? decls.pointers : decls.direct).get(member));
        if (s.kind === 'declared') {
          // lockdep_set_class*() works on any lock: the type is the member's, if it is
          // declared here with one type, else that of the init call on the same lock
          // earlier in the file (`spin_lock_init(&port->lock); lockdep_set_class(&port->lock,
          // &port_lock_key);`), else that of the lock operations the file applies to it
          // (`raw_spin_lock(&cpuctx->ctx.lock)` compiles only on a raw_spinlock_t)
          const written = stringify(first);
          if (declared) kind = declared[0];
          else if (initialised.has(written)) kind = initialised.get(written)!;
          else {
            st.ops ??= operations(st.allTokens);
            const used = st.ops.get(written);
            if (used && used.size === 1) kind = [...used][0];
          }
          if (kind === null) continue;
        } else {
          kind = s.kind;
          if (s.call) initialised.set(stringify(first), kind);
        }
        type = KIND_TYPE[kind];
      }
      for (const name of names) {
        const site: CatalogueSite = { name, type, file, line: t.line, via: t.text };
        if (s.checkMember && declared && member !== null && kind !== null) {
          const [dk, dline] = declared;
          if (KIND_TYPE[dk] !== type && !(dk === 'wait_queue_head' && kind === 'spinlock'))
            conflicts.push({ site, member, declared: dk, declaredAt: dline });
        }
        sites.push(site);
      }
    }
    i = call.end;
  }
}
