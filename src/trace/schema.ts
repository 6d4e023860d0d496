/**
 * The trace format, version 1: types of the document as it is written (a parsed trace
 * is plain JSON data, so serializing is JSON.stringify), and validation of everything
 * but the events (ops.ts validates those against the op table).
 *
 * Validation raises TraceIssue: an error with a JSON pointer but no position yet. The
 * reader, which has the text, turns it into a located TraceError.
 */
import { DEFAULT_LIMITS, POLICIES, PREEMPT_MODELS, type KernelOptions } from '../core/config';
import {
  LOCK_TYPE_NAMES,
  WAIT_TYPE_NAMES,
  type LockTypeName,
  type WaitTypeName,
} from '../core/waitType';
import { VIOLATION_KINDS, type ViolationKind } from '../report/violation';
import { describeValue, didYouMean, pointerJoin, type TraceErrorInit } from './errors';

/** The version this build reads and writes. */
export const TRACE_VERSION = 1;
/** The member that marks a lockdep trace and carries its version. */
export const VERSION_KEY = 'lockdep-trace';

/** Lock types a `{ "type": T }` declaration may name. */
export type LockTypeTag =
  | 'raw_spinlock'
  | 'spinlock'
  | 'rwlock'
  | 'local_lock'
  | 'mutex'
  | 'rwsem'
  | 'rt_mutex'
  | 'srcu'
  | 'seqcount'
  | 'percpu_rwsem';

export const LOCK_TYPE_TAGS: readonly LockTypeTag[] = [
  'raw_spinlock',
  'spinlock',
  'rwlock',
  'local_lock',
  'mutex',
  'rwsem',
  'rt_mutex',
  'srcu',
  'seqcount',
  'percpu_rwsem',
];

/** The RCU read-side maps, declared in every trace under these names. */
export const RCU_LOCKS = ['rcu_read_lock', 'rcu_read_lock_bh', 'rcu_read_lock_sched'] as const;

/** `{ "type": "spinlock" }`: a lock primitive. */
export interface PrimitiveLockDecl {
  readonly type: LockTypeTag;
  /** lock class key: declarations with the same class share one lock class (default: the name) */
  readonly class?: string;
  /** rwlock only: CONFIG_QUEUED_RWLOCKS (default true); false makes task-context readers recursive */
  readonly queued?: boolean;
}

/** `{ "wait": { "inner": "spin" } }`: a bare lockdep_map with explicit wait types. */
export interface MapLockDecl {
  readonly wait: { readonly inner: WaitTypeName; readonly outer?: WaitTypeName };
  readonly lockType?: LockTypeName;
  readonly class?: string;
}

export type LockDecl = PrimitiveLockDecl | MapLockDecl;

/** One event as written. `op` selects the spec in the op table, which defines the other fields. */
export interface TraceEvent {
  readonly op: string;
  /** the task performing the event (default `init`) */
  readonly task?: string;
  /** the CPU it runs on (default: where the task runs, else 0) */
  readonly cpu?: number;
  /**
   * the task's pid, when it first appears (an ftrace import's `comm-pid`): splats and JSON
   * print it, and a task name ending in `-<pid>` prints as the comm before it
   */
  readonly pid?: number;
  readonly [field: string]: unknown;
}

/** Configuration ids of `lockdep matrix`: `<preempt>/prove` or `<preempt>/noprove`. */
export type MatrixConfigId = `${'none' | 'voluntary' | 'full' | 'rt'}/${'prove' | 'noprove'}`;

export interface ExpectedViolation {
  readonly kind: ViolationKind;
  /** violationLock(): the lock class name as printed, null for reports about no lock */
  readonly lock?: string | null;
  /** index of the event that raises it */
  readonly event?: number;
}

/** What replaying the trace must give; checked by the test suite for every bundled example. */
export interface TraceExpect {
  /** exactly these violations, in order, under the trace's own config (absent: not checked) */
  readonly violations?: readonly ExpectedViolation[];
  /** exactly these matrix rows (`"<kind> <lock>"`, lock `-` when none) and the configs each fires in */
  readonly matrix?: Readonly<Record<string, readonly MatrixConfigId[]>>;
  /** what the kernel models did under the trace's own config (absent: not checked) */
  readonly models?: ExpectedModels;
}

/** `expect.models`: kvfree_rcu placements in call order, and counters at the end. */
export interface ExpectedModels {
  /** exactly these placements, one per kvfree_rcu() call, in order */
  readonly placements?: readonly ('bulk' | 'list' | 'inline-gp')[];
  /** these kvfree_rcu counters (`counters`) have these values at the end */
  readonly counters?: Readonly<Record<string, number>>;
}

/** The header: everything but the events (the first line of a JSON Lines trace). */
export interface TraceHeader {
  /** the JSON Schema editors use (docs/trace-v1.schema.json); never interpreted */
  readonly $schema?: string;
  readonly [VERSION_KEY]: 1;
  readonly description?: string;
  readonly config?: KernelOptions;
  readonly locks?: Readonly<Record<string, LockDecl>>;
  readonly expect?: TraceExpect;
  /** free-form data for tools (importers record their source here); never interpreted */
  readonly meta?: Readonly<Record<string, unknown>>;
}

export interface Trace extends TraceHeader {
  readonly events: readonly TraceEvent[];
}

/** A declared lock after validation: what the replayer and the op validators consult. */
export interface DeclaredLock {
  readonly name: string;
  /** the primitive, `map` (explicit wait types), `wait-override`, or `rcu` (predeclared) */
  readonly kind: LockTypeTag | 'map' | 'wait-override' | 'rcu';
  readonly decl: LockDecl | null;
}

/** Names a trace's events may refer to. */
export interface TraceDecls {
  readonly locks: ReadonlyMap<string, DeclaredLock>;
}

/** A validation failure not yet located in the source text. */
export class TraceIssue extends Error {
  constructor(
    readonly init: TraceErrorInit,
    /** locate at the member's key rather than its value (unknown or duplicate members) */
    readonly atKey = false,
  ) {
    super(
      `${init.pointer || '(document)'}: ${init.found ?? ''} ${init.expected ?? init.detail ?? ''}`,
    );
    this.name = 'TraceIssue';
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function wrong(pointer: string, v: unknown, expected: string): TraceIssue {
  return new TraceIssue({ code: 'wrong-type', pointer, found: describeValue(v), expected });
}

function requireObject(v: unknown, pointer: string, what = 'an object'): Record<string, unknown> {
  if (!isObject(v)) throw wrong(pointer, v, what);
  return v;
}

function onlyKeys(
  o: Record<string, unknown>,
  pointer: string,
  known: readonly string[],
  what: string,
): void {
  for (const k of Object.keys(o)) {
    if (!known.includes(k)) {
      throw new TraceIssue(
        {
          code: 'unknown-field',
          pointer: pointerJoin(pointer, k),
          found: `member ${JSON.stringify(k)}`,
          expected: `${what}: ${known.join(', ')}`,
        },
        true,
      );
    }
  }
}

const HEADER_KEYS = [
  VERSION_KEY,
  'description',
  'config',
  'locks',
  'expect',
  'meta',
  'events',
  '$schema',
];

/**
 * Validate the header members of a trace document (or a JSON Lines header line, where
 * `events` must be absent). Returns the declarations events may refer to.
 */
export function validateHeader(doc: unknown, jsonl: boolean): TraceDecls {
  if (!isObject(doc))
    throw wrong('', doc, `a trace object with "${VERSION_KEY}": ${TRACE_VERSION}`);
  if (!(VERSION_KEY in doc)) {
    throw new TraceIssue({
      code: 'unsupported-version',
      pointer: '',
      found: `no "${VERSION_KEY}" member`,
      expected: `a trace object with "${VERSION_KEY}": ${TRACE_VERSION}`,
    });
  }
  const version = doc[VERSION_KEY];
  if (typeof version !== 'number')
    throw wrong(`/${VERSION_KEY}`, version, `the format version ${TRACE_VERSION}`);
  if (version !== TRACE_VERSION) {
    throw new TraceIssue({
      code: 'unsupported-version',
      pointer: `/${VERSION_KEY}`,
      found: `version ${describeValue(version)}`,
      expected: `version ${TRACE_VERSION} (the only one this lockdep reads)`,
    });
  }
  onlyKeys(
    doc,
    '',
    jsonl ? HEADER_KEYS.filter((k) => k !== 'events') : HEADER_KEYS,
    jsonl ? 'a JSON Lines header member (events go on the following lines)' : 'a trace member',
  );
  if (doc.$schema !== undefined && typeof doc.$schema !== 'string')
    throw wrong('/$schema', doc.$schema, 'a string (where editors find the JSON Schema)');
  if (doc.description !== undefined && typeof doc.description !== 'string')
    throw wrong('/description', doc.description, 'a string');
  if (doc.config !== undefined) validateConfig(doc.config);
  if (doc.meta !== undefined) requireObject(doc.meta, '/meta');
  if (!jsonl && !Array.isArray(doc.events)) {
    if (doc.events === undefined)
      throw new TraceIssue({
        code: 'missing-field',
        pointer: '',
        found: 'no "events" member',
        expected: 'an "events" array (or a JSON Lines trace: header line, then one event per line)',
      });
    throw wrong('/events', doc.events, 'an array of events');
  }
  const decls = validateLocks(doc.locks);
  if (doc.expect !== undefined) validateExpect(doc.expect);
  return decls;
}

export const BOOL_OPTIONS = ['proveRawLockNesting', 'debugAtomicSleep', 'threadirqs', 'booting'];
const CONFIG_KEYS = ['preempt', ...BOOL_OPTIONS, 'policy', 'cpus', 'limits', 'release', 'version'];

/** Types and allowed values of `config`; contradictions are resolveConfig()'s to find, at replay. */
function validateConfig(c: unknown): void {
  const o = requireObject(c, '/config');
  onlyKeys(o, '/config', CONFIG_KEYS, 'a kernel option');
  const oneOf = (key: string, values: readonly string[]) => {
    const v = o[key];
    if (v !== undefined && (typeof v !== 'string' || !values.includes(v))) {
      throw wrong(`/config/${key}`, v, `one of ${values.map((x) => JSON.stringify(x)).join(', ')}`);
    }
  };
  oneOf('preempt', PREEMPT_MODELS);
  oneOf('policy', POLICIES);
  for (const k of BOOL_OPTIONS)
    if (o[k] !== undefined && typeof o[k] !== 'boolean')
      throw wrong(`/config/${k}`, o[k], 'true or false');
  if (
    o.cpus !== undefined &&
    !(typeof o.cpus === 'number' && Number.isInteger(o.cpus) && o.cpus >= 1 && o.cpus <= 8192)
  ) {
    throw wrong('/config/cpus', o.cpus, 'an integer in 1..8192');
  }
  for (const k of ['release', 'version']) {
    if (o[k] !== undefined && (typeof o[k] !== 'string' || !/^\S+$/.test(o[k])))
      throw wrong(`/config/${k}`, o[k], 'a non-empty word');
  }
  if (o.limits !== undefined) {
    const l = requireObject(o.limits, '/config/limits');
    onlyKeys(l, '/config/limits', Object.keys(DEFAULT_LIMITS), 'a lockdep limit');
    for (const [k, v] of Object.entries(l)) {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
        throw wrong(`/config/limits/${k}`, v, 'a positive integer');
    }
  }
}

function validateLocks(locks: unknown): TraceDecls {
  const out = new Map<string, DeclaredLock>();
  for (const name of RCU_LOCKS) out.set(name, { name, kind: 'rcu', decl: null });
  if (locks === undefined) return { locks: out };
  const o = requireObject(locks, '/locks', 'an object mapping lock names to declarations');
  for (const [name, d] of Object.entries(o)) {
    const p = pointerJoin('/locks', name);
    if (name.length === 0)
      throw new TraceIssue(
        {
          code: 'wrong-type',
          pointer: p,
          found: 'an empty lock name',
          expected: 'a non-empty name',
        },
        true,
      );
    if ((RCU_LOCKS as readonly string[]).includes(name)) {
      throw new TraceIssue(
        {
          code: 'wrong-type',
          pointer: p,
          found: `a declaration of ${JSON.stringify(name)}`,
          expected: `a name other than the predeclared RCU maps (${RCU_LOCKS.join(', ')})`,
        },
        true,
      );
    }
    const decl = requireObject(d, p, '{ "type": T } or { "wait": { "inner": W } }');
    if (decl.class !== undefined && (typeof decl.class !== 'string' || decl.class.length === 0))
      throw wrong(`${p}/class`, decl.class, 'a non-empty class name');
    if ('type' in decl) {
      // the type first: the unknown-member message names it
      if (
        typeof decl.type !== 'string' ||
        !(LOCK_TYPE_TAGS as readonly string[]).includes(decl.type)
      ) {
        throw wrong(
          `${p}/type`,
          decl.type,
          `a lock type${didYouMean(decl.type, LOCK_TYPE_TAGS)}: ${LOCK_TYPE_TAGS.join(', ')}`,
        );
      }
      onlyKeys(
        decl,
        p,
        decl.type === 'rwlock' ? ['type', 'class', 'queued'] : ['type', 'class'],
        `a member of a "${decl.type}" declaration`,
      );
      if (decl.queued !== undefined && typeof decl.queued !== 'boolean')
        throw wrong(`${p}/queued`, decl.queued, 'true or false');
      out.set(name, {
        name,
        kind: decl.type as LockTypeTag,
        decl: decl as unknown as PrimitiveLockDecl,
      });
    } else if ('wait' in decl) {
      onlyKeys(decl, p, ['wait', 'lockType', 'class'], 'a member of a lockdep_map declaration');
      const w = requireObject(decl.wait, `${p}/wait`, '{ "inner": W, "outer"?: W }');
      onlyKeys(w, `${p}/wait`, ['inner', 'outer'], 'a wait type member');
      const waitNames = WAIT_TYPE_NAMES.map((x) => JSON.stringify(x)).join(', ');
      if (w.inner === undefined)
        throw new TraceIssue({
          code: 'missing-field',
          pointer: `${p}/wait`,
          found: 'no "inner" member',
          expected: `"inner": one of ${waitNames}`,
        });
      for (const k of ['inner', 'outer']) {
        const v = w[k];
        if (v !== undefined && !(WAIT_TYPE_NAMES as readonly unknown[]).includes(v))
          throw wrong(`${p}/wait/${k}`, v, `one of ${waitNames}`);
      }
      if (
        decl.lockType !== undefined &&
        !(LOCK_TYPE_NAMES as readonly unknown[]).includes(decl.lockType)
      ) {
        throw wrong(
          `${p}/lockType`,
          decl.lockType,
          `one of ${LOCK_TYPE_NAMES.map((x) => JSON.stringify(x)).join(', ')}`,
        );
      }
      out.set(name, {
        name,
        kind: decl.lockType === 'wait-override' ? 'wait-override' : 'map',
        decl: decl as unknown as MapLockDecl,
      });
    } else {
      throw new TraceIssue({
        code: 'missing-field',
        pointer: p,
        found: 'neither "type" nor "wait"',
        expected: '{ "type": T } or { "wait": { "inner": W } }',
      });
    }
  }
  return { locks: out };
}

export const MATRIX_CONFIG_IDS: readonly MatrixConfigId[] = PREEMPT_MODELS.flatMap(
  (p) => [`${p}/prove`, `${p}/noprove`] as MatrixConfigId[],
);

const PLACEMENTS = ['bulk', 'list', 'inline-gp'];

function validateExpectedModels(e: unknown): void {
  const o = requireObject(e, '/expect/models', '{ "placements"?: [...], "counters"?: {...} }');
  onlyKeys(o, '/expect/models', ['placements', 'counters'], 'an expectation on the models');
  if (o.placements !== undefined) {
    if (!Array.isArray(o.placements))
      throw wrong('/expect/models/placements', o.placements, 'an array');
    o.placements.forEach((x, i) => {
      if (!PLACEMENTS.includes(x as string))
        throw wrong(`/expect/models/placements/${i}`, x, `one of ${PLACEMENTS.join(', ')}`);
    });
  }
  if (o.counters !== undefined) {
    const c = requireObject(o.counters, '/expect/models/counters', 'counter names to values');
    for (const [name, v] of Object.entries(c))
      if (!(typeof v === 'number' && Number.isInteger(v) && v >= 0))
        throw wrong(pointerJoin('/expect/models/counters', name), v, 'a non-negative integer');
  }
}

function validateExpect(e: unknown): void {
  const o = requireObject(e, '/expect');
  onlyKeys(o, '/expect', ['violations', 'matrix', 'models'], 'an expectation');
  if (o.models !== undefined) validateExpectedModels(o.models);
  if (o.violations !== undefined) {
    if (!Array.isArray(o.violations)) throw wrong('/expect/violations', o.violations, 'an array');
    o.violations.forEach((x, i) => {
      const p = `/expect/violations/${i}`;
      const v = requireObject(x, p, '{ "kind": K, "lock"?: name, "event"?: index }');
      onlyKeys(v, p, ['kind', 'lock', 'event'], 'an expected violation member');
      if (!(VIOLATION_KINDS as readonly unknown[]).includes(v.kind))
        throw wrong(`${p}/kind`, v.kind, `a violation kind: ${VIOLATION_KINDS.join(', ')}`);
      if (v.lock !== undefined && v.lock !== null && typeof v.lock !== 'string')
        throw wrong(`${p}/lock`, v.lock, 'a lock class name or null');
      if (
        v.event !== undefined &&
        !(typeof v.event === 'number' && Number.isInteger(v.event) && v.event >= 0)
      )
        throw wrong(`${p}/event`, v.event, 'an event index');
    });
  }
  if (o.matrix !== undefined) {
    const m = requireObject(
      o.matrix,
      '/expect/matrix',
      'an object mapping "<kind> <lock>" to configuration ids',
    );
    for (const [row, ids] of Object.entries(m)) {
      const p = pointerJoin('/expect/matrix', row);
      const kind = row.split(' ')[0];
      if (!(VIOLATION_KINDS as readonly string[]).includes(kind) || row.split(' ').length !== 2) {
        throw new TraceIssue(
          {
            code: 'wrong-type',
            pointer: p,
            found: describeValue(row),
            expected: '"<kind> <lock>" with a violation kind (lock "-" for none)',
          },
          true,
        );
      }
      if (
        !Array.isArray(ids) ||
        ids.some((x) => !(MATRIX_CONFIG_IDS as readonly unknown[]).includes(x))
      ) {
        throw wrong(p, ids, `an array of configuration ids: ${MATRIX_CONFIG_IDS.join(', ')}`);
      }
    }
  }
}
