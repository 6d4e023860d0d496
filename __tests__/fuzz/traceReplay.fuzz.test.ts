/**
 * Property: random valid traces, built from the op table's own field validators so every
 * op (core and model) is exercised, under random configurations, replay (replayTrace and
 * runMatrix; as an object, a JSON document and JSON Lines) without internal errors, and
 * deterministically: the same trace gives the same JSON every time, in every form.
 */
import fc from 'fast-check';
import { LOCK_TYPE_NAMES, WAIT_TYPE_NAMES } from '../../src/core/waitType';
import { checkResultToJson, replayTrace } from '../../src/trace/check';
import type { FieldValidator } from '../../src/trace/fields';
import { runMatrix, type MatrixResult } from '../../src/trace/matrix';
import { OPS, validateEvent } from '../../src/trace/ops';
import {
  LOCK_TYPE_TAGS,
  TraceIssue,
  validateHeader,
  type Trace,
  type TraceEvent,
} from '../../src/trace/schema';
import { violationRecord } from '../../src/report/json';
import { expectTyped, runs } from './helpers';

const OP_NAMES = Object.keys(OPS);
const GFPS = [
  'GFP_KERNEL',
  'GFP_ATOMIC',
  'GFP_NOWAIT',
  'GFP_NOIO',
  'GFP_KERNEL|__GFP_NOWARN',
  'GFP_ATOMIC|__GFP_NOWARN',
  '0',
  '__GFP_HIGH',
  'bogus',
];

/** A generator for one field, read off its validator (a new shape fails here, on purpose). */
function arbFor(
  op: string,
  key: string,
  f: FieldValidator,
  locks: readonly string[],
): fc.Arbitrary<unknown> {
  const e = f.expected;
  if (e === 'true or false') return fc.boolean();
  if (e === 'a non-empty string')
    return key === 'gfp'
      ? fc.constantFrom(...GFPS)
      : fc.constantFrom('mm/x.c:12', 'site', 'é🔒', 'a"b\\c');
  if (e === 'the name of a lock declared in "locks"') return fc.constantFrom(...locks);
  let m = /^an integer in (\d+)\.\.(\d+)$/.exec(e);
  if (m) {
    const lo = Number(m[1]);
    const hi = Number(m[2]);
    return fc.oneof(
      fc.integer({ min: lo, max: Math.min(hi, lo + 4) }),
      fc.constant(hi),
      fc.integer({ min: lo, max: hi }),
    );
  }
  m = /^one of (.*)$/.exec(e);
  if (m) return fc.constantFrom(...(JSON.parse(`[${m[1]}]`) as string[]));
  throw new Error(`no generator for field ${op}.${key} (expected: ${e}); extend arbFor`);
}

const LOCK_NAMES = ['A', 'B', 'C', 'D', 'E', 'F'];

const lockDecl = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      type: fc.constantFrom(...LOCK_TYPE_TAGS),
      class: fc.option(fc.constantFrom('k0', 'k1', 'A'), { nil: undefined }),
      queued: fc.option(fc.boolean(), { nil: undefined }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      wait: fc.record({
        inner: fc.constantFrom(...WAIT_TYPE_NAMES),
        outer: fc.option(fc.constantFrom(...WAIT_TYPE_NAMES), { nil: undefined }),
      }),
      lockType: fc.option(fc.constantFrom(...LOCK_TYPE_NAMES), { nil: undefined }),
      class: fc.option(fc.constantFrom('k0', 'k1', 'A'), { nil: undefined }),
    }),
  },
);

const config = fc.record({
  preempt: fc.option(fc.constantFrom('none', 'voluntary', 'full', 'rt'), { nil: undefined }),
  proveRawLockNesting: fc.option(fc.boolean(), { nil: undefined }),
  debugAtomicSleep: fc.option(fc.boolean(), { nil: undefined }),
  threadirqs: fc.option(fc.boolean(), { nil: undefined }),
  booting: fc.option(fc.boolean(), { nil: undefined }),
  policy: fc.option(fc.constantFrom('collect', 'first', 'throw'), { nil: undefined }),
  cpus: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
  limits: fc.option(
    fc.record(
      {
        maxLockDepth: fc.integer({ min: 1, max: 6 }),
        maxClasses: fc.integer({ min: 1, max: 8 }),
        maxEntries: fc.integer({ min: 2, max: 12 }),
        maxChains: fc.integer({ min: 1, max: 8 }),
        maxChainHlocks: fc.integer({ min: 1, max: 40 }),
        bfsQueue: fc.integer({ min: 2, max: 8 }),
      },
      { requiredKeys: [] },
    ),
    { nil: undefined },
  ),
});

/** Drop undefined members so the trace is what JSON would carry. */
function clean<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

function eventArb(locks: readonly string[]): fc.Arbitrary<Record<string, unknown>> {
  const opArb = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom('lock', 'unlock') },
    { weight: 4, arbitrary: fc.constantFrom(...OP_NAMES) },
  );
  return opArb.chain((op) => {
    const fields: Record<string, fc.Arbitrary<unknown>> = {};
    for (const [k, f] of Object.entries(OPS[op].fields))
      fields[k] = f.optional
        ? fc.option(arbFor(op, k, f, locks), { nil: undefined, freq: 2 })
        : arbFor(op, k, f, locks);
    return fc.record({
      op: fc.constant(op),
      task: fc.option(fc.constantFrom('init', 't1', 't2'), { nil: undefined, freq: 2 }),
      cpu: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined, freq: 3 }),
      ...fields,
    });
  });
}

const traceArb: fc.Arbitrary<Trace> = fc
  .record({ config, decls: fc.array(lockDecl, { minLength: 1, maxLength: LOCK_NAMES.length }) })
  .chain(({ config: c, decls }) => {
    const names = [
      ...decls.map((_, i) => LOCK_NAMES[i]),
      'rcu_read_lock',
      'rcu_read_lock_bh',
      'rcu_read_lock_sched',
    ];
    const locks = Object.fromEntries(decls.map((d, i) => [LOCK_NAMES[i], d]));
    return fc.array(eventArb(names), { maxLength: 40 }).map((events) => {
      const t = clean({ 'lockdep-trace': 1, config: c, locks, events }) as {
        locks: Record<string, Record<string, unknown>>;
        events: Record<string, unknown>[];
      };
      // `queued` is an rwlock member only
      for (const d of Object.values(t.locks)) if (d.type !== 'rwlock') delete d.queued;
      const decl = validateHeader(t, false);
      // keep the events the validator accepts (cross-field checks reject, e.g., read on a mutex)
      t.events = t.events.filter((ev, i) => {
        try {
          validateEvent(ev, decl, `/events/${i}`);
          return true;
        } catch (e) {
          if (e instanceof TraceIssue) return false;
          throw e;
        }
      });
      return t as unknown as Trace;
    });
  });

type Outcome = { ok: string } | { error: string };

function outcome(run: () => unknown, context: string): Outcome {
  try {
    return { ok: JSON.stringify(run()) };
  } catch (e) {
    expectTyped(e, context);
    return { error: `${e.name} ${(e as { code?: string }).code}` };
  }
}

function matrixJson(m: MatrixResult): unknown {
  return {
    events: m.events,
    rows: m.rows,
    columns: m.columns.map((c) => ({
      id: c.id,
      events: c.result.events,
      suppressed: c.result.suppressed,
      violations: c.result.violations.map(violationRecord),
    })),
  };
}

function jsonl(t: Trace): string {
  const { events, ...header } = t;
  return [JSON.stringify(header), ...events.map((e: TraceEvent) => JSON.stringify(e))].join('\n');
}

describe('fuzz: random valid traces over the whole op table', () => {
  const seen = new Set<string>();

  it('replayTrace: typed errors only, the same JSON from the object, the document and JSON Lines, every time', () => {
    fc.assert(
      fc.property(traceArb, (t) => {
        for (const ev of t.events) seen.add(ev.op);
        const ctx = JSON.stringify(t);
        const a = outcome(() => checkResultToJson(replayTrace(t)), ctx);
        const b = outcome(() => checkResultToJson(replayTrace(t)), ctx);
        const c = outcome(() => checkResultToJson(replayTrace(JSON.stringify(t, null, 1))), ctx);
        const d = outcome(() => checkResultToJson(replayTrace(jsonl(t))), ctx);
        expect(b).toEqual(a);
        expect(c).toEqual(a);
        expect(d).toEqual(a);
      }),
      runs(400, 0x7ace),
    );
    // the generator reaches every op of the table
    expect([...seen].sort()).toEqual([...OP_NAMES].sort());
  });

  it('runMatrix: typed errors only, deterministic', () => {
    fc.assert(
      fc.property(traceArb, (t) => {
        const ctx = JSON.stringify(t);
        const a = outcome(() => matrixJson(runMatrix(t)), ctx);
        const b = outcome(() => matrixJson(runMatrix(jsonl(t))), ctx);
        expect(b).toEqual(a);
      }),
      runs(150, 0x3a7),
    );
  });
});
