/**
 * Property (issue 3 acceptance): random valid traces round-trip — serialize (JSON and
 * JSON Lines), parse, replay — with reports identical to replaying the original object,
 * and replaying twice gives the same reports. Replay errors (a failed trylock, a task
 * that exited) must be identical too.
 */
import * as fc from 'fast-check';
import { runs } from '../helpers/fuzz';
import {
  checkResultToJson,
  parseTrace,
  replayTrace,
  serializeTrace,
  TraceError,
  type Trace,
  type TraceEvent,
} from '../../src';
import { LOCK_CAPS } from '../../src/trace/locks';
import type { LockDecl } from '../../src/trace/schema';

const TYPES: LockDecl[] = [
  { type: 'raw_spinlock' },
  { type: 'spinlock' },
  { type: 'mutex' },
  { type: 'rwlock' },
  { type: 'rwlock', queued: false },
  { type: 'rwsem' },
  { type: 'local_lock' },
  { type: 'srcu' },
  { type: 'seqcount' },
  { type: 'percpu_rwsem' },
  { type: 'rt_mutex' },
  { wait: { inner: 'spin' } },
  { wait: { inner: 'config', outer: 'free' }, lockType: 'percpu' },
  { wait: { inner: 'sleep' }, lockType: 'wait-override' },
];
const PLAIN_OPS = [
  'irq_disable',
  'irq_enable',
  'preempt_disable',
  'preempt_enable',
  'bh_disable',
  'bh_enable',
  'might_sleep',
  'schedule',
  'softirq_enter',
  'softirq_exit',
  'irq_exit',
  'nmi_enter',
  'nmi_exit',
  'exit_check',
  'switch',
];

function kindOf(d: LockDecl): keyof typeof LOCK_CAPS {
  if ('type' in d) return d.type;
  return d.lockType === 'wait-override' ? 'wait-override' : 'map';
}

const traceArb: fc.Arbitrary<Trace> = fc
  .record({
    types: fc.array(fc.integer({ min: 0, max: TYPES.length - 1 }), { minLength: 1, maxLength: 5 }),
    shareClass: fc.boolean(),
    config: fc.record({
      preempt: fc.constantFrom('none', 'voluntary', 'full', 'rt' as const),
      proveRawLockNesting: fc.boolean(),
    }),
    steps: fc.array(
      fc.record({
        kind: fc.integer({ min: 0, max: 9 }),
        lock: fc.nat(),
        plain: fc.nat(),
        read: fc.boolean(),
        trylock: fc.boolean(),
        subclass: fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }),
        task: fc.option(fc.constantFrom('init', 'a', 'b'), { nil: undefined }),
        cpu: fc.option(fc.integer({ min: 0, max: 1 }), { nil: undefined }),
        threaded: fc.option(fc.boolean(), { nil: undefined }),
      }),
      { maxLength: 40 },
    ),
  })
  .map(({ types, shareClass, config, steps }) => {
    const locks: Record<string, LockDecl> = {};
    types.forEach((t, i) => {
      const d = TYPES[t];
      locks[`L${i}`] = shareClass && i < 2 && 'type' in d ? { ...d, class: 'shared' } : d;
    });
    const names = [
      ...Object.keys(locks),
      'rcu_read_lock',
      'rcu_read_lock_bh',
      'rcu_read_lock_sched',
    ];
    const events: TraceEvent[] = steps.map((s) => {
      const common: { task?: string; cpu?: number } = {};
      if (s.task !== undefined) common.task = s.task;
      if (s.cpu !== undefined) common.cpu = s.cpu;
      const name = names[s.lock % names.length];
      if (s.kind <= 3) {
        const caps = LOCK_CAPS[name.startsWith('rcu') ? 'rcu' : kindOf(locks[name])];
        const ev: Record<string, unknown> = { op: 'lock', lock: name, ...common };
        const read = caps.read === 'optional' && s.read;
        if (read) ev.read = true;
        if (s.trylock && (read || caps.read === 'always' ? caps.tryRead : caps.tryWrite))
          ev.try = true;
        else if (s.subclass !== undefined && caps.subclass) ev.subclass = s.subclass;
        return ev as TraceEvent;
      }
      if (s.kind <= 6) return { op: 'unlock', lock: name, ...common };
      if (s.kind === 7)
        return {
          op: 'irq_enter',
          ...(s.threaded !== undefined ? { threaded: s.threaded } : {}),
          ...common,
        };
      return { op: PLAIN_OPS[s.plain % PLAIN_OPS.length], ...common };
    });
    return { 'lockdep-trace': 1 as const, description: 'random', config, locks, events };
  });

type Outcome = { ok: unknown } | { error: { code: string; pointer: string } };

function outcome(t: Trace | string): Outcome {
  try {
    return { ok: checkResultToJson(replayTrace(t)) };
  } catch (e) {
    if (e instanceof TraceError) return { error: { code: e.traceCode, pointer: e.pointer } };
    throw e;
  }
}

describe('trace round trip', () => {
  it('serialize -> parse gives the same trace, and the same reports (JSON and JSON Lines)', () => {
    fc.assert(
      fc.property(traceArb, (trace) => {
        const direct = outcome(trace);
        for (const format of ['json', 'jsonl'] as const) {
          const text = serializeTrace(trace, format);
          expect(parseTrace(text)).toEqual(trace);
          expect(outcome(text)).toEqual(direct);
        }
        expect(outcome(trace)).toEqual(direct);
      }),
      runs(300, 0x7017),
    );
  });

  it('generates traces that report violations, so the property is not vacuous', () => {
    const samples = fc.sample(traceArb, { numRuns: 200, seed: 42 });
    const withViolations = samples.filter((t) => {
      const o = outcome(t);
      return 'ok' in o && (o.ok as { violations: unknown[] }).violations.length > 0;
    });
    expect(withViolations.length).toBeGreaterThan(20);
  });
});
