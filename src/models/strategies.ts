/**
 * The kvfree_rcu() designs of the 2020 debate and after, each as the code path its patch
 * had (see kvfree-rcu-model.md §2 and §5). A strategy is data that selects code paths in
 * models/rcu/kvfree.ts; none of it says where a splat should appear.
 */
import { UsageError } from '../core/errors';
import {
  __GFP_NO_LOCKS,
  __GFP_NOMEMALLOC,
  __GFP_NORETRY,
  __GFP_NOWARN,
  __GFP_RETRY_MAYFAIL,
  __GFP_KSWAPD_RECLAIM,
  GFP_ATOMIC,
  GFP_KERNEL,
  type Gfp,
} from './mm/gfp';
import type { PageAllocatorVersion } from './mm/pageAlloc';

export type KvfreeStrategyName =
  | 'v5.9'
  | 'v5.9-no-rt-skip'
  | 'drop-lock'
  | 'worker'
  | 'mainline'
  | 'gfp-no-locks'
  | 'lockless-page'
  | 'preemptible-check'
  | 'raw-zone-lock'
  | 'nolock';

/** What the two-argument path does on a cache miss while it holds krc.lock. */
export type UnderLockAlloc =
  'none' | 'gfp-nowait' | 'gfp-nowait-unlocked' | 'gfp-no-locks' | 'lockless' | 'nolock';

export interface KvfreeStrategy {
  readonly name: KvfreeStrategyName;
  /** one line: what the patch did */
  readonly summary: string;
  /** where it comes from and what became of it */
  readonly origin: string;
  /** the page allocator the code ran against */
  readonly allocatorVersion: PageAllocatorVersion;
  /** KVFREE_BULK_MAX_ENTR: 510 for 2020 kernels, 507 today */
  readonly bulkCapacity: number;
  /** rcu_min_cached_objs: 2 before SEED, 5 since */
  readonly minCachedObjs: number;
  /** V5.9 pre-filled the cache at boot with GFP_NOWAIT|__GFP_NOWARN */
  readonly prefillAtBoot: boolean;
  /** KFREE_DRAIN_JIFFIES in ms (HZ/50 = 20 ms until v6.0, 5*HZ since) */
  readonly drainMs: number;
  readonly underLock: UnderLockAlloc;
  readonly underLockGfp: Gfp;
  /** `if (IS_ENABLED(CONFIG_PREEMPT_RT)) return false;` before allocating under the lock */
  readonly rtSkip: boolean;
  /**
   * refill worker kicked on a cache miss: `rfc` (Sep 2020 RFC 4/4: schedule_delayed_work(.., 1)
   * on system_wq), `seed` (v5.11: 0 ns hrtimer -> system_highpri_wq) or `main` (+ backoff, shrinker)
   */
  readonly refill: 'none' | 'rfc' | 'seed' | 'main';
  readonly workerGfp: Gfp;
  /** allocate after dropping krc.lock: head-less callers (v5.12+) or when preemptible() (patch 15/16) */
  readonly dropLockAlloc: 'none' | 'headless' | 'preemptible';
  readonly dropLockGfpHeadless: Gfp;
  readonly dropLockGfpTwoArg: Gfp;
  /** zone->lock is a raw_spinlock_t (Michal Hocko's proposal) */
  readonly rawZoneLock: boolean;
  /** batch queueing: any free channel of any slot (≤ v5.19) or one whole slot (MAIN) */
  readonly queueMode: 'channel' | 'slot';
  /** MAIN: blocks whose grace period already elapsed are freed by the monitor directly */
  readonly drainReady: boolean;
  /** MAIN: flood detection re-arms the monitor in 1 jiffy */
  readonly floodDetect: boolean;
}

/** 2020 GFP_NOWAIT was __GFP_KSWAPD_RECLAIM alone; the kvfree code added __GFP_NOWARN. */
const NOWAIT_2020 = __GFP_KSWAPD_RECLAIM | __GFP_NOWARN;
const MAIN_GFP = GFP_KERNEL | __GFP_NORETRY | __GFP_NOMEMALLOC | __GFP_NOWARN;

const BASE_2020 = {
  allocatorVersion: 'v5.9' as PageAllocatorVersion,
  bulkCapacity: 510,
  minCachedObjs: 2,
  prefillAtBoot: true,
  drainMs: 20,
  underLock: 'gfp-nowait' as UnderLockAlloc,
  underLockGfp: NOWAIT_2020,
  rtSkip: true,
  refill: 'none' as const,
  workerGfp: GFP_KERNEL | __GFP_NOWARN,
  dropLockAlloc: 'none' as const,
  dropLockGfpHeadless: MAIN_GFP,
  dropLockGfpTwoArg: GFP_ATOMIC | __GFP_NOWARN,
  rawZoneLock: false,
  queueMode: 'channel' as const,
  drainReady: false,
  floodDetect: false,
};

const SEED_BASE = {
  ...BASE_2020,
  minCachedObjs: 5,
  prefillAtBoot: false,
  underLock: 'none' as UnderLockAlloc,
  rtSkip: false,
  refill: 'seed' as const,
};

/** Today's code (mm/slab_common.c): what `mainline` is and `nolock` builds on. */
const MAINLINE_BASE = {
  ...SEED_BASE,
  allocatorVersion: 'main',
  bulkCapacity: 507,
  drainMs: 5000,
  refill: 'main',
  workerGfp: MAIN_GFP,
  dropLockAlloc: 'headless',
  queueMode: 'slot',
  drainReady: true,
  floodDetect: true,
} as const;

export const STRATEGIES: Readonly<Record<KvfreeStrategyName, KvfreeStrategy>> = Object.freeze({
  'v5.9': {
    ...BASE_2020,
    name: 'v5.9',
    summary:
      'raw krc.lock; on a cache miss __get_free_page(GFP_NOWAIT|__GFP_NOWARN) under it; skipped on PREEMPT_RT',
    origin:
      'v5.9 (8ac88f7177c7 raw lock + "Skip entry into the page allocator for PREEMPT_RT"); Sebastian: PRLN still splats',
  },
  'v5.9-no-rt-skip': {
    ...BASE_2020,
    name: 'v5.9-no-rt-skip',
    rtSkip: false,
    summary:
      'raw krc.lock with GFP_NOWAIT allocation under it on every config (before the RT skip)',
    origin: 'tip/core/rcu June 2020, before 20200624201226-3 added the PREEMPT_RT skip',
  },
  'drop-lock': {
    ...BASE_2020,
    name: 'drop-lock',
    underLock: 'gfp-nowait-unlocked',
    summary:
      'v5.9, but preempt_disable() and drop krc.lock around __get_free_page(GFP_NOWAIT|__GFP_NOWARN); RT skip kept',
    origin:
      '"rcu/tree: Drop the lock before entering to page allocator" (Rezki, 15 Jul 2020, 20200715183537.4010-1), not merged',
  },
  worker: {
    ...SEED_BASE,
    name: 'worker',
    summary:
      'never allocate under krc.lock; cache miss -> rcu_head list + hrtimer-kicked refill worker (GFP_KERNEL)',
    origin:
      'SEED: "rcu/tree: Add a work to allocate pages from regular context" (v5.11), the adopted fix',
  },
  mainline: {
    ...MAINLINE_BASE,
    name: 'mainline',
    summary:
      'worker refill with backoff + shrinker; head-less callers allocate after dropping the lock',
    origin:
      'today: mm/slab_common.c (CONFIG_KVFREE_RCU_BATCHED), head-less inline alloc since v5.12',
  },
  'gfp-no-locks': {
    ...BASE_2020,
    name: 'gfp-no-locks',
    // RFC 2/2 changed only the mask: the IS_ENABLED(CONFIG_PREEMPT_RT) skip above it stays
    rtSkip: true,
    underLock: 'gfp-no-locks',
    underLockGfp: __GFP_NO_LOCKS,
    summary:
      '__get_free_page(__GFP_NO_LOCKS) under krc.lock: order-0 from the pcp lists only, NULL if empty; RT skip kept',
    origin:
      'RFC "mm: Add __GFP_NO_LOCKS flag" + "rcu/tree: use __GFP_NO_LOCKS flag" (Rezki, 9 Aug 2020, 20200809204354.20137-2/-3), rejected',
  },
  'lockless-page': {
    ...SEED_BASE,
    name: 'lockless-page',
    underLock: 'lockless',
    // RFC 1/4: the worker allocates with GFP_NOWAIT|__GFP_NOWARN; 4/4: kicked by schedule_delayed_work(.., 1)
    workerGfp: NOWAIT_2020,
    refill: 'rfc',
    summary:
      '__rcu_alloc_page_lockless() under krc.lock (irqs-off pcp take), plus a GFP_NOWAIT refill worker on system_wq',
    origin:
      'RFC 18 Sep 2020 patches 1-4/4 (20200918194817.48921-2..-5; PeterZ __alloc_page_lockless), pulled into -rcu then dropped',
  },
  'preemptible-check': {
    ...SEED_BASE,
    name: 'preemptible-check',
    dropLockAlloc: 'preemptible',
    dropLockGfpHeadless: GFP_KERNEL | __GFP_RETRY_MAYFAIL | __GFP_NOWARN,
    dropLockGfpTwoArg: GFP_ATOMIC | __GFP_NOWARN,
    summary:
      'if preemptible() at entry: drop krc.lock and allocate (GFP_ATOMIC two-arg), else list',
    origin:
      'patch 15/16 "Allocate a page when caller is preemptible" (Oct 2020), dropped with the preempt-count series',
  },
  'raw-zone-lock': {
    ...BASE_2020,
    name: 'raw-zone-lock',
    rtSkip: false,
    rawZoneLock: true,
    summary: 'v5.9 allocation under krc.lock with zone->lock made a raw_spinlock_t',
    origin: 'Michal Hocko, Aug 2020; rejected (RT latency 30 -> 220 us)',
  },
  nolock: {
    ...MAINLINE_BASE,
    name: 'nolock',
    underLock: 'nolock',
    summary: 'mainline plus alloc_pages_nolock() under krc.lock on a cache miss (trylocks only)',
    origin: 'hypothetical: alloc_pages_nolock() (2025, for BPF) is not used by kvfree_rcu',
  },
});

export const STRATEGY_NAMES: readonly KvfreeStrategyName[] = Object.keys(
  STRATEGIES,
) as KvfreeStrategyName[];

export function getStrategy(name: string): KvfreeStrategy {
  const s = (STRATEGIES as Record<string, KvfreeStrategy | undefined>)[name];
  if (!s)
    throw new UsageError(
      `unknown kvfree_rcu strategy ${JSON.stringify(name)} (known: ${STRATEGY_NAMES.join(', ')})`,
    );
  return s;
}
