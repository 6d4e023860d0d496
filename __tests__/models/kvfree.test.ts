/**
 * kvfree_rcu() machinery with the system running: counters, the cache-miss model, the
 * refill worker (SEED), the shrinker/backoff (MAIN), batching after grace periods and the
 * head-less might_sleep contract.
 */
import { createModelSystem, type ModelSystem } from '../../src/models/system';
import { runWorkload, formatWorkloads } from '../../src/models/scenarios';
import {
  STRATEGIES,
  STRATEGY_NAMES,
  getStrategy,
  type KvfreeStrategyName,
} from '../../src/models/strategies';
import type { PreemptModel } from '../../src/core/config';

function sys(
  strategy: KvfreeStrategyName,
  preempt: PreemptModel = 'full',
  kvfree = {},
): ModelSystem {
  const s = createModelSystem(
    { preempt, proveRawLockNesting: true, cpus: 2 },
    { strategy, kvfree },
  );
  s.kernel.switchTo('caller', 0);
  return s;
}

describe('strategies', () => {
  it('each is a distinct code path with the parameters of its era', () => {
    expect(STRATEGY_NAMES).toEqual([
      'v5.9',
      'v5.9-no-rt-skip',
      'drop-lock',
      'worker',
      'mainline',
      'gfp-no-locks',
      'lockless-page',
      'preemptible-check',
      'raw-zone-lock',
      'nolock',
    ]);
    expect(STRATEGIES['v5.9'].bulkCapacity).toBe(510);
    expect(STRATEGIES.mainline.bulkCapacity).toBe(507);
    expect(STRATEGIES['v5.9'].minCachedObjs).toBe(2);
    expect(STRATEGIES.worker.minCachedObjs).toBe(5);
    expect(() => getStrategy('nope')).toThrow(/unknown kvfree_rcu strategy/);
  });

  it('bulk block header: 16 bytes for 510 pointers, 40 for 507', () => {
    expect(sys('v5.9').kvfree.headerSize).toBe(16);
    expect(sys('mainline').kvfree.headerSize).toBe(40);
  });

  it('v5.9 pre-fills rcu_min_cached_objs = 2 pages per CPU at boot; SEED removed the prefill', () => {
    expect(sys('v5.9').kvfree.cachedPages()).toBe(4);
    expect(sys('worker').kvfree.cachedPages()).toBe(0);
  });
});

describe('counters', () => {
  it('bulk vs list: a full block spills into a new block from the allocator (v5.9), the list when it cannot', () => {
    const s = sys('v5.9', 'none');
    for (let i = 0; i < 1200; i++) s.kvfree.kfreeRcu();
    const c = s.kvfree.counters;
    expect(c.bulk).toBe(1200);
    expect(c.list).toBe(0);
    // 3 blocks: 2 from the boot cache, 1 from __get_free_page() under the lock
    expect(c.cacheHits).toBe(2);
    expect(c.allocUnderLock).toBe(1);
    s.mm.emptyPcp();
    s.mm.setBelowWatermark('atomic');
    s.mm.setReclaimable(0);
    for (let i = 0; i < 400; i++) s.kvfree.kfreeRcu();
    expect(c.bulk).toBe(1530); // the third block fills up to 510
    expect(c.list).toBe(70);
  });

  it('objects are freed only after a grace period, by kfree_rcu_work() from the monitor', () => {
    const s = sys('worker');
    s.kvfree.fillCache(5, 0);
    for (let i = 0; i < 100; i++) s.kvfree.kfreeRcu();
    s.advance(20); // KFREE_DRAIN_JIFFIES = HZ/50
    expect(s.kvfree.counters.batchesQueued).toBe(1);
    expect(s.kvfree.counters.freedBulk).toBe(0);
    s.gracePeriod();
    s.runWorkers();
    expect(s.kvfree.counters.freedBulk).toBe(100);
    expect(s.kvfree.counters.gracePeriodsWaited).toBe(1);
    // the block page was recycled into the cache
    expect(s.kvfree.counters.pagesRecycled).toBe(1);
    expect(s.kernel.violations).toEqual([]);
  });

  it('MAIN drain_ready frees blocks whose grace period already elapsed without another GP wait', () => {
    const s = sys('mainline');
    s.kvfree.fillCache(1, 0);
    for (let i = 0; i < 10; i++) s.kvfree.kfreeRcu();
    s.gracePeriod();
    s.advance(5000);
    expect(s.kvfree.counters.drainedReady).toBe(1);
    expect(s.kvfree.counters.freedBulk).toBe(10);
    expect(s.kvfree.counters.batchesQueued).toBe(0);
  });

  it('cache-miss model: 10,000 objects through bulk blocks vs the list on 64-byte lines gives about 8x', () => {
    const bulk = sys('mainline');
    for (let i = 0; i < 10000; i++) bulk.kvfree.kvfreeRcuHeadless(); // task context: allocates blocks
    bulk.settle();
    const list = sys('mainline', 'full', { minCachedObjs: 0 });
    for (let i = 0; i < 10000; i++) list.kvfree.kfreeRcu(); // no cache: every object on the list
    list.settle();
    expect(bulk.kvfree.counters.freedBulk).toBe(10000);
    expect(list.kvfree.counters.freedList).toBe(10000);
    const ratio = list.kvfree.counters.cacheMissesList / bulk.kvfree.counters.cacheMissesBulk;
    expect(ratio).toBeGreaterThan(7.5);
    expect(ratio).toBeLessThan(8.5);
    // 507 pointers per block: 20 blocks, 64 lines each when full
    expect(bulk.kvfree.counters.blocksFreed).toBe(20);
  });

  it('the ratio follows the line size: 128-byte lines give about 16x', () => {
    const w = runWorkload({ strategy: 'v5.9', config: 'none', objects: 5000, kvfree: {} });
    expect(w.counters.list).toBe(0);
    const b = sys('mainline', 'full', { cacheLineSize: 128 });
    for (let i = 0; i < 5070; i++) b.kvfree.kvfreeRcuHeadless();
    b.settle();
    expect(b.kvfree.counters.freedBulk / b.kvfree.counters.cacheMissesBulk).toBeGreaterThan(15);
  });
});

describe('refill worker (SEED, v5.11) and shrinker (MAIN)', () => {
  it('#15: a cache miss kicks the worker through an hrtimer; after it ran, 5 blocks of calls are bulk', () => {
    const s = sys('worker', 'rt');
    expect(s.kvfree.kfreeRcu()).toBe('list');
    expect(s.kvfree.counters.workerKicks).toBe(1);
    s.runWorkers(); // hrtimer (hardirq) -> system_highpri_wq -> fill_page_cache_func
    expect(s.kvfree.cachedPages(0)).toBe(5);
    const placements = new Set<string>();
    for (let i = 0; i < 5 * 510; i++) placements.add(s.kvfree.kfreeRcu());
    expect([...placements]).toEqual(['bulk']);
    expect(s.kvfree.kfreeRcu()).toBe('list');
    expect(s.kernel.violations).toEqual([]);
  });

  it('#16: when the worker cannot allocate, the list persists and the worker is retried on the next miss', () => {
    const s = sys('worker');
    s.mm.emptyPcp();
    s.mm.setBelowWatermark('atomic');
    s.mm.setReclaimable(0);
    s.kvfree.kfreeRcu();
    s.runWorkers();
    expect(s.kvfree.cachedPages()).toBe(0);
    expect(s.kvfree.counters.allocatorFailures).toBeGreaterThan(0);
    expect(s.kvfree.kfreeRcu()).toBe('list');
    expect(s.kvfree.counters.workerKicks).toBe(2);
  });

  it('at most one refill in flight per CPU: kicks while one is pending are dropped', () => {
    const s = sys('mainline');
    for (let i = 0; i < 10; i++) s.kvfree.kfreeRcu();
    expect(s.kvfree.counters.workerKicks).toBe(1);
  });

  it('#18: the shrinker sets backoff, drains the cache; the refill then waits 5000 ms and brings one page', () => {
    const s = sys('mainline');
    s.kvfree.fillCache(5);
    expect(s.kvfree.shrink()).toBe(10);
    expect(s.kvfree.cachedPages()).toBe(0);
    expect(s.kvfree.backoff(0)).toBe(true);
    expect(s.kvfree.kfreeRcu()).toBe('list');
    s.advance(4999);
    expect(s.kvfree.cachedPages(0)).toBe(0);
    s.advance(1);
    expect(s.kvfree.cachedPages(0)).toBe(1);
    expect(s.kvfree.backoff(0)).toBe(false);
  });

  it('the refill worker allocates in process context with nothing held: no splat on any config', () => {
    for (const p of ['none', 'full', 'rt'] as PreemptModel[]) {
      const s = sys('mainline', p);
      s.kernel.hardirq(() => s.kvfree.kfreeRcu());
      s.settle();
      expect(s.kvfree.counters.pagesRefilled).toBe(5);
      expect(s.kernel.violations).toEqual([]);
    }
  });
});

describe('head-less kvfree_rcu(ptr): the might_sleep() contract', () => {
  it('from a sleepable task: no report, allocates after dropping krc.lock', () => {
    const s = sys('mainline', 'rt');
    expect(s.kvfree.kvfreeRcuHeadless()).toBe('bulk');
    expect(s.kvfree.counters.allocDropLock).toBe(1);
    expect(s.kernel.violations).toEqual([]);
  });

  it('under a spinlock_t on !RT: might_sleep() reports at entry even when the cache has a page', () => {
    const s = sys('mainline', 'full');
    s.kvfree.fillCache(1, 0);
    const l = s.kernel.spinlock('caller_lock');
    l.lock();
    expect(s.kvfree.kvfreeRcuHeadless()).toBe('bulk');
    l.unlock();
    const v = s.kernel.violations;
    expect(v.map((x) => x.kind)).toEqual(['sleeping-in-atomic']);
    expect(v[0].kind === 'sleeping-in-atomic' && v[0].reason).toMatch(/kvfree_call_rcu/);
    expect(v[0].kind === 'sleeping-in-atomic' && v[0].site).toBe('mm/slab_common.c:1938');
  });

  it('fallback is synchronize_rcu() + kvfree() in the caller: one grace period waited inline', () => {
    const s = sys('worker');
    const gps = s.rcu.completed;
    expect(s.kvfree.kvfreeRcuHeadless()).toBe('inline-gp');
    expect(s.rcu.completed).toBe(gps + 1);
    expect(s.kvfree.counters.freedInline).toBe(1);
    expect(s.kernel.violations).toEqual([]);
  });
});

describe('workload table', () => {
  it('counts per strategy, with list use only until the worker refilled the cache', () => {
    const rows = (['v5.9', 'worker', 'mainline'] as KvfreeStrategyName[]).map((strategy) =>
      runWorkload({ strategy, config: 'full+prln', objects: 3000 }),
    );
    for (const r of rows) expect(r.counters.bulk + r.counters.list).toBe(3000);
    expect(rows[0].counters.list).toBe(0);
    expect(rows[1].counters.list).toBeGreaterThan(0);
    expect(rows[1].counters.list).toBeLessThan(100);
    const text = formatWorkloads(rows);
    expect(text.split('\n')[0]).toMatch(/^strategy \| config\s+\| bulk \| list/);
  });
});

describe('workload cache-miss ratio and pacing', () => {
  it('the list:bulk ratio is defined when only the bulk channel was used (the list at its model cost)', () => {
    const w = runWorkload({ strategy: 'v5.9', config: 'none', objects: 3000 });
    expect(w.counters.freedList).toBe(0);
    expect(w.missesPerObject.list).toBeNull();
    expect(w.missesPerObject.bulk).toBeCloseTo(w.counters.cacheMissesBulk / w.counters.freedBulk);
    expect(w.missRatioBasis).toBe('list modelled');
    expect(w.missRatio).toBeCloseTo(1 / w.missesPerObject.bulk!);
    expect(Number.isFinite(w.missRatio)).toBe(true);
  });

  it('both channels used: the measured ratio', () => {
    const w = runWorkload({ strategy: 'mainline', config: 'full+prln', objects: 3000 });
    expect(w.missRatioBasis).toBe('measured');
    expect(w.missRatio).toBeCloseTo(w.missesPerObject.list! / w.missesPerObject.bulk!);
  });

  it('pacing is an option: calls per ms (list use before the refill worker runs) and GP length', () => {
    const base = runWorkload({ strategy: 'mainline', config: 'full', objects: 2000 });
    const slowCalls = runWorkload({
      strategy: 'mainline',
      config: 'full',
      objects: 2000,
      burst: 8,
    });
    const longGp = runWorkload({
      strategy: 'mainline',
      config: 'full',
      objects: 2000,
      gpEveryMs: 50,
    });
    expect(slowCalls.pacing).toEqual({ callsPerMs: 8, gpEveryMs: 10, shrinkEveryMs: null });
    // fewer calls land between the first miss and the worker's refill
    expect(slowCalls.counters.list).toBeLessThan(base.counters.list);
    // longer grace periods: fewer batches processed, each larger
    expect(longGp.counters.gracePeriodsWaited).toBeLessThan(base.counters.gracePeriodsWaited);
  });

  it('the shrinker is an option: scan_objects runs every N ms', () => {
    const w = runWorkload({
      strategy: 'mainline',
      config: 'full',
      objects: 2000,
      shrinkEveryMs: 5,
    });
    expect(w.counters.shrinkerScans).toBeGreaterThan(0);
    expect(
      runWorkload({ strategy: 'mainline', config: 'full', objects: 2000 }).counters.shrinkerScans,
    ).toBe(0);
    expect(() => runWorkload({ strategy: 'mainline', shrinkEveryMs: 0 })).toThrow(/shrinkEveryMs/);
  });
});
