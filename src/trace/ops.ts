/**
 * The op table: every event kind a trace may contain, with its fields and what it does
 * to a Kernel. Adding an op is adding one `defineOp()` entry (model ops go in
 * modelOps.ts; opTable.ts says how an entry is written); the
 * validator, the replayer, the error messages and `lockdep check --help` all read
 * this table.
 */
import type { Kernel } from '../kernel';
import { describeValue, didYouMean, pointerJoin } from './errors';
import { field, type FieldIssue, type FieldValidator } from './fields';
import { LOCK_CAPS } from './locks';
import { MODEL_OPS } from './modelOps';
import {
  CPU_FIELD,
  PID_FIELD,
  defineOp,
  TASK_FIELD,
  type EventOf,
  type OpSpec,
  type OpTable,
} from './opTable';
import { isObject, TraceIssue, type TraceDecls, type TraceEvent } from './schema';

export { defineOp } from './opTable';
export type { EventOf, FieldSet, OpDefinition, OpSpec, OpTable, ReplayState } from './opTable';

const at = field.optional(field.string());

/** An op with no fields of its own. */
const noFields = (summary: string, apply: (k: Kernel) => void): OpSpec =>
  defineOp({ summary, fields: {}, apply });

function unsupported(name: string, kind: string, found: string, expected: string): FieldIssue {
  return {
    code: 'unsupported-field',
    field: name,
    found,
    expected: `${expected} (lock type ${kind})`,
  };
}

const LOCK_FIELDS = {
  lock: field.lock(),
  read: field.optional(field.boolean()),
  try: field.optional(field.boolean()),
  subclass: field.optional(field.integer(0, 0xffffffff)),
  nest: field.optional(field.lock()),
  at,
};

/** Which `lock` fields the named lock's type accepts (LOCK_CAPS). */
function checkLock(ev: EventOf<typeof LOCK_FIELDS>, decls: TraceDecls): FieldIssue | null {
  // a plain acquisition, most of a trace: nothing below applies
  if (
    ev.read === undefined &&
    ev.try === undefined &&
    ev.subclass === undefined &&
    ev.nest === undefined
  )
    return null;
  const d = decls.locks.get(ev.lock)!;
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
    const n = decls.locks.get(ev.nest)!;
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
  lock: defineOp({
    summary:
      'acquire a declared lock: spin_lock, read_lock/write_lock, mutex_lock, down_read/down_write, srcu_read_lock, lock_map_acquire, ...',
    fields: LOCK_FIELDS,
    check: checkLock,
    apply(_k, ev, st) {
      const l = st.lock(ev.lock);
      const nest = ev.nest === undefined ? null : st.lock(ev.nest).primitive;
      if (!l.acquire(ev.read === true, ev.try === true, ev.subclass, nest, ev.at))
        st.fail(
          `the trylock of ${l.name} fails in the model (the lock is taken); a trace records successful trylocks only`,
          'try',
        );
    },
  }),
  unlock: defineOp({
    summary: 'release a lock the task holds (the side it was taken with, for read/write locks)',
    fields: { lock: field.lock(), at },
    apply(_k, ev, st) {
      st.lock(ev.lock).release(ev.at);
    },
  }),
  irq_enter: defineOp({
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
        threaded: ev.threaded,
        forceThreaded: ev.forceThreaded,
        irq: ev.irq,
        name: ev.name,
      });
    },
  }),
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
  might_sleep: defineOp({
    summary: 'might_sleep() (site: the file:line printed in the report)',
    fields: { site: field.optional(field.string()) },
    apply(k, ev) {
      if (ev.site === undefined) k.mightSleep();
      else k.mightSleep(ev.site);
    },
  }),
  schedule: defineOp({
    summary: 'schedule(): the task gives up the CPU (reason: free text for the report)',
    fields: { reason: field.optional(field.string()) },
    apply(k, ev) {
      if (ev.reason === undefined) k.schedule();
      else k.schedule(ev.reason);
    },
  }),
  switch: noFields(
    "only make the event's task current on its CPU (every event does this first)",
    () => {},
  ),
  init: defineOp({
    summary:
      '(re)initialise a declared lock: spin_lock_init(), mutex_init(), ...; debug_check_no_locks_freed() reports it if held',
    fields: { lock: field.lock() },
    apply(_k, ev, st) {
      const l = st.lock(ev.lock);
      const p = l.primitive;
      if (!p) return st.fail(`${l.name} is an RCU read-side map, which has no initialiser`, 'lock');
      p.reinit();
    },
  }),
  task_exit: defineOp({
    summary: "do_exit() of the event's task: locks still held are reported",
    fields: {},
    apply(k, _ev, st) {
      const comm = k.current;
      k.exitTask();
      st.forget(comm);
    },
  }),
  exit_check: noFields('debug_check_no_locks_held() for every live task', (k) =>
    k.checkNoLocksHeld(),
  ),
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

const COMMON = new Set(['op', 'task', 'cpu', 'pid']);

/** Sorted op names for "expected one of" messages. */
let opList: string | null = null;

/** The spec an `op` value names in `ops`, if any (own members only: `toString` is no op). */
function specOf(ops: OpTable, op: string): OpSpec | undefined {
  return Object.prototype.hasOwnProperty.call(ops, op) ? ops[op] : undefined;
}

/**
 * An op table as a Map, made once per reader or replay for the per-event lookups: op
 * names longer than ten characters come out of JSON.parse as fresh strings, which a Map
 * hashes faster than a property load looks them up. Own members only, as specOf().
 */
export function specTable(ops: OpTable): ReadonlyMap<string, OpSpec> {
  const m = new Map<string, OpSpec>();
  for (const name of Object.keys(ops)) m.set(name, ops[name]);
  return m;
}

/**
 * The fast check of one parsed event: -1 unless valid, else what OpSpec.accept returns.
 * Builds nothing; validateEvent() explains a rejection.
 */
export function acceptEvent(ev: unknown, decls: TraceDecls, ops: OpTable = OPS): number {
  if (typeof ev !== 'object' || ev === null || Array.isArray(ev)) return -1;
  const op = (ev as Record<string, unknown>).op;
  if (typeof op !== 'string') return -1;
  const spec = ops[op];
  // an inherited member (`toString`) has no `accept`; specOf() on the slow path says why
  if (spec === undefined || typeof spec.accept !== 'function') return -1;
  return spec.accept(ev as Record<string, unknown>, decls);
}

/** acceptEvent() with the table made by specTable(). */
export function acceptWith(
  specs: ReadonlyMap<string, OpSpec>,
  ev: unknown,
  decls: TraceDecls,
): number {
  if (typeof ev !== 'object' || ev === null || Array.isArray(ev)) return -1;
  const op = (ev as Record<string, unknown>).op;
  if (typeof op !== 'string') return -1;
  const spec = specs.get(op);
  if (spec === undefined || typeof spec.accept !== 'function') return -1;
  return spec.accept(ev as Record<string, unknown>, decls);
}

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
  if (acceptEvent(ev, decls, ops) >= 0) return ev as TraceEvent;
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
  const spec = specOf(ops, op);
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
  for (const key in ev) {
    if (key === 'op') continue;
    const f = Object.prototype.hasOwnProperty.call(fields, key)
      ? fields[key]
      : key === 'task'
        ? TASK_FIELD
        : key === 'cpu'
          ? CPU_FIELD
          : key === 'pid'
            ? PID_FIELD
            : undefined;
    if (!f) {
      const known = ['task', 'cpu', 'pid', ...Object.keys(fields).filter((k) => !COMMON.has(k))];
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
    const v = ev[key];
    check(f, v, decls, pointer, key);
  }
  for (const [key, f] of Object.entries(fields)) {
    if (!f.optional && !(key in ev))
      throw new TraceIssue({
        code: 'missing-field',
        pointer,
        found: `no "${key}" member`,
        expected: `"${key}": ${f.expected}`,
      });
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
