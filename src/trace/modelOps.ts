/**
 * Model ops: events that drive the kernel models built on the primitives (page
 * allocation, kfree_rcu, RCU grace periods, ...). Each entry is an OpSpec (see
 * ops.ts for the contract); the table is merged into the core op table, and an op
 * name may be defined only once across both.
 *
 * Keep state in `state.ext(key, create)`, bounded in size, never per event.
 * Import field validators from './fields' and defineOp from './opTable' (not from
 * './ops': ops.ts imports this file, so a value imported from it would be undefined here).
 *
 * The models (page allocator, RCU, kvfree_rcu) are created on the first model op with the
 * `mainline` strategy, or by an earlier `model_setup` event that picks the strategy and the
 * page allocator version (the trace `config` holds kernel options only).
 */
import type { Kernel } from '../kernel';
import { field } from './fields';
import { defineOp, type OpTable, type ReplayState } from './opTable';
import { parseGfp } from '../models/mm/gfp';
import { PAGE_ALLOCATOR_VERSIONS, type PageAllocatorVersion } from '../models/mm/pageAlloc';
import type { KvfreeCounters, PlacementRecord } from '../models/rcu/kvfree';
import { STRATEGY_NAMES, type KvfreeStrategyName } from '../models/strategies';
import { attachModels, type ModelSystem } from '../models/system';
import type { PageAllocatorStats } from '../models/mm/pageAlloc';

const KEY = 'models';

/** What model_setup chose before the models exist. */
interface Setup {
  strategy: KvfreeStrategyName;
  version?: PageAllocatorVersion;
  pageOwner?: boolean;
  debugPagealloc?: boolean;
  minCachedObjs?: number;
  bulkCapacity?: number;
  created: ModelSystem | null;
}

function setup(st: ReplayState): Setup {
  return st.ext<Setup>(`${KEY}:setup`, () => ({ strategy: 'mainline', created: null }));
}

function models(k: Kernel, st: ReplayState): ModelSystem {
  const s = setup(st);
  if (!s.created) {
    s.created = attachModels(k, {
      strategy: s.strategy,
      allocator: { version: s.version, pageOwner: s.pageOwner, debugPagealloc: s.debugPagealloc },
      kvfree: { minCachedObjs: s.minCachedObjs, bulkCapacity: s.bulkCapacity },
    });
  }
  return s.created;
}

/** What the models did in a replay (`lockdep check --format json`'s `models`). */
export interface ModelResults {
  readonly strategy: KvfreeStrategyName;
  /** per kvfree_rcu() call, where the object went (the first PLACEMENT_LOG_MAX calls) */
  readonly placements: readonly PlacementRecord[];
  /** calls past PLACEMENT_LOG_MAX, counted only */
  readonly placementsDropped: number;
  /** the kvfree_rcu counters at the end of the replay */
  readonly counters: Readonly<KvfreeCounters>;
  /** the page allocator counters at the end of the replay */
  readonly mm: Readonly<PageAllocatorStats>;
}

/** The models' results from a replay's extension state; null when no model op ran. */
export function modelResults(ext: ReadonlyMap<string, unknown>): ModelResults | null {
  const s = ext.get(`${KEY}:setup`) as Setup | undefined;
  const sys = s?.created;
  if (!sys) return null;
  return {
    strategy: sys.kvfree.strategy.name,
    placements: [...sys.kvfree.placements],
    placementsDropped: sys.kvfree.placementsDropped,
    counters: { ...sys.kvfree.counters },
    mm: { ...sys.mm.stats },
  };
}

function gfpOf(st: ReplayState, text: string): number {
  try {
    return parseGfp(text);
  } catch (e) {
    return st.fail(e instanceof Error ? e.message : String(e), 'gfp');
  }
}

const vmalloc = field.optional(field.boolean());
const cpu = field.optional(field.integer(0, 8191));

export const MODEL_OPS: OpTable = {
  model_setup: defineOp({
    summary: 'choose the kvfree_rcu strategy and page allocator (before any other model op)',
    fields: {
      strategy: field.oneOf(STRATEGY_NAMES),
      allocator: field.optional(field.oneOf(PAGE_ALLOCATOR_VERSIONS)),
      page_owner: field.optional(field.boolean()),
      debug_pagealloc: field.optional(field.boolean()),
      min_cached_objs: field.optional(field.integer(0, 1024)),
      bulk_capacity: field.optional(field.integer(1, 510)),
    },
    apply(_k, ev, st) {
      const s = setup(st);
      if (s.created) st.fail('model_setup must come before the first model op', 'strategy');
      s.strategy = ev.strategy;
      s.version = ev.allocator;
      s.pageOwner = ev.page_owner;
      s.debugPagealloc = ev.debug_pagealloc;
      s.minCachedObjs = ev.min_cached_objs;
      s.bulkCapacity = ev.bulk_capacity;
    },
  }),
  kfree_rcu: defineOp({
    summary:
      'kfree_rcu(ptr, rhf): queue an object with an embedded rcu_head for freeing after a grace period',
    fields: { vmalloc },
    apply(k, ev, st) {
      models(k, st).kvfree.kfreeRcu({ vmalloc: ev.vmalloc === true });
    },
  }),
  kvfree_rcu_headless: defineOp({
    summary:
      'kvfree_rcu(ptr) / kvfree_rcu_mightsleep(ptr): head-less, may sleep (synchronize_rcu() fallback)',
    fields: { vmalloc },
    apply(k, ev, st) {
      models(k, st).kvfree.kvfreeRcuHeadless({ vmalloc: ev.vmalloc === true });
    },
  }),
  alloc_pages: defineOp({
    summary:
      'alloc_pages(gfp, order) through the modelled page allocator (the page is kept; a failure is NULL)',
    fields: { gfp: field.string(), order: field.optional(field.integer(0, 10)) },
    apply(k, ev, st) {
      const gfp = gfpOf(st, ev.gfp);
      const page = models(k, st).mm.allocPages(gfp, ev.order ?? 0);
      void page;
    },
  }),
  alloc_pages_nolock: defineOp({
    summary:
      'alloc_pages_nolock(0, nid, order): trylocks only, NULL on contention, below MIN, or from hardirq/NMI on RT',
    fields: { order: field.optional(field.integer(0, 10)) },
    apply(k, ev, st) {
      models(k, st).mm.allocPagesNolock(ev.order ?? 0);
    },
  }),
  call_rcu: defineOp({
    summary: 'call_rcu(head, func) with an empty callback',
    fields: {},
    apply(k, _ev, st) {
      models(k, st).rcu.callRcu(() => undefined);
    },
  }),
  synchronize_rcu: defineOp({
    summary: 'synchronize_rcu(): might_sleep(), then block for a grace period',
    fields: {},
    apply(k, _ev, st) {
      models(k, st).rcu.synchronize();
    },
  }),
  grace_period: defineOp({
    summary: 'complete `count` (default 1) RCU grace periods and invoke the callbacks they release',
    fields: { count: field.optional(field.integer(1, 1000)) },
    apply(k, ev, st) {
      models(k, st).gracePeriod(ev.count ?? 1);
    },
  }),
  run_workers: defineOp({
    summary:
      'run due hrtimers, softirqs, kswapd and work items; `advance_ms` moves time first, `settle` runs to quiescence',
    fields: {
      advance_ms: field.optional(field.integer(0, 3600000)),
      settle: field.optional(field.boolean()),
    },
    apply(k, ev, st) {
      const m = models(k, st);
      if (ev.settle === true) m.settle();
      else if (ev.advance_ms !== undefined) m.advance(ev.advance_ms);
      else m.runWorkers();
    },
  }),
  kvfree_shrink: defineOp({
    summary: 'run the "slab-kvfree-rcu" shrinker: backoff on every CPU, drain the page caches',
    fields: {},
    apply(k, _ev, st) {
      models(k, st).kvfree.shrink();
    },
  }),
  kvfree_cache: defineOp({
    summary:
      'set the kvfree page cache: `fill` pages (default rcu_min_cached_objs) or empty it, on `cpu` or all CPUs',
    fields: {
      fill: field.optional(field.integer(0, 1024)),
      empty: field.optional(field.boolean()),
      cpu,
    },
    apply(k, ev, st) {
      const m = models(k, st);
      const c = ev.cpu;
      if (ev.empty === true) m.kvfree.emptyCache(c);
      else m.kvfree.fillCache(ev.fill ?? m.kvfree.minCachedObjs, c);
    },
  }),
  pcp_set: defineOp({
    summary:
      "set a CPU's per-CPU page list (all CPUs without `cpu`): pages on the order-0 list, or with `order` 1-3 (main allocator) blocks on that order's list",
    fields: { count: field.integer(0, 1 << 20), cpu, order: field.optional(field.integer(0, 3)) },
    apply(k, ev, st) {
      models(k, st).mm.setPcpCount(ev.count, ev.cpu, ev.order);
    },
  }),
  zone_set: defineOp({
    summary:
      'set the zone: `below` a watermark (min, low, high, atomic), `free` pages, `reclaimable` pages, kswapd `kswapd_asleep`',
    fields: {
      below: field.optional(field.oneOf(['min', 'low', 'high', 'atomic'])),
      free: field.optional(field.integer(0, 1 << 30)),
      reclaimable: field.optional(field.integer(0, 1 << 30)),
      kswapd_asleep: field.optional(field.boolean()),
    },
    apply(k, ev, st) {
      const mm = models(k, st).mm;
      if (ev.free !== undefined) mm.setFreePages(ev.free);
      if (ev.below !== undefined) mm.setBelowWatermark(ev.below);
      if (ev.reclaimable !== undefined) mm.setReclaimable(ev.reclaimable);
      if (ev.kswapd_asleep !== undefined) mm.setKswapdAsleep(ev.kswapd_asleep);
    },
  }),
  zone_lock_contended: defineOp({
    summary:
      'another task on `holder_cpu` (default: another CPU) takes zone->lock and keeps it; `release: true` drops it',
    fields: { release: field.optional(field.boolean()), holder_cpu: cpu },
    apply(k, ev, st) {
      const mm = models(k, st).mm;
      if (ev.release === true) mm.releaseZoneLock();
      else mm.contendZoneLock(ev.holder_cpu);
    },
  }),
};
