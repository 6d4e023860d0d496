/**
 * The op table: every event kind a trace may contain, with its fields and what it does
 * to a Kernel. Adding an op is adding one entry (model ops go in modelOps.ts); the
 * validator, the replayer, the error messages and `lockdep check --help` all read
 * this table.
 */
import type { Kernel } from '../kernel';
import { describeValue, didYouMean, pointerJoin } from './errors';
import { field, type FieldIssue, type FieldValidator } from './fields';
import { LOCK_CAPS, type ReplayLock } from './locks';
import { MODEL_OPS } from './modelOps';
import { isObject, TraceIssue, type TraceDecls, type TraceEvent } from './schema';

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
}

/**
 * One op. Write entries as plain objects:
 *
 * ```ts
 * kfree_rcu: {
 *   summary: 'kvfree_rcu(ptr): queue an object for freeing after a grace period',
 *   fields: { object: field.string(), size: field.optional(field.integer(1, 1 << 30)) },
 *   apply(kernel, ev, st) { st.ext('mm', (k) => new ModelMm(k)).kfreeRcu(ev.object as string); },
 * },
 * ```
 *
 * Rules the table relies on:
 * - `fields` lists every member besides `op`, `task` and `cpu` (those three are common
 *   to all ops and validated before the op's fields). A member not listed is an
 *   `unknown-field` error; a listed validator that is not `optional` is required.
 * - `apply` runs only on events that passed validation, so it may cast fields to the
 *   types their validators admit. It runs after the replayer has called
 *   `kernel.setEvent(index)` and switched to the event's task and CPU.
 * - `apply` must not throw for valid input except through `state.fail()`; a UsageError
 *   thrown by the Kernel is turned into a located replay error as well.
 * - Names are snake_case, like the kernel functions they model.
 */
export interface OpSpec {
  /** one line for docs and `--help` */
  readonly summary: string;
  readonly fields: Readonly<Record<string, FieldValidator>>;
  /** cross-field validation after the per-field checks (which lock types accept `read`, ...) */
  readonly check?: (event: TraceEvent, decls: TraceDecls) => FieldIssue | null;
  readonly apply: (kernel: Kernel, event: TraceEvent, state: ReplayState) => void;
}

export type OpTable = Readonly<Record<string, OpSpec>>;

const at = field.optional(field.string());

const noFields = (summary: string, apply: (k: Kernel) => void): OpSpec => ({
  summary,
  fields: {},
  apply: (k) => apply(k),
});

function unsupported(name: string, kind: string, found: string, expected: string): FieldIssue {
  return {
    code: 'unsupported-field',
    field: name,
    found,
    expected: `${expected} (lock type ${kind})`,
  };
}

/** Which `lock` fields the named lock's type accepts (LOCK_CAPS). */
function checkLock(ev: TraceEvent, decls: TraceDecls): FieldIssue | null {
  const d = decls.locks.get(ev.lock as string)!;
  const caps = LOCK_CAPS[d.kind];
  const read = ev.read === true;
  if (ev.read !== undefined) {
    if (caps.read === 'no')
      return unsupported(
        'read',
        d.kind,
        `"read": ${String(ev.read)}`,
        'no "read" member: this lock has no read side',
      );
    if (caps.read === 'always' && ev.read !== true)
      return unsupported(
        'read',
        d.kind,
        `"read": ${String(ev.read)}`,
        '"read": true or no "read" member: this lock is read side only',
      );
  }
  const readSide = read || caps.read === 'always';
  if (ev.try === true && !(readSide ? caps.tryRead : caps.tryWrite)) {
    return unsupported(
      'try',
      d.kind,
      '"try": true',
      `no "try" member: this lock has no ${caps.read === 'optional' ? (readSide ? 'read-side ' : 'write-side ') : ''}trylock`,
    );
  }
  if (ev.subclass !== undefined && !caps.subclass)
    return unsupported(
      'subclass',
      d.kind,
      `"subclass": ${describeValue(ev.subclass)}`,
      'no "subclass" member: this lock has no _nested() variant',
    );
  if (ev.nest !== undefined) {
    if (!caps.nest)
      return unsupported(
        'nest',
        d.kind,
        `"nest": ${describeValue(ev.nest)}`,
        'no "nest" member: this lock has no _nest_lock() variant',
      );
    const n = decls.locks.get(ev.nest as string)!;
    if (n.kind === 'rcu' || n.name === d.name) {
      return {
        code: 'unsupported-field',
        field: 'nest',
        found: describeValue(ev.nest),
        expected: 'another declared lock (not an RCU map, not the lock itself) that the task holds',
      };
    }
    if (ev.try === true)
      return {
        code: 'unsupported-field',
        field: 'nest',
        found: '"nest" with "try": true',
        expected: 'no "nest" on a trylock (trylocks have no _nest_lock() variant)',
      };
  }
  return null;
}

/** The ops every trace may use: locks, interrupt and preemption context, the scheduler, tasks. */
export const CORE_OPS: OpTable = {
  lock: {
    summary:
      'acquire a declared lock: spin_lock, read_lock/write_lock, mutex_lock, down_read/down_write, srcu_read_lock, lock_map_acquire, ...',
    fields: {
      lock: field.lock(),
      read: field.optional(field.boolean()),
      try: field.optional(field.boolean()),
      subclass: field.optional(field.integer(0, 0xffffffff)),
      nest: field.optional(field.lock()),
      at,
    },
    check: checkLock,
    apply(_k, ev, st) {
      const l = st.lock(ev.lock as string);
      const trylock = ev.try === true;
      const ok = l.acquire({
        read: ev.read === true,
        trylock,
        subclass: ev.subclass as number | undefined,
        nestLock: ev.nest === undefined ? null : st.lock(ev.nest as string).primitive,
        at: ev.at as string | undefined,
      });
      if (!ok)
        st.fail(
          `the trylock of ${l.name} fails in the model (the lock is taken); a trace records successful trylocks only`,
          'try',
        );
    },
  },
  unlock: {
    summary: 'release a lock the task holds (the side it was taken with, for read/write locks)',
    fields: { lock: field.lock(), at },
    apply(_k, ev, st) {
      st.lock(ev.lock as string).release(ev.at as string | undefined);
    },
  },
  irq_enter: {
    summary:
      'an interrupt handler starts (threaded: the line could be force-threaded, default false; with forced threading, forceThreaded default = config threadirqs, always on PREEMPT_RT, the body runs in the irq thread irq/<irq>-<name> inside local_bh_disable(); otherwise hard irq context, marked lockdep_hardirq_threaded() when threaded)',
    fields: {
      threaded: field.optional(field.boolean()),
      forceThreaded: field.optional(field.boolean()),
      irq: field.optional(field.integer(0, 0xffffff)),
      name: field.optional(field.string()),
    },
    apply(k, ev) {
      k.irqEnter({
        threaded: ev.threaded as boolean | undefined,
        forceThreaded: ev.forceThreaded as boolean | undefined,
        irq: ev.irq as number | undefined,
        name: ev.name as string | undefined,
      });
    },
  },
  irq_exit: noFields('the interrupt handler returns', (k) => k.irqExit()),
  softirq_enter: noFields('softirq processing starts (handle_softirqs)', (k) => k.softirqEnter()),
  softirq_exit: noFields('softirq processing ends', (k) => k.softirqExit()),
  nmi_enter: noFields('an NMI handler starts', (k) => k.nmiEnter()),
  nmi_exit: noFields('the NMI handler returns', (k) => k.nmiExit()),
  irq_disable: noFields('local_irq_disable()', (k) => k.localIrqDisable()),
  irq_enable: noFields('local_irq_enable()', (k) => k.localIrqEnable()),
  preempt_disable: noFields('preempt_disable()', (k) => k.preemptDisable()),
  preempt_enable: noFields('preempt_enable()', (k) => k.preemptEnable()),
  migrate_disable: noFields('migrate_disable()', (k) => k.migrateDisable()),
  migrate_enable: noFields('migrate_enable()', (k) => k.migrateEnable()),
  bh_disable: noFields('local_bh_disable()', (k) => k.localBhDisable()),
  bh_enable: noFields('local_bh_enable()', (k) => k.localBhEnable()),
  might_sleep: {
    summary: 'might_sleep() (site: the file:line printed in the report)',
    fields: { site: field.optional(field.string()) },
    apply(k, ev) {
      if (ev.site === undefined) k.mightSleep();
      else k.mightSleep(ev.site as string);
    },
  },
  schedule: {
    summary: 'schedule(): the task gives up the CPU (reason: free text for the report)',
    fields: { reason: field.optional(field.string()) },
    apply(k, ev) {
      if (ev.reason === undefined) k.schedule();
      else k.schedule(ev.reason as string);
    },
  },
  switch: noFields(
    "only make the event's task current on its CPU (every event does this first)",
    () => {},
  ),
  init: {
    summary:
      '(re)initialise a declared lock: spin_lock_init(), mutex_init(), ...; debug_check_no_locks_freed() reports it if held',
    fields: { lock: field.lock() },
    apply(_k, ev, st) {
      const l = st.lock(ev.lock as string);
      const p = l.primitive;
      if (!p) return st.fail(`${l.name} is an RCU read-side map, which has no initialiser`, 'lock');
      p.reinit();
    },
  },
  task_exit: noFields("do_exit() of the event's task: locks still held are reported", (k) =>
    k.exitTask(),
  ),
  exit_check: {
    summary: 'debug_check_no_locks_held() for every live task',
    fields: {},
    apply(k) {
      k.checkNoLocksHeld();
    },
  },
};

/** Core ops plus model ops; a model op may not redefine a core op. */
export const OPS: OpTable = mergeOps(CORE_OPS, MODEL_OPS);

export function mergeOps(base: OpTable, extra: OpTable): OpTable {
  for (const name of Object.keys(extra)) {
    if (Object.prototype.hasOwnProperty.call(base, name))
      throw new Error(`op ${name} is defined twice`);
  }
  return Object.freeze({ ...base, ...extra });
}

const COMMON = new Set(['op', 'task', 'cpu']);
const taskField = field.string();
const cpuField = field.integer(0, 8191);

/** Sorted op names for "expected one of" messages. */
let opList: string | null = null;

/**
 * Validate one event; `pointer` is where it sits (`/events/12`). Returns it typed, or
 * throws TraceIssue. Allocates nothing for a valid event.
 */
export function validateEvent(
  ev: unknown,
  decls: TraceDecls,
  pointer: string,
  ops: OpTable = OPS,
): TraceEvent {
  if (!isObject(ev))
    throw new TraceIssue({
      code: 'wrong-type',
      pointer,
      found: describeValue(ev),
      expected: 'an event object with an "op" member',
    });
  const op = ev.op;
  if (op === undefined)
    throw new TraceIssue({
      code: 'missing-field',
      pointer,
      found: 'no "op" member',
      expected: 'an event object with an "op" member',
    });
  if (typeof op !== 'string')
    throw new TraceIssue({
      code: 'wrong-type',
      pointer: `${pointer}/op`,
      found: describeValue(op),
      expected: 'an op name (a string)',
    });
  const spec = Object.prototype.hasOwnProperty.call(ops, op) ? ops[op] : undefined;
  if (!spec) {
    opList ??= Object.keys(OPS).sort().join(', ');
    throw new TraceIssue({
      code: 'unknown-op',
      pointer: `${pointer}/op`,
      found: describeValue(op),
      expected: `an op${didYouMean(op, Object.keys(ops))}: ${ops === OPS ? opList : Object.keys(ops).sort().join(', ')}`,
    });
  }
  const fields = spec.fields;
  let seen = 0;
  for (const key in ev) {
    const v = ev[key];
    if (COMMON.has(key)) {
      if (key === 'task') check(taskField, v, decls, pointer, key);
      else if (key === 'cpu') check(cpuField, v, decls, pointer, key);
      continue;
    }
    const f = Object.prototype.hasOwnProperty.call(fields, key) ? fields[key] : undefined;
    if (!f) {
      const known = ['task', 'cpu', ...Object.keys(fields)];
      throw new TraceIssue(
        {
          code: 'unknown-field',
          pointer: pointerJoin(pointer, key),
          found: `member ${JSON.stringify(key)}`,
          expected: `a member of "${op}": ${known.join(', ')}`,
        },
        true,
      );
    }
    check(f, v, decls, pointer, key);
    if (!f.optional) seen++;
  }
  if (seen < requiredCount(spec)) {
    for (const [key, f] of Object.entries(fields)) {
      if (!f.optional && !(key in ev))
        throw new TraceIssue({
          code: 'missing-field',
          pointer,
          found: `no "${key}" member`,
          expected: `"${key}": ${f.expected}`,
        });
    }
  }
  if (spec.check) {
    const issue = spec.check(ev as TraceEvent, decls);
    if (issue)
      throw new TraceIssue({
        code: issue.code,
        pointer: issue.field ? pointerJoin(pointer, issue.field) : pointer,
        found: issue.found,
        expected: issue.expected,
      });
  }
  return ev as TraceEvent;
}

function check(
  f: FieldValidator,
  v: unknown,
  decls: TraceDecls,
  pointer: string,
  key: string,
): void {
  const issue = f.validate(v, decls);
  if (issue)
    throw new TraceIssue({
      code: issue.code,
      pointer: pointerJoin(pointer, issue.field ?? key),
      found: issue.found,
      expected: issue.expected,
    });
}

const required = new WeakMap<OpSpec, number>();
function requiredCount(spec: OpSpec): number {
  let n = required.get(spec);
  if (n === undefined) {
    n = Object.values(spec.fields).filter((f) => !f.optional).length;
    required.set(spec, n);
  }
  return n;
}
