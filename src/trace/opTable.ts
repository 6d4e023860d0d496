/**
 * How an op is declared: `defineOp()` takes an op's fields once and gives the typed
 * event its handlers see, the compiled check the reader runs on every event, and the
 * description the JSON Schema and `--help` print. Separate from ops.ts so model ops
 * (modelOps.ts, which ops.ts imports) can call defineOp without an import cycle.
 */
import type { Kernel } from '../kernel';
import { field, type FieldIssue, type FieldType, type FieldValidator } from './fields';
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

/** Declare one op: its fields once, typed for its handlers, compiled for the reader. */
export function defineOp<const F extends FieldSet>(def: OpDefinition<F>): OpSpec {
  const table = Object.create(null) as Record<string, FieldValidator<unknown, boolean> | undefined>;
  table.task = TASK_FIELD;
  table.cpu = CPU_FIELD;
  table.pid = PID_FIELD;
  let required = 0;
  for (const [k, f] of Object.entries(def.fields)) {
    // an op may restate `cpu` or `task` to give it a meaning of its own (kvfree_cache's cpu)
    if (k === 'op') throw new Error('an op has no field "op" of its own');
    table[k] = f;
    if (!f.optional) required++;
  }
  const spec: OpSpec = {
    summary: def.summary,
    fields: def.fields,
    check: def.check,
    apply: def.apply,
    accept(ev, decls) {
      let seen = 0;
      let length = 1; // '{', and per member: key, quotes, ':' and ',' or '}'
      for (const key in ev) {
        const v = ev[key];
        length +=
          key.length +
          4 +
          (typeof v === 'string'
            ? v.length + 2
            : typeof v === 'number'
              ? v < 10
                ? 1
                : v < 100
                  ? 2
                  : 3
              : v === true
                ? 4
                : 5);
        if (key === 'op') continue;
        const f = table[key];
        if (f === undefined || !f.test(v, decls)) return -1;
        if (!f.optional) seen++;
      }
      if (seen !== required) return -1;
      if (spec.check !== undefined && spec.check(ev as TraceEvent, decls) !== null) return -1;
      return length;
    },
  };
  return spec;
}
