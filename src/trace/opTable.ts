/**
 * How an op is declared: `defineOp()` takes an op's fields once and gives the typed
 * event its handlers see, the compiled check the reader runs on every event, and the
 * description the JSON Schema and `--help` print. Separate from ops.ts so model ops
 * (modelOps.ts, which ops.ts imports) can call defineOp without an import cycle.
 */
import type { Kernel } from '../kernel';
import { field, ruleOf, type FieldIssue, type FieldType, type FieldValidator } from './fields';
import type { ReplayLock } from './locks';
import type { TraceDecls, TraceEvent } from './schema';

/**
 * What an op's `apply` may use besides the Kernel. One ReplayState per replay (per
 * configuration under `lockdep matrix`), so anything kept here is per kernel.
 */
export interface ReplayState {
  /** index of the event being applied (also passed to kernel.setEvent()) */
  readonly index: number;
  /** the declared lock `name`, bound to this kernel (validation guarantees it exists) */
  lock(name: string): ReplayLock;
  /**
   * Abort the replay with an error located at this event, or at one of its fields:
   * for valid input the model cannot perform (a trylock that fails, a task that exited).
   */
  fail(detail: string, field?: string): never;
  /**
   * Per-replay storage for model ops (an allocator, RCU callbacks): the value stored
   * under `key`, created by `create` on first use. Keep it bounded: replay memory must
   * not grow with the number of events.
   */
  ext<T>(key: string, create: (kernel: Kernel) => T): T;
  /** Drop what the replay keeps for task `comm`, which has exited (its name stays taken). */
  forget(comm: string): void;
}

/** An op's fields: member name -> validator (`op`, `task` and `cpu` are common to all ops). */
export type FieldSet = Readonly<Record<string, FieldValidator<unknown, boolean>>>;

type IsOptional<V> = V extends FieldValidator<unknown, true> ? true : false;

/** The event an op's fields admit: required fields present, optional ones maybe, all typed. */
export type EventOf<F extends FieldSet> = {
  readonly op: string;
  /** the task performing the event (default `init`) */
  readonly task?: string;
  /** the CPU it runs on (default: where the task runs, else 0) */
  readonly cpu?: number;
} & { readonly [K in keyof F as IsOptional<F[K]> extends true ? never : K]: FieldType<F[K]> } & {
  readonly [K in keyof F as IsOptional<F[K]> extends true ? K : never]?: FieldType<F[K]>;
};

/**
 * One op as written: `defineOp({ summary, fields, check?, apply })`. `check` and `apply`
 * receive the event typed from `fields`, so handlers read `ev.lock` as a string, not
 * `ev.lock as string`.
 *
 * ```ts
 * kfree_rcu: defineOp({
 *   summary: 'kvfree_rcu(ptr): queue an object for freeing after a grace period',
 *   fields: { object: field.string(), size: field.optional(field.integer(1, 1 << 30)) },
 *   apply(kernel, ev, st) { st.ext('mm', (k) => new ModelMm(k)).kfreeRcu(ev.object); },
 * }),
 * ```
 *
 * Rules the table relies on:
 * - `fields` lists every member besides `op`, `task` and `cpu` (those three are common
 *   to all ops and validated before the op's fields). A member not listed is an
 *   `unknown-field` error; a listed validator that is not `optional` is required.
 * - `apply` runs only on events that passed validation. It runs after the replayer has
 *   called `kernel.setEvent(index)` and switched to the event's task and CPU.
 * - `apply` must not throw for valid input except through `state.fail()`; a UsageError
 *   thrown by the Kernel is turned into a located replay error as well.
 * - Names are snake_case, like the kernel functions they model.
 */
export interface OpDefinition<F extends FieldSet> {
  /** one line for docs, `--help` and the JSON Schema's description */
  readonly summary: string;
  readonly fields: F;
  /** cross-field validation after the per-field checks (which lock types accept `read`, ...) */
  check?(this: void, event: EventOf<F>, decls: TraceDecls): FieldIssue | null;
  apply(this: void, kernel: Kernel, event: EventOf<F>, state: ReplayState): void;
}

/** An op in the table (made by defineOp). */
export interface OpSpec {
  readonly summary: string;
  readonly fields: FieldSet;
  check?(this: void, event: TraceEvent, decls: TraceDecls): FieldIssue | null;
  apply(this: void, kernel: Kernel, event: TraceEvent, state: ReplayState): void;
  /**
   * The validation compiled for this op: -1 unless `event` (an object whose `op` names
   * this spec) is valid; for a valid one, a lower bound of the length of any JSON text
   * of it (numbers at their shortest possible form, no whitespace). A reader that used
   * JSON.parse compares it with the text: a repeated member, which JSON.parse drops
   * silently, would make the text at least DROPPED_MEMBER_LENGTH longer.
   */
  readonly accept: (event: Readonly<Record<string, unknown>>, decls: TraceDecls) => number;
}

export type OpTable = Readonly<Record<string, OpSpec>>;

/** `task` and `cpu`, which every op has. */
export const TASK_FIELD = field.optional(field.string());
export const CPU_FIELD = field.optional(field.integer(0, 8191));
/** PID_MAX_LIMIT is 4M (2^22); pid 0 is the idle task. */
export const PID_FIELD = field.optional(field.integer(1, 4194304));

/**
 * The shortest member a JSON text can hold besides the ones JSON.parse kept: `,"op":1`
 * (a repeated key is at least as long as the shortest key, `op`; any value takes one
 * character or more).
 */
export const DROPPED_MEMBER_LENGTH = 7;

/** How the compiled check tests a member (a FieldRule's kind, or the validator's `test`). */
export const K_TEST = 0,
  K_BOOLEAN = 1,
  K_STRING = 2,
  K_INTEGER = 3,
  K_ONE_OF = 4,
  K_LOCK = 5;

/** One member an op's compiled check knows. One class, so the check's loads stay monomorphic. */
export class Member {
  readonly kind: number;
  readonly lo: number;
  readonly hi: number;
  readonly values: ReadonlySet<unknown> | null;
  readonly required: boolean;

  constructor(
    readonly name: string,
    readonly field: FieldValidator<unknown, boolean>,
  ) {
    const rule = ruleOf(field);
    this.kind = K_TEST;
    this.lo = 0;
    this.hi = 0;
    this.values = null;
    this.required = !field.optional;
    if (rule === undefined) return;
    switch (rule.kind) {
      case 'boolean':
        this.kind = K_BOOLEAN;
        break;
      case 'string':
        this.kind = K_STRING;
        break;
      case 'integer':
        this.kind = K_INTEGER;
        this.lo = rule.lo;
        this.hi = rule.hi;
        break;
      case 'oneOf':
        this.kind = K_ONE_OF;
        this.values = rule.values;
        break;
      case 'lock':
        this.kind = K_LOCK;
        break;
    }
  }

  /** Is `v` valid here? The rule inline, else the validator's `test`. */
  accepts(v: unknown, decls: TraceDecls): boolean {
    switch (this.kind) {
      case K_BOOLEAN:
        return typeof v === 'boolean';
      case K_STRING:
        return typeof v === 'string' && v.length > 0;
      case K_INTEGER:
        return typeof v === 'number' && Number.isInteger(v) && v >= this.lo && v <= this.hi;
      case K_ONE_OF:
        return typeof v === 'string' && this.values!.has(v);
      case K_LOCK:
        return typeof v === 'string' && decls.locks.has(v);
      default:
        return this.field.test(v, decls);
    }
  }
}

/** An op's members as defineOp() compiled them, for the fast event reader (eventLine.ts). */
export interface CompiledOp {
  readonly spec: OpSpec;
  /** every member but `op`: required ones first, then `task`, `cpu` and the rest */
  readonly members: readonly Member[];
  /** how many of `members` are required */
  readonly required: number;
}

const compiled = new WeakMap<OpSpec, CompiledOp>();

/** The compiled members of a spec made by defineOp(), else undefined. */
export function compiledOp(spec: OpSpec): CompiledOp | undefined {
  return compiled.get(spec);
}

/**
 * The shortest JSON text of a value: strings and numbers at their shortest, `{}` or `[]`
 * (2) for anything else that is not a boolean.
 */
function shortestLength(v: unknown): number {
  return typeof v === 'string'
    ? v.length + 2
    : typeof v === 'number'
      ? v < 10
        ? 1
        : v < 100
          ? 2
          : 3
      : v === true
        ? 4
        : v === false
          ? 5
          : 2;
}

/** Declare one op: its fields once, typed for its handlers, compiled for the reader. */
export function defineOp<const F extends FieldSet>(def: OpDefinition<F>): OpSpec {
  const table = new Map<string, FieldValidator<unknown, boolean>>();
  for (const k of Object.keys(def.fields)) {
    if (k === 'op') throw new Error('an op has no field "op" of its own');
  }
  // Looked up by a linear scan (member names from JSON.parse are internalized, so each
  // comparison is one pointer compare): required members first, then the common ones.
  for (const [k, f] of Object.entries(def.fields)) if (!f.optional) table.set(k, f);
  if (!table.has('task')) table.set('task', TASK_FIELD);
  if (!table.has('cpu')) table.set('cpu', CPU_FIELD);
  // an op may restate `cpu` or `task` to give it a meaning of its own (kvfree_cache's cpu)
  for (const [k, f] of Object.entries(def.fields)) if (f.optional) table.set(k, f);
  if (!table.has('pid')) table.set('pid', PID_FIELD);
  const members = [...table].map(([k, f]) => new Member(k, f));
  const names = members.map((m) => m.name);
  const n = names.length;
  let required = 0;
  for (const m of members) if (m.required) required++;
  const check: OpSpec['check'] = def.check;
  const spec: OpSpec = {
    summary: def.summary,
    fields: def.fields,
    check,
    apply: def.apply,
    accept(ev, decls) {
      let seen = 0;
      let length = 1; // '{', and per member: key, quotes, ':' and ',' or '}'
      for (const key in ev) {
        const v = ev[key];
        length += key.length + 4 + shortestLength(v);
        if (key === 'op') continue;
        let i = 0;
        while (i < n && names[i] !== key) i++;
        if (i === n) return -1;
        const m = members[i];
        if (!m.accepts(v, decls)) return -1;
        if (m.required) seen++;
      }
      if (seen !== required) return -1;
      if (check !== undefined && check(ev as TraceEvent, decls) !== null) return -1;
      return length;
    },
  };
  compiled.set(spec, { spec, members, required });
  return spec;
}
