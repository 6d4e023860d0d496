/**
 * Model details checked against the kernel sources and the 2020 patches (second review).
 * Each test names what it was checked against; docs/models.md lists the sources.
 */
import { createModelSystem, type ModelSystem } from '../../src/models/system';
import {
  runScenarioCell,
  inCallerContext,
  splatTag,
  type CellOptions,
  type CellResult,
} from '../../src/models/scenarios';
import {
  GFP_ATOMIC,
  GFP_KERNEL,
  GFP_NOWAIT,
  __GFP_HIGH,
  __GFP_MEMALLOC,
  __GFP_NOMEMALLOC,
  __GFP_NOWARN,
  __GFP_DIRECT_RECLAIM,
  ALLOC_HIGHATOMIC,
  ALLOC_NON_BLOCK,
  ALLOC_NO_WATERMARKS,
  gfpToAllocFlags,
  gfpPfmemallocFlags,
} from '../../src/models/mm/gfp';
import type { PageAllocatorVersion } from '../../src/models/mm/pageAlloc';
import type { KvfreeStrategyName } from '../../src/models/strategies';
import type { PreemptModel } from '../../src/core/config';

function sys(
  strategy: KvfreeStrategyName,
  preempt: PreemptModel = 'full',
  o: { version?: PageAllocatorVersion; pageOwner?: boolean; kvfree?: object } = {},
): ModelSystem {
  const s = createModelSystem(
    { preempt, proveRawLockNesting: true, cpus: 2 },
    {
      strategy,
      allocator: { version: o.version, pageOwner: o.pageOwner },
      kvfree: o.kvfree,
    },
  );
  s.kernel.switchTo('caller', 0);
  return s;
}

/** One cell of the scenario matrix: strategy, configuration, caller context, allocator state. */
function cell(
  strategy: KvfreeStrategyName,
  config: string,
  caller: CellOptions['caller'],
  state: CellOptions['state'],
  knobs: { pageOwner?: boolean } = {},
): CellResult {
  return runScenarioCell({ strategy, config, caller, state, ...knobs });
}

describe('__GFP_NO_LOCKS RFC (20200809204354.20137-2/-3)', () => {
  it('2/2 replaced only the mask with __GFP_NO_LOCKS: the PREEMPT_RT skip above it stays, so RT never calls the allocator', () => {
    for (const state of ['pcp', 'pcp-empty'] as const) {
      const r = cell('gfp-no-locks', 'rt', 'raw', state);
      expect(r.outcome).toBe('LIST');
      expect(r.allocatorCalls).toBe(0);
    }
  });

  it('!RT with PRLN: BULK from a non-empty pcp list, LIST when it is empty, never a splat', () => {
    expect(cell('gfp-no-locks', 'full+prln', 'raw', 'pcp').outcome).toBe('BULK');
    const r = cell('gfp-no-locks', 'full+prln', 'hardirq', 'pcp-empty');
    expect(r.outcome).toBe('LIST');
    expect(r.mm.pcpRefills).toBe(0);
  });

  it('the mask has no reclaim bit and the slow path is bypassed: below LOW the fast path fails, kswapd stays asleep, no warn_alloc()', () => {
    const s = sys('gfp-no-locks', 'full');
    s.kvfree.emptyCache();
    s.mm.setBelowWatermark('low'); // pcp lists still have pages, but the fast path checks WMARK_LOW first
    expect(s.kvfree.kfreeRcu()).toBe('list');
    expect(s.mm.stats.kswapdWakeups).toBe(0);
    expect(s.mm.stats.slowpaths).toBe(0);
    expect(s.mm.stats.allocWarnings).toBe(0);
  });
});

describe('__rcu_alloc_page_lockless() RFC (20200918194817.48921-2..-5)', () => {
  it('2/4: no watermark check, only the pcp lists: a page even below MIN', () => {
    const s = sys('lockless-page');
    s.mm.setBelowWatermark('atomic');
    expect(inCallerContext(s, 'raw', () => s.kvfree.kfreeRcu())).toBe('bulk');
    expect(s.kernel.violations).toEqual([]);
  });

  it('2/4: prep_new_page(page, 0, 0, 0) runs the page_owner hook: depot_lock under krc.lock', () => {
    const r = cell('lockless-page', 'full+prln', 'task', 'pcp', { pageOwner: true });
    expect(r.outcome).toBe('IWC(depot_lock) BULK');
  });

  it('1/4 + 4/4: the refill is schedule_delayed_work(.., 1) on system_wq with GFP_NOWAIT, not an hrtimer', () => {
    const s = sys('lockless-page');
    s.mm.emptyPcp();
    expect(s.kvfree.kfreeRcu()).toBe('list');
    expect(s.env.runPending()).toBe(0); // nothing due yet: one jiffy
    s.advance(1);
    expect(s.kvfree.cachedPages(0)).toBe(5);
    expect(s.kvfree.counters.allocWorker).toBe(5);
  });
});

describe('"rcu/tree: Drop the lock before entering to page allocator" (20200715183537.4010-1)', () => {
  it.each([
    [
      'from a task: krc.lock is dropped under preempt_disable(), which lockdep does not see: BULK, no splat',
      'full+prln',
      'task',
      'BULK',
    ],
    [
      'under a caller\'s raw lock the splat remains (the "higher level" case of the RFC cover letter)',
      'full+prln',
      'raw',
      'IWC(&zone->lock) BULK',
    ],
    ['in a hard interrupt the splat remains', 'full+prln', 'hardirq', 'IWC(&zone->lock) BULK'],
    ['keeps the RT skip: LIST on PREEMPT_RT', 'rt', 'task', 'LIST'],
  ] as const)('%s', (_rule, config, caller, outcome) => {
    expect(cell('drop-lock', config, caller, 'pcp-empty').outcome).toBe(outcome);
  });

  it("under a caller's raw lock the splat's held list is the caller's lock", () => {
    const v = cell('drop-lock', 'full+prln', 'raw', 'pcp-empty').violations[0];
    expect(v.kind === 'invalid-wait-context' && v.held.map((h) => h.name)).toEqual([
      'caller_raw_lock',
    ]);
  });
});

describe('page_owner locks (lib/stackdepot.c, mm/page_owner.c)', () => {
  it('v5.9: stack_depot_save() takes depot_lock, a spinlock_t, under a raw lock even on a pcp hit', () => {
    const s = sys('worker', 'full', { version: 'v5.9', pageOwner: true });
    inCallerContext(s, 'raw', () => s.mm.allocPages(GFP_ATOMIC));
    expect(s.kernel.violations.map(splatTag)).toEqual(['IWC(depot_lock)']);
  });

  it('MAIN: the depot lock is the raw pool_lock, but add_stack_record_to_list() takes stack_list_lock (spinlock_t) for spinning masks', () => {
    const s = sys('mainline', 'full', { version: 'main', pageOwner: true });
    inCallerContext(s, 'raw', () => s.mm.allocPages(GFP_ATOMIC));
    expect(s.kernel.violations.map(splatTag)).toEqual(['IWC(stack_list_lock)']);
  });

  it('MAIN: alloc_pages_nolock() (no reclaim bit: !gfpflags_allow_spinning) only trylocks pool_lock and skips the stack list', () => {
    const s = sys('mainline', 'full', { version: 'main', pageOwner: true });
    expect(inCallerContext(s, 'raw', () => s.mm.allocPagesNolock())).not.toBeNull();
    expect(s.kernel.violations).toEqual([]);
  });
});

describe('GFP semantics (mm/page_alloc.c gfp_to_alloc_flags(), __zone_watermark_ok(), __gfp_pfmemalloc_flags())', () => {
  it('ALLOC_HIGHATOMIC only for non-blocking order > 0 requests without __GFP_NOMEMALLOC', () => {
    expect(gfpToAllocFlags(GFP_ATOMIC, 0) & ALLOC_HIGHATOMIC).toBe(0);
    expect(gfpToAllocFlags(GFP_ATOMIC, 1) & ALLOC_HIGHATOMIC).toBe(ALLOC_HIGHATOMIC);
    expect(gfpToAllocFlags(GFP_NOWAIT, 2) & ALLOC_HIGHATOMIC).toBe(ALLOC_HIGHATOMIC);
    expect(
      gfpToAllocFlags(GFP_ATOMIC | __GFP_NOMEMALLOC, 1) & (ALLOC_HIGHATOMIC | ALLOC_NON_BLOCK),
    ).toBe(0);
    expect(gfpToAllocFlags(GFP_KERNEL, 3) & ALLOC_HIGHATOMIC).toBe(0);
  });

  it('__GFP_MEMALLOC may ignore the watermarks; __GFP_NOMEMALLOC wins over it', () => {
    expect(gfpPfmemallocFlags(GFP_NOWAIT | __GFP_MEMALLOC)).toBe(ALLOC_NO_WATERMARKS);
    expect(gfpPfmemallocFlags(GFP_NOWAIT | __GFP_MEMALLOC | __GFP_NOMEMALLOC)).toBe(0);
    expect(gfpPfmemallocFlags(GFP_ATOMIC)).toBe(0);
  });

  // [mask, free pages as a fraction of WMARK_MIN, succeeds?, rule]
  const rows: Array<[string, number, number, boolean]> = [
    [
      'GFP_ATOMIC: MIN_RESERVE (min/2) + NON_BLOCK (a further quarter) = 37.5 %',
      GFP_ATOMIC,
      0.45,
      true,
    ],
    [
      'GFP_ATOMIC|__GFP_NOMEMALLOC: no NON_BLOCK, only the __GFP_HIGH half',
      GFP_ATOMIC | __GFP_NOMEMALLOC,
      0.45,
      false,
    ],
    [
      '__GFP_HIGH|__GFP_DIRECT_RECLAIM: blocking, half the mark, reclaim has nothing',
      __GFP_HIGH | __GFP_DIRECT_RECLAIM | __GFP_NOWARN,
      0.55,
      true,
    ],
    [
      'GFP_NOWAIT|__GFP_MEMALLOC: ALLOC_NO_WATERMARKS after the first slow-path attempt',
      GFP_NOWAIT | __GFP_MEMALLOC,
      0.1,
      true,
    ],
    [
      'GFP_NOWAIT|__GFP_MEMALLOC|__GFP_NOMEMALLOC: no reserves',
      GFP_NOWAIT | __GFP_MEMALLOC | __GFP_NOMEMALLOC,
      0.1,
      false,
    ],
  ];
  it.each(rows)('%s', (_rule, gfp, frac, ok) => {
    const s = sys('mainline');
    s.mm.emptyPcp();
    s.mm.setFreePages(Math.floor(s.mm.watermarks.min * frac));
    s.mm.setReclaimable(0);
    expect(s.mm.allocPages(gfp) !== null).toBe(ok);
  });

  it('no __GFP_KSWAPD_RECLAIM: the slow path does not wake kswapd; warn_alloc() only when the slow path fails without __GFP_NOWARN', () => {
    const s = sys('mainline');
    s.mm.emptyPcp();
    s.mm.setBelowWatermark('atomic');
    s.mm.setReclaimable(0);
    expect(s.mm.allocPages(0)).toBeNull();
    expect(s.mm.stats.kswapdWakeups).toBe(0);
    expect(s.mm.stats.allocWarnings).toBe(1);
    expect(s.mm.allocPagesNolock()).toBeNull();
    expect(s.mm.stats.allocWarnings).toBe(1);
  });
});

describe('kvfree_rcu() layout (kernel/rcu/tree.c v5.9, mm/slab_common.c MAIN)', () => {
  it('two array channels: a vmalloc pointer needs its own block (idx = !!is_vmalloc_addr(ptr))', () => {
    const s = sys('worker');
    s.kvfree.fillCache(1, 0);
    expect(s.kvfree.kfreeRcu()).toBe('bulk');
    expect(s.kvfree.kfreeRcu({ vmalloc: true })).toBe('list'); // the one cached page went to the slab channel
    s.kvfree.fillCache(1, 0);
    expect(s.kvfree.kfreeRcu({ vmalloc: true })).toBe('bulk');
    expect(s.kvfree.kfreeRcu()).toBe('bulk');
    s.settle();
    expect(s.kvfree.counters.blocksFreed).toBe(2);
    expect(s.kvfree.counters.freedBulk).toBe(3);
    expect(s.kvfree.counters.freedList).toBe(1);
  });

  it('KVFREE_BULK_MAX_ENTR: a MAIN block holds 507 pointers, a 2020 block 510', () => {
    const main = sys('mainline');
    for (let i = 0; i < 507; i++) main.kvfree.kvfreeRcuHeadless();
    expect(main.kvfree.counters.allocDropLock).toBe(1);
    main.kvfree.kvfreeRcuHeadless();
    expect(main.kvfree.counters.allocDropLock).toBe(2);
    const old = sys('v5.9', 'none');
    for (let i = 0; i < 510; i++) old.kvfree.kfreeRcu();
    expect(old.kvfree.counters.cacheHits).toBe(1);
    old.kvfree.kfreeRcu();
    expect(old.kvfree.counters.cacheHits).toBe(2);
  });

  it('15/16 "Allocate a page when caller is preemptible": head-less callers use GFP_KERNEL|__GFP_RETRY_MAYFAIL, gated by preemptible() too', () => {
    const s = sys('preemptible-check', 'full');
    expect(s.kvfree.kvfreeRcuHeadless()).toBe('bulk');
    expect(s.kvfree.counters.allocDropLock).toBe(1);
    const none = sys('preemptible-check', 'none');
    expect(none.kvfree.kvfreeRcuHeadless()).toBe('inline-gp');
    expect(none.kvfree.counters.allocatorCalls).toBe(0);
  });
});
