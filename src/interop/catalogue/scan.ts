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
import type { LockTypeTag } from '../../trace/schema';
import { lex, stringify, stringValue, type Token } from './lexer';

/** What a site declares: a primitive, or a wait queue (whose spinlock carries the class). */
type DeclKind = LockTypeTag | 'wait_queue_head';

/** One place a class is declared. */
export interface CatalogueSite {
  readonly name: string;
  readonly type: LockTypeTag;
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
  /** the class name is the string literal given as the second argument */
  | 'string2'
  /** ... as the third argument */
  | 'string3'
  /** `__func__`: the enclosing function (rt_mutex_init()) */
  | 'func'
  /** the stringified second argument: the key (lockdep_set_class(lock, &key) names the class `#key`) */
  | 'arg2'
  /** the first argument followed by `_mutex` (DEFINE_WW_CLASS(x) names its mutexes `#x "_mutex"`) */
  | 'arg_mutex';

interface MacroSpec {
  readonly kind: DeclKind | 'declared';
  readonly naming: Naming;
  /** a statement-like call (skipped when it looks like a prototype); else a definition or initialiser */
  readonly call: boolean;
  /** the first argument is the lock (cross-check its member's declared type) */
  readonly checkMember: boolean;
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
  lockdep_set_class_and_name: {
    kind: 'declared',
    naming: 'string3',
    call: true,
    checkMember: true,
  },
  // lockdep_set_class(lock, key) is lockdep_set_class_and_name(lock, key, #key)
  lockdep_set_class: { kind: 'declared', naming: 'arg2', call: true, checkMember: true },
  // include/linux/ww_mutex.h: DEFINE_WW_CLASS(x) / DEFINE_WD_CLASS(x) give the class's
  // mutexes the name `#x "_mutex"` (a ww_mutex is a mutex with an acquire context; its
  // `#x "_acquire"` map is a lockdep map, not a lock, and is left out)
  DEFINE_WW_CLASS: define('mutex', 'arg_mutex'),
  DEFINE_WD_CLASS: define('mutex', 'arg_mutex'),
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
};

/** Identifiers that may precede a call statement (others make it a prototype or a definition). */
const BEFORE_CALL = new Set(['else', 'return', 'do']);

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
function declarations(toks: readonly Token[]): Map<string, Map<DeclKind, number>> {
  const decls = new Map<string, Map<DeclKind, number>>();
  const add = (name: string, kind: DeclKind, line: number) => {
    let m = decls.get(name);
    if (!m) decls.set(name, (m = new Map<DeclKind, number>()));
    if (!m.has(kind)) m.set(kind, line);
  };
  for (let i = 0; i + 1 < toks.length; i++) {
    const t = toks[i];
    if (t.kind !== 'ident') continue;
    let kind: DeclKind | undefined;
    let j = i + 1;
    if (t.text === 'struct' && toks[i + 1].kind === 'ident') {
      kind = STRUCTS[toks[i + 1].text];
      j = i + 2;
    } else kind = TYPEDEFS[t.text];
    if (kind === undefined || j >= toks.length) continue;
    // `spinlock_t a, b[4];`: every declarator that is not a pointer
    while (j < toks.length && toks[j].kind === 'ident') {
      const next = toks[j + 1];
      if (next && next.kind === 'punct' && next.text === '(') break; // a function returning one
      add(toks[j].text, kind, toks[j].line);
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
  return decls;
}

/**
 * Scan one file's text. Memory is proportional to the file; time is linear in it (each
 * call's arguments are read once, at most MAX_CALL_TOKENS tokens each).
 */
export function scanSource(text: string, file: string): FileScan {
  const toks = lex(text);
  const decls = declarations(toks);
  const sites: CatalogueSite[] = [];
  const conflicts: SiteConflict[] = [];
  // the lock each init call in this file initialised, as written → its kind
  const initialised = new Map<string, DeclKind>();
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
    const next = toks[i + 1];
    if (!next || next.kind !== 'punct' || next.text !== '(') continue;
    if (depth === 0) lastCallee = t.text;
    const spec = MACROS[t.text];
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
    let name: string | null;
    switch (spec.naming) {
      case 'arg':
        name = stringify(first);
        break;
      case 'arg.lock':
        name = `${stringify(first)}.lock`;
        break;
      case 'string2':
        name = literal(call.args[1]);
        break;
      case 'string3':
        name = literal(call.args[2]);
        break;
      case 'func':
        name = func;
        break;
      case 'arg2':
        name = call.args[1] && call.args[1].length > 0 ? stringify(call.args[1]) : null;
        break;
      case 'arg_mutex':
        name = first.length === 1 && first[0].kind === 'ident' ? `${first[0].text}_mutex` : null;
        break;
    }
    if (name === null || name === '') continue;
    const member = memberOf(first);
    const declared = member === null ? undefined : decls.get(member);
    let kind: DeclKind;
    if (spec.kind === 'declared') {
      // lockdep_set_class*() works on any lock: the type is the member's, if it is declared
      // here with one type, else that of the init call on the same lock earlier in the file
      // (`spin_lock_init(&port->lock); lockdep_set_class(&port->lock, &port_lock_key);`)
      if (declared && declared.size === 1) kind = [...declared.keys()][0];
      else {
        const earlier = initialised.get(stringify(first));
        if (earlier === undefined) continue;
        kind = earlier;
      }
    } else {
      kind = spec.kind;
      if (spec.call) initialised.set(stringify(first), kind);
    }
    const site: CatalogueSite = {
      name,
      type: KIND_TYPE[kind],
      file,
      line: t.line,
      via: t.text,
    };
    if (spec.checkMember && declared && declared.size === 1 && member !== null) {
      const [dk, dline] = [...declared.entries()][0];
      if (KIND_TYPE[dk] !== site.type && !(dk === 'wait_queue_head' && kind === 'spinlock'))
        conflicts.push({ site, member, declared: dk, declaredAt: dline });
    }
    sites.push(site);
    i = call.end;
  }
  return { sites, conflicts };
}
