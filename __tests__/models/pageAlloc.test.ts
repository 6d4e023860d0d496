/**
 * The modelled page allocator: GFP reserve rules (__zone_watermark_ok), the reference rows
 * 40-45 of kvfree-rcu-model.md §6 (a plain GFP_ATOMIC/GFP_NOWAIT allocation in various
 * contexts), alloc_pages_nolock() and the proposed __GFP_NO_LOCKS.
 */
import { createModelSystem, type ModelSystem } from '../../src/models/system';
import {
  GFP_ATOMIC,
  GFP_KERNEL,
  GFP_NOWAIT,
  __GFP_NO_LOCKS,
  __GFP_NOWARN,
  __GFP_NORETRY,
  parseGfp,
  formatGfp,
  gfpToAllocFlags,
  ALLOC_NON_BLOCK,
  ALLOC_MIN_RESERVE,
} from '../../src/models/mm/gfp';
import { inCallerContext, splatTag, type CallerContext } from '../../src/models/scenarios';
import type { PageAllocatorVersion } from '../../src/models/mm/pageAlloc';
import type { PreemptModel } from '../../src/core/config';

function sys(
  preempt: PreemptModel,
  prln: boolean,
  version: PageAllocatorVersion = 'main',
): ModelSystem {
  const s = createModelSystem(
    { preempt, proveRawLockNesting: prln, cpus: 2 },
    { strategy: 'mainline', allocator: { version } },
  );
  s.kernel.switchTo('caller', 0);
  return s;
}

describe('GFP flags', () => {
  it('parses and formats kernel spellings', () => {
    expect(parseGfp('GFP_NOWAIT|__GFP_NOWARN')).toBe(GFP_NOWAIT | __GFP_NOWARN);
    expect(formatGfp(GFP_KERNEL | __GFP_NORETRY)).toBe('GFP_KERNEL|__GFP_NORETRY');
    expect(parseGfp('0')).toBe(0);
    expect(() => parseGfp('GFP_BOGUS')).toThrow(/unknown gfp flag/);
  });

  it('gfp_to_alloc_flags(): GFP_ATOMIC gets MIN_RESERVE|NON_BLOCK, GFP_NOWAIT NON_BLOCK only, GFP_KERNEL neither', () => {
    expect(gfpToAllocFlags(GFP_ATOMIC) & (ALLOC_MIN_RESERVE | ALLOC_NON_BLOCK)).toBe(
      ALLOC_MIN_RESERVE | ALLOC_NON_BLOCK,
    );
    expect(gfpToAllocFlags(GFP_NOWAIT) & (ALLOC_MIN_RESERVE | ALLOC_NON_BLOCK)).toBe(
      ALLOC_NON_BLOCK,
    );
    expect(gfpToAllocFlags(GFP_KERNEL) & (ALLOC_MIN_RESERVE | ALLOC_NON_BLOCK)).toBe(0);
  });
});

describe('watermarks and reserves (__zone_watermark_ok)', () => {
  // [mask, free pages as a fraction of WMARK_MIN, succeeds?, rule]
  const rows: Array<[string, number, number, boolean, string]> = [
    ['GFP_ATOMIC', GFP_ATOMIC, 0.5, true, 'GFP_ATOMIC may go down to 37.5 % of the mark'],
    ['GFP_ATOMIC', GFP_ATOMIC, 0.3, false, 'below 37.5 % even GFP_ATOMIC fails'],
    ['GFP_NOWAIT', GFP_NOWAIT, 0.9, false, 'ALLOC_NON_BLOCK without __GFP_HIGH gets no discount'],
    ['GFP_NOWAIT', GFP_NOWAIT, 1.1, true, 'above MIN the slow path succeeds without reclaim'],
    [
      'GFP_KERNEL|__GFP_NORETRY',
      GFP_KERNEL | __GFP_NORETRY,
      0.9,
      false,
      'one light reclaim pass (32 pages) is not enough here',
    ],
  ];
  it.each(rows)('%s with free = %f x min -> %s (%s)', (_n, gfp, frac, ok) => {
    const s = sys('full', true);
    s.mm.emptyPcp();
    s.mm.setFreePages(Math.floor(s.mm.watermarks.min * frac));
    s.mm.setReclaimable(0);
    expect(s.mm.allocPages(gfp) !== null).toBe(ok);
  });

  it('GFP_KERNEL direct reclaim brings a zone just under MIN back (and sleeps: might_sleep + schedule)', () => {
    const s = sys('full', true);
    s.mm.emptyPcp();
    s.mm.setFreePages(s.mm.watermarks.min - 5);
    expect(s.mm.allocPages(GFP_KERNEL | __GFP_NORETRY)).not.toBeNull();
    expect(s.mm.stats.directReclaims).toBe(1);
    expect(s.kernel.violations).toEqual([]);
  });

  it('GFP_NOWAIT wakes a sleeping kswapd, which reclaims up to the high mark when the workers run', () => {
    const s = sys('full', false);
    s.mm.emptyPcp();
    s.mm.setBelowWatermark('min');
    expect(s.mm.allocPages(GFP_NOWAIT)).toBeNull();
    expect(s.mm.stats.kswapdWakeups).toBe(1);
    s.runWorkers();
    expect(s.mm.kswapdAsleep).toBe(true);
    expect(s.mm.freePages).toBeGreaterThan(s.mm.watermarks.high);
    expect(s.mm.allocPages(GFP_NOWAIT)).not.toBeNull();
  });

  it('allocation failure is a null result with warn_alloc() unless __GFP_NOWARN', () => {
    const s = sys('full', true);
    s.mm.emptyPcp();
    s.mm.setBelowWatermark('atomic');
    s.mm.setReclaimable(0);
    expect(s.mm.allocPages(GFP_ATOMIC)).toBeNull();
    expect(s.mm.allocPages(GFP_ATOMIC | __GFP_NOWARN)).toBeNull();
    expect(s.mm.stats.allocWarnings).toBe(1);
  });
});

describe('§6 reference rows 40-45: a plain GFP_ATOMIC allocation', () => {
  // [row, preempt, prln, caller, pcp empty?, expected splats]
  const rows: Array<[string, PreemptModel, boolean, CallerContext, boolean, string[]]> = [
    ['#40 pcp_spin_trylock is exempt from the wait-context check', 'full', true, 'raw', false, []],
    ['#41 pcp miss under a raw lock: zone->lock', 'full', true, 'raw', true, ['IWC(&zone->lock)']],
    [
      '#42 hardirq baseline is SPIN: IWC with no lock held',
      'full',
      true,
      'hardirq',
      true,
      ['IWC(&zone->lock)'],
    ],
    ['#43 softirq baseline is CONFIG: silent', 'full', true, 'softirq', true, []],
    ['#44 preempt_disable() is invisible to lockdep', 'full', true, 'preempt-off', true, []],
    [
      '#45 RT: zone->lock is an rtmutex: sleeping function called from invalid context',
      'rt',
      true,
      'preempt-off',
      true,
      ['SFCIC'],
    ],
    [
      '#45 RT under a raw lock: IWC and SFCIC',
      'rt',
      true,
      'raw',
      true,
      ['IWC(&zone->lock)', 'SFCIC'],
    ],
    ['PRLN off: CONFIG == SPIN, silent', 'full', false, 'raw', true, []],
  ];
  it.each(rows)('%s', (_row, preempt, prln, caller, empty, splats) => {
    const s = sys(preempt, prln);
    if (empty) s.mm.emptyPcp();
    const page = inCallerContext(s, caller, () => s.mm.allocPages(GFP_ATOMIC));
    expect(page).not.toBeNull();
    expect(s.kernel.violations.map(splatTag)).toEqual(splats);
  });

  it('#45 contended on RT: the rtmutex blocks: scheduling while atomic', () => {
    const s = sys('rt', true);
    s.mm.emptyPcp();
    s.mm.contendZoneLock(1);
    inCallerContext(s, 'preempt-off', () => s.mm.allocPages(GFP_ATOMIC));
    // schedule_debug() reset preempt_count: the caller's preempt_enable() then underflows it
    expect(s.kernel.violations.map(splatTag)).toEqual(['SFCIC', 'SWA', 'DLW']);
  });

  it('v5.14 pagesets.lock is a local_lock_t: even a pcp hit under a raw lock splats with PRLN (inferred row in §3.2)', () => {
    const s = sys('full', true, 'v5.14');
    inCallerContext(s, 'raw', () => s.mm.allocPages(GFP_ATOMIC));
    expect(s.kernel.violations.map(splatTag)).toEqual(['IWC(pagesets.lock)']);
  });

  it('GFP_KERNEL under a raw lock: might_alloc() reports before anything is locked', () => {
    const s = sys('none', false);
    inCallerContext(s, 'raw', () => s.mm.allocPages(GFP_KERNEL));
    expect(s.kernel.violations.map(splatTag)).toEqual(['SFCIC']);
  });
});

describe('alloc_pages_nolock() and __GFP_NO_LOCKS', () => {
  it('returns NULL from hardirq and NMI on PREEMPT_RT, before touching any lock', () => {
    const s = sys('rt', true);
    expect(s.kernel.hardirq(() => s.mm.allocPagesNolock())).toBeNull();
    expect(s.kernel.nmi(() => s.mm.allocPagesNolock())).toBeNull();
    expect(s.kernel.violations).toEqual([]);
    expect(s.mm.allocPagesNolock()).not.toBeNull();
  });

  it('works from hardirq on !RT, even refilling pcp with a zone->lock trylock', () => {
    const s = sys('full', true);
    s.mm.emptyPcp();
    expect(s.kernel.hardirq(() => s.mm.allocPagesNolock())).not.toBeNull();
    expect(s.mm.stats.pcpRefills).toBe(1);
    expect(s.kernel.violations).toEqual([]);
  });

  it('NULL on zone->lock contention, below MIN, and for orders pcp does not serve; never wakes kswapd', () => {
    const s = sys('full', true);
    s.mm.emptyPcp();
    s.mm.contendZoneLock(1);
    expect(s.mm.allocPagesNolock()).toBeNull();
    s.mm.releaseZoneLock();
    expect(s.mm.allocPagesNolock(4)).toBeNull();
    s.mm.setBelowWatermark('min');
    expect(s.mm.allocPagesNolock()).toBeNull();
    expect(s.mm.stats.kswapdWakeups).toBe(0);
    expect(() => s.mm.allocPagesNolock(0, GFP_KERNEL)).toThrow(/only __GFP_ACCOUNT/);
  });

  it('__GFP_NO_LOCKS (RFC 1/2, 9 Aug 2020): pcp only, NULL when empty, no slow path', () => {
    const s = sys('full', true, 'v5.9');
    expect(s.mm.allocPages(__GFP_NO_LOCKS)).not.toBeNull();
    s.mm.emptyPcp();
    expect(inCallerContext(s, 'raw', () => s.mm.allocPages(__GFP_NO_LOCKS))).toBeNull();
    expect(s.mm.stats.slowpaths).toBe(0);
    // the slow path is bypassed ("goto out"), so no warn_alloc() even without __GFP_NOWARN
    expect(s.mm.stats.allocWarnings).toBe(0);
    expect(s.kernel.violations).toEqual([]);
  });

  it('__GFP_NO_LOCKS changed only rmqueue_pcplist(): an order-1 request still takes zone->lock (PeterZ: "it only works for order==0")', () => {
    const s = sys('full', true, 'v5.9');
    expect(inCallerContext(s, 'raw', () => s.mm.allocPages(__GFP_NO_LOCKS, 1))).not.toBeNull();
    expect(s.kernel.violations.map(splatTag)).toEqual(['IWC(&zone->lock)']);
  });
});

describe('MAIN per-order pcp lists (pcp->lists[order_to_pindex()], rmqueue_pcplist, nr_pcp_alloc)', () => {
  /** Which locks an allocation took: the lock classes lockdep registered during it. */
  function zoneLockTaken(s: ModelSystem, fn: () => void): boolean {
    const refills = s.mm.stats.pcpRefills;
    const zoneFree = s.mm.freePages;
    fn();
    return s.mm.stats.pcpRefills > refills || s.mm.freePages !== zoneFree;
  }

  it.each<[string, number, number, boolean]>([
    // name, order-0 pages, order-1 blocks, zone->lock taken
    [
      'order-1 GFP_ATOMIC, order-0 list full, order-1 list empty: rmqueue_bulk() under zone->lock',
      31,
      0,
      true,
    ],
    ['order-1 GFP_ATOMIC, an order-1 block on its list: served from pcp', 0, 1, false],
  ])('%s', (_n, zero, one, taken) => {
    const s = sys('full', true);
    s.mm.setPcpCount(zero, 0);
    s.mm.setPcpCount(one, 0, 1);
    let page: unknown = null;
    expect(zoneLockTaken(s, () => (page = s.mm.allocPages(GFP_ATOMIC, 1)))).toBe(taken);
    expect(page).not.toBeNull();
    // order-0 pages stay on their own list either way
    expect(s.mm.pcp[0].count).toBe(zero);
  });

  it('the refill brings max(batch >> order, 2) blocks: the next order-1 requests are pcp hits', () => {
    const s = sys('full', true);
    s.mm.emptyPcp();
    s.mm.allocPages(GFP_ATOMIC, 1);
    expect(s.mm.pcp[0].orders[1]).toBe((s.mm.batch >> 1) - 1);
    const hits = s.mm.stats.pcpHits;
    s.mm.allocPages(GFP_ATOMIC, 1);
    expect(s.mm.stats.pcpHits).toBe(hits + 1);
  });

  it('under a raw spinlock with PROVE_RAW_LOCK_NESTING the order-1 refill is an invalid wait context on &zone->lock', () => {
    const s = sys('full', true);
    s.mm.setPcpCount(31, 0);
    const raw = s.kernel.rawSpinlock('caller_raw');
    s.mm.setPcpCount(1, 0, 1);
    raw.lock();
    s.mm.allocPages(GFP_ATOMIC, 1);
    raw.unlock();
    // served from the order-1 list: only the pcp lock's own report, no zone->lock
    const hit = s.kernel.violations.map(splatTag);
    expect(hit).not.toContain('IWC(&zone->lock)');
    raw.lock();
    s.mm.allocPages(GFP_ATOMIC, 1);
    raw.unlock();
    expect(s.kernel.violations.map(splatTag)).toContain('IWC(&zone->lock)');
  });

  it('freed order-1..3 blocks go to their own list; other versions keep no high-order lists', () => {
    const s = sys('full', true);
    s.mm.emptyPcp();
    const p = s.mm.allocPages(GFP_ATOMIC, 2);
    expect(p).not.toBeNull();
    const before = s.mm.pcp[0].orders[2];
    s.mm.freePage(p!);
    expect(s.mm.pcp[0].orders[2]).toBe(before + 1);
    expect(s.mm.pcp[0].count).toBe(0);
    expect(() => sys('full', true, 'v5.14').mm.setPcpCount(1, 0, 1)).toThrow(/main allocator/);
  });
});
