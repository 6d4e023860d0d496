/**
 * Model results a trace can assert on: per kvfree_rcu() call where the object went
 * (kvfree_call_rcu(): add_ptr_to_bulk_krc_lock() -> bulk block, else the rcu_head list,
 * head-less: synchronize_rcu() + kvfree() inline), and the counters at the end, in the
 * library API, `check --format json` and a trace's `expect.models`.
 */
import {
  checkResultToJson,
  createModelSystem,
  PLACEMENT_LOG_MAX,
  replayTrace,
  type Trace,
} from '../../src';
import { verifyExpectations } from '../../src/trace/expect';
import { TraceError } from '../../src/trace/errors';

const trace = (expect?: Trace['expect']): Trace => ({
  'lockdep-trace': 1,
  config: { preempt: 'full', proveRawLockNesting: true },
  locks: { caller_lock: { type: 'raw_spinlock' } },
  ...(expect ? { expect } : {}),
  events: [
    { op: 'model_setup', strategy: 'mainline' },
    { op: 'kvfree_cache', fill: 1, cpu: 0 },
    { op: 'kfree_rcu' }, // the cached page becomes a bulk block
    { op: 'kvfree_cache', empty: true },
    { op: 'pcp_set', count: 0 },
    { op: 'kfree_rcu' }, // same block, room left
    { op: 'lock', lock: 'caller_lock' },
    { op: 'kvfree_rcu_headless' }, // block has room: bulk (and might_sleep() reports)
    { op: 'unlock', lock: 'caller_lock' },
    { op: 'run_workers', settle: true },
    { op: 'kvfree_cache', empty: true },
    { op: 'zone_set', below: 'atomic', reclaimable: 0 },
    { op: 'kvfree_rcu_headless' }, // no block, no page: synchronize_rcu() inline
  ],
});

describe('kvfree_rcu() placements and counters', () => {
  it('the library API records every call: event, call, cpu, task, placement', () => {
    const sys = createModelSystem({ preempt: 'full' }, { strategy: 'mainline' });
    sys.kernel.switchTo('caller', 0);
    sys.kvfree.fillCache(1, 0);
    expect(sys.kvfree.kfreeRcu()).toBe('bulk');
    sys.kvfree.emptyCache();
    sys.settle();
    sys.kernel.switchTo('caller', 0);
    sys.kvfree.emptyCache();
    expect(sys.kvfree.kfreeRcu()).toBe('list');
    expect(sys.kvfree.placements.map((p) => [p.call, p.cpu, p.task, p.placement])).toEqual([
      ['kfree_rcu', 0, 'caller', 'bulk'],
      ['kfree_rcu', 0, 'caller', 'list'],
    ]);
    expect(sys.kvfree.counters.bulk).toBe(1);
    expect(sys.kvfree.counters.list).toBe(1);
  });

  it('check --format json carries models: placements per call with the trace event, counters at the end', () => {
    const r = replayTrace(trace());
    const json = checkResultToJson(r);
    expect(json.models?.strategy).toBe('mainline');
    expect(json.models?.placements.map((p) => [p.event, p.call, p.placement])).toEqual([
      [2, 'kfree_rcu', 'bulk'],
      [5, 'kfree_rcu', 'bulk'],
      [7, 'kvfree_rcu_headless', 'bulk'],
      [12, 'kvfree_rcu_headless', 'inline-gp'],
    ]);
    expect(json.models?.counters).toMatchObject({ calls: 4, bulk: 3, list: 0, inlineGp: 1 });
    expect(json.models?.mm).toHaveProperty('calls', 2);
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });

  it('a trace without model ops has no models member', () => {
    const r = replayTrace({
      'lockdep-trace': 1,
      locks: { a: { type: 'spinlock' } },
      events: [
        { op: 'lock', lock: 'a' },
        { op: 'unlock', lock: 'a' },
      ],
    });
    expect(r.models).toBeNull();
    expect('models' in checkResultToJson(r)).toBe(false);
  });

  it.each<[string, Trace['expect'], string[]]>([
    [
      'matching placements and counters',
      { models: { placements: ['bulk', 'bulk', 'bulk', 'inline-gp'], counters: { inlineGp: 1 } } },
      [],
    ],
    [
      'a wrong placement',
      { models: { placements: ['bulk', 'list', 'bulk', 'inline-gp'] } },
      [
        'models: placements: expected [bulk, list, bulk, inline-gp], got [bulk, bulk, bulk, inline-gp]',
      ],
    ],
    [
      'a wrong counter and an unknown one',
      { models: { counters: { bulk: 2, nope: 0 } } },
      ['models: counter bulk: expected 2, got 3', 'models: no counter named nope'],
    ],
  ])('expect.models: %s', (_n, expect_, problems) => {
    const t = trace(expect_);
    expect(verifyExpectations(t, replayTrace(t), null)).toEqual(problems);
  });

  it.each<[unknown, RegExp]>([
    [{ placements: ['heap'] }, /\/expect\/models\/placements\/0/],
    [{ counters: { bulk: -1 } }, /\/expect\/models\/counters\/bulk/],
    [{ other: 1 }, /\/expect\/models/],
  ])('expect.models is validated: %j', (models, pointer) => {
    const t = { ...trace(), expect: { models } } as unknown as Trace;
    expect(() => replayTrace(t)).toThrow(TraceError);
    expect(() => replayTrace(t)).toThrow(pointer);
  });

  it('the per-call log is bounded; the counters still cover every call', () => {
    const sys = createModelSystem({ preempt: 'full' }, { strategy: 'mainline' });
    sys.kernel.switchTo('caller', 0);
    const n = PLACEMENT_LOG_MAX + 3;
    for (let i = 0; i < n; i++) {
      sys.kvfree.kfreeRcu();
      if (i % 500 === 0) sys.settle();
      sys.kernel.switchTo('caller', 0);
    }
    expect(sys.kvfree.placements).toHaveLength(PLACEMENT_LOG_MAX);
    expect(sys.kvfree.placementsDropped).toBe(3);
    expect(sys.kvfree.counters.calls).toBe(n);
  });
});
