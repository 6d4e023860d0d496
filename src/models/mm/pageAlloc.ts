/**
 * The page allocator (mm/page_alloc.c) as far as locking and fallbacks go: one zone with
 * min/low/high watermarks, per-CPU page lists (pcp) with their count and refill batch,
 * `zone->lock` (a spinlock_t), the pcp protection of the selected kernel version, kswapd
 * and its wait-queue lock, post-allocation debug hooks, the slow path with direct reclaim,
 * and alloc_pages_nolock().
 *
 * The code below is the kernel's call sequence on the primitives; it never asks what
 * configuration it runs in to decide whether something is a bug. Whatever it does in the
 * wrong context is reported by the validator (Invalid wait context when zone->lock is
 * taken under a raw lock, sleeping-lock checks on PREEMPT_RT, might_sleep for blocking
 * masks). Failure is a normal result: null.
 */
import type { Kernel } from '../../kernel';
import { UsageError } from '../../core/errors';
import { HARDIRQ_MASK, NMI_MASK } from '../../core/preemptCount';
import type { LocalLock } from '../../primitives/localLock';
import type { RawSpinlock, Spinlock } from '../../primitives/spinlock';
import type { ModelEnv } from '../env';
import {
  __GFP_COMP,
  __GFP_DIRECT_RECLAIM,
  __GFP_NO_LOCKS,
  __GFP_NOMEMALLOC,
  __GFP_NORETRY,
  __GFP_NOWARN,
  __GFP_RETRY_MAYFAIL,
  __GFP_ZERO,
  __GFP_ACCOUNT,
  ALLOC_KSWAPD,
  ALLOC_MIN_RESERVE,
  ALLOC_NO_WATERMARKS,
  ALLOC_NON_BLOCK,
  ALLOC_OOM,
  ALLOC_RESERVES,
  ALLOC_TRYLOCK,
  ALLOC_WMARK_LOW,
  ALLOC_WMARK_MASK,
  ALLOC_WMARK_MIN,
  gfpAllowBlocking,
  gfpAllowSpinning,
  gfpPfmemallocFlags,
  gfpToAllocFlags,
  type Gfp,
} from './gfp';

/**
 * Which page allocator: how the pcp lists are protected on the allocation path.
 * - `v5.9`: local_irq_save() only (≤ v5.13): no lockdep map; order-0 served only from pcp.
 * - `v5.14`: local_lock_irqsave(&pagesets.lock) (v5.14 – v5.19).
 * - `main`: spinlock_t pcp->lock taken by pcp_spin_trylock(); on failure rmqueue_buddy().
 */
export type PageAllocatorVersion = 'v5.9' | 'v5.14' | 'main';
export const PAGE_ALLOCATOR_VERSIONS: readonly PageAllocatorVersion[] = ['v5.9', 'v5.14', 'main'];

/** PAGE_ALLOC_COSTLY_ORDER: pcp_allowed_order() serves orders up to this from pcp (MAIN) */
export const PAGE_ALLOC_COSTLY_ORDER = 3;
/** SWAP_CLUSTER_MAX: pages one direct-reclaim pass frees at most (model) */
export const SWAP_CLUSTER_MAX = 32;
/** MAX_RECLAIM_RETRIES: kswapd_failures beyond which the node is hopeless */
export const MAX_RECLAIM_RETRIES = 16;

export type Watermark = 'min' | 'low' | 'high';

export interface PageAllocatorOptions {
  readonly version?: PageAllocatorVersion | undefined;
  /** zone free pages outside the pcp lists (NR_FREE_PAGES). Default 100000. */
  readonly freePages?: number | undefined;
  /** WMARK_MIN. Default 1024; low = min*5/4, high = min*3/2 unless given. */
  readonly min?: number | undefined;
  readonly low?: number | undefined;
  readonly high?: number | undefined;
  /** pages direct reclaim / kswapd can get back (page cache, anon). Default 50000. */
  readonly reclaimable?: number | undefined;
  /** pcp->batch. Default 31. */
  readonly batch?: number | undefined;
  /** pcp->high. Default 6 * batch. */
  readonly pcpHigh?: number | undefined;
  /** initial pcp->count per CPU. Default batch. */
  readonly pcpCount?: number | undefined;
  /** CONFIG_PAGE_OWNER + page_owner=on: __set_page_owner() -> stack_depot_save() */
  readonly pageOwner?: boolean | undefined;
  /** CONFIG_DEBUG_PAGEALLOC enabled */
  readonly debugPagealloc?: boolean | undefined;
  /** kswapd starts asleep on its wait queue (default true) */
  readonly kswapdAsleep?: boolean | undefined;
}

/** A struct page (a 2^order block). */
export interface Page {
  readonly pfn: number;
  readonly order: number;
}

export interface PageAllocatorStats {
  /** __alloc_pages() / alloc_pages_nolock() / __rcu_alloc_page_lockless() calls */
  calls: number;
  successes: number;
  failures: number;
  pcpHits: number;
  /** rmqueue_bulk() refills of a pcp list from the buddy lists */
  pcpRefills: number;
  buddyAllocs: number;
  slowpaths: number;
  kswapdWakeups: number;
  directReclaims: number;
  oomKills: number;
  /** trylocks that failed (pcp or zone) */
  trylockFailures: number;
  /** warn_alloc() reports not suppressed by __GFP_NOWARN */
  allocWarnings: number;
  pagesFreed: number;
}

/** struct per_cpu_pages */
interface Pcp {
  /** pages on the order-0 list */
  count: number;
  /**
   * MAIN: blocks on the order-1..PAGE_ALLOC_COSTLY_ORDER lists (index = order; 0 unused):
   * pcp->lists[order_to_pindex()] keeps each order apart, so an order-1 request is not
   * served by order-0 pages. Empty at boot, filled by rmqueue_bulk() and by frees.
   */
  readonly orders: number[];
  readonly lock: Spinlock | null;
}

export class PageAllocator {
  readonly version: PageAllocatorVersion;
  /** zone->lock */
  readonly zoneLock: Spinlock | RawSpinlock;
  /** v5.14: pagesets.lock; v5.9 on PREEMPT_RT: the RT patch set's pa_lock */
  readonly pagesetsLock: LocalLock | null;
  private readonly pcpLocalLock: boolean;
  /** pgdat->kswapd_wait.lock (wait_queue_head_t) */
  readonly kswapdWaitLock: Spinlock;
  /** kswapd's p->pi_lock, taken by try_to_wake_up() */
  readonly kswapdPiLock: RawSpinlock;
  /** stack depot lock page_owner takes: depot_lock (spinlock_t) until it became a raw pool_lock */
  readonly depotLock: Spinlock | RawSpinlock;
  /** MAIN page_owner's stack_list_lock (spinlock_t, add_stack_record_to_list()); null before it existed */
  readonly stackListLock: Spinlock | null;
  readonly pcp: Pcp[] = [];
  freePages: number;
  reclaimable: number;
  watermarks: { min: number; low: number; high: number };
  batch: number;
  pcpHigh: number;
  pageOwner: boolean;
  debugPagealloc: boolean;
  kswapdAsleep: boolean;
  kswapdFailures = 0;
  readonly stats: PageAllocatorStats = {
    calls: 0,
    successes: 0,
    failures: 0,
    pcpHits: 0,
    pcpRefills: 0,
    buddyAllocs: 0,
    slowpaths: 0,
    kswapdWakeups: 0,
    directReclaims: 0,
    oomKills: 0,
    trylockFailures: 0,
    allocWarnings: 0,
    pagesFreed: 0,
  };
  private nextPfn = 0x100000;
  private contender: { comm: string; cpu: number; flags: boolean | null } | null = null;

  constructor(
    readonly kernel: Kernel,
    readonly env: ModelEnv,
    o: PageAllocatorOptions & { readonly rawZoneLock?: boolean } = {},
  ) {
    this.version = o.version ?? 'main';
    const k = kernel;
    // "Make zone->lock raw" (Michal Hocko, Aug 2020) is a different lock type, as the patch would be.
    this.zoneLock = o.rawZoneLock ? k.rawSpinlock('&zone->lock') : k.spinlock('&zone->lock');
    // ≤ v5.13 on PREEMPT_RT: the RT patch set's "rt-friendly per-cpu pages" protected the
    // pcp lists with local_lock_irqsave(pa_lock) instead of local_irq_save()
    this.pcpLocalLock = k.config.preempt === 'rt' && this.version === 'v5.9';
    this.pagesetsLock =
      this.version === 'v5.14'
        ? k.localLock('pagesets.lock')
        : this.pcpLocalLock
          ? k.localLock('pa_lock')
          : null;
    this.kswapdWaitLock = k.spinlock('&pgdat->kswapd_wait');
    this.kswapdPiLock = k.rawSpinlock('&p->pi_lock');
    // lib/stackdepot.c: static DEFINE_SPINLOCK(depot_lock) in 2020; static DEFINE_RAW_SPINLOCK(pool_lock) today
    this.depotLock =
      this.version === 'main' ? k.rawSpinlock('pool_lock') : k.spinlock('depot_lock');
    // mm/page_owner.c (v6.9+): static DEFINE_SPINLOCK(stack_list_lock)
    this.stackListLock = this.version === 'main' ? k.spinlock('stack_list_lock') : null;
    const min = nonNeg(o.min ?? 1024, 'min');
    this.watermarks = {
      min,
      low: nonNeg(o.low ?? Math.floor((min * 5) / 4), 'low'),
      high: nonNeg(o.high ?? Math.floor((min * 3) / 2), 'high'),
    };
    this.freePages = nonNeg(o.freePages ?? 100000, 'freePages');
    this.reclaimable = nonNeg(o.reclaimable ?? 50000, 'reclaimable');
    this.batch = Math.max(1, nonNeg(o.batch ?? 31, 'batch'));
    this.pcpHigh = nonNeg(o.pcpHigh ?? this.batch * 6, 'pcpHigh');
    this.pageOwner = o.pageOwner ?? false;
    this.debugPagealloc = o.debugPagealloc ?? false;
    this.kswapdAsleep = o.kswapdAsleep ?? true;
    const count = nonNeg(o.pcpCount ?? this.batch, 'pcpCount');
    for (let c = 0; c < k.cpus; c++) {
      this.pcp.push({
        count,
        orders: new Array<number>(PAGE_ALLOC_COSTLY_ORDER + 1).fill(0),
        lock: this.version === 'main' ? k.spinlock('&pcp->lock') : null,
      });
    }
    env.addDaemon(() => this.kswapdRun());
  }

  // ---------------------------------------------------------------------------------
  // State setters (scenario knobs)

  /**
   * Set one CPU's pcp list (all CPUs when cpu is omitted): order 0 counts pages, orders
   * 1..PAGE_ALLOC_COSTLY_ORDER (MAIN's separate lists) count blocks of that order.
   */
  setPcpCount(n: number, cpu?: number, order = 0): void {
    nonNeg(n, 'pcp count');
    if (!Number.isInteger(order) || order < 0 || order > PAGE_ALLOC_COSTLY_ORDER)
      throw new UsageError(`pcp order: expected 0..${PAGE_ALLOC_COSTLY_ORDER}, got ${order}`);
    if (order > 0 && this.version !== 'main')
      throw new UsageError(
        `pcp order ${order}: only the main allocator keeps high-order pcp lists`,
      );
    if (cpu !== undefined) this.kernel.host.checkCpu(cpu);
    for (const p of cpu === undefined ? this.pcp : [this.pcp[cpu]]) {
      if (order === 0) p.count = n;
      else p.orders[order] = n;
    }
  }

  /** Empty one CPU's pcp lists, every order (all CPUs when cpu is omitted). */
  emptyPcp(cpu?: number): void {
    if (cpu !== undefined) this.kernel.host.checkCpu(cpu);
    for (const p of cpu === undefined ? this.pcp : [this.pcp[cpu]]) {
      p.count = 0;
      p.orders.fill(0);
    }
  }

  /** pcp->count: pages on every list of `cpu`. */
  pcpPages(cpu: number): number {
    const p = this.pcp[cpu];
    return p.count + p.orders.reduce((sum, blocks, order) => sum + (blocks << order), 0);
  }

  setFreePages(n: number): void {
    this.freePages = nonNeg(n, 'free pages');
  }

  setReclaimable(n: number): void {
    this.reclaimable = nonNeg(n, 'reclaimable');
  }

  /**
   * Put the zone just below a watermark: `min` leaves 3/4 of WMARK_MIN free (GFP_ATOMIC's
   * reserve access still succeeds, GFP_NOWAIT does not); `atomic` goes below GFP_ATOMIC's
   * 37.5 % too; `low`/`high` sit just under those marks.
   */
  setBelowWatermark(mark: Watermark | 'atomic'): void {
    const w = this.watermarks;
    switch (mark) {
      case 'high':
        this.freePages = w.high - 1;
        break;
      case 'low':
        this.freePages = w.low - 1;
        break;
      case 'min':
        this.freePages = Math.floor((w.min * 3) / 4);
        break;
      case 'atomic':
        this.freePages = Math.floor((w.min * 3) / 10);
        break;
      default:
        throw new UsageError(`unknown watermark ${JSON.stringify(mark)} (min, low, high, atomic)`);
    }
  }

  /** Another task on another CPU takes zone->lock and keeps it (contention). */
  contendZoneLock(cpu?: number): void {
    if (this.contender) return;
    const k = this.kernel;
    const target = cpu ?? (k.cpu === k.cpus - 1 ? 0 : k.cpus - 1);
    // a holder_cpu beyond config.cpus is a usage error, not an index past machine.cpus
    k.host.checkCpu(target);
    if (target === k.cpu)
      throw new UsageError(
        'zone->lock contention needs a holder on another CPU than the current one',
      );
    if (!this.env.cpuAvailable(target))
      throw new UsageError(`CPU ${target} is busy; cannot start a zone->lock holder there`);
    const comm = 'zone-lock-holder';
    k.host.startTask(comm, target, () => {
      const flags = this.zoneLock.lockIrqsave({ at: 'free_pcppages_bulk' });
      this.contender = { comm, cpu: target, flags };
    });
  }

  /** The holder started by contendZoneLock() releases zone->lock. */
  releaseZoneLock(): void {
    const c = this.contender;
    if (!c) return;
    // the holder goes back to sleep: the CPU runs its idle task again
    this.kernel.host.stopTask(c.comm, c.cpu, () => {
      this.zoneLock.unlockIrqrestore(c.flags ?? false, { at: 'free_pcppages_bulk' });
      this.contender = null;
    });
  }

  get zoneLockContended(): boolean {
    return this.contender !== null;
  }

  setKswapdAsleep(asleep: boolean): void {
    this.kswapdAsleep = asleep;
  }

  // ---------------------------------------------------------------------------------
  // Watermarks

  /** __zone_watermark_ok() (MAIN): reserve discounts for ALLOC_MIN_RESERVE / NON_BLOCK / OOM. */
  watermarkOk(order: number, mark: number, allocFlags: number): boolean {
    let min = mark;
    const free = this.freePages;
    if (allocFlags & ALLOC_RESERVES) {
      if (allocFlags & ALLOC_MIN_RESERVE) {
        min -= Math.floor(min / 2);
        // GFP_ATOMIC: a further quarter, i.e. 37.5 % of the mark
        if (allocFlags & ALLOC_NON_BLOCK) min -= Math.floor(min / 4);
      }
      if (allocFlags & ALLOC_OOM) min -= Math.floor(min / 2);
    }
    if (free <= min) return false;
    return order === 0 || free >= 1 << order;
  }

  private markFor(allocFlags: number): number {
    const w = allocFlags & ALLOC_WMARK_MASK;
    return w === ALLOC_WMARK_MIN
      ? this.watermarks.min
      : w === ALLOC_WMARK_LOW
        ? this.watermarks.low
        : this.watermarks.high;
  }

  private balanced(): boolean {
    return this.freePages > this.watermarks.high;
  }

  // ---------------------------------------------------------------------------------
  // Allocation

  /** alloc_pages(gfp, order): a page or null. */
  allocPages(gfp: Gfp, order = 0): Page | null {
    checkOrder(order);
    return this.kernel.host.op(() => this.allocPagesInner(gfp, order));
  }

  /** __get_free_page(gfp) */
  getFreePage(gfp: Gfp): Page | null {
    return this.allocPages(gfp, 0);
  }

  /** __alloc_pages(): prepare_alloc_pages() (might_alloc), fast path, slow path. */
  private allocPagesInner(gfp: Gfp, order: number): Page | null {
    const k = this.kernel;
    this.stats.calls++;
    // might_alloc(): might_sleep_if(gfpflags_allow_blocking(gfp))
    if (gfpAllowBlocking(gfp))
      k.mightSleep('mm/page_alloc.c:4696', 'prepare_alloc_pages(): might_alloc()');
    // RFC __GFP_NO_LOCKS only changed the order-0 pcp path (rmqueue_pcplist()); a higher
    // order still goes to the buddy lists under zone->lock ("it only works for order==0", PeterZ)
    let page = this.getPageFromFreelist(gfp, order, ALLOC_WMARK_LOW);
    if (page) return this.ok(page);
    // RFC __GFP_NO_LOCKS: "bypass the slow path"
    if (gfp & __GFP_NO_LOCKS) return this.fail();
    page = this.slowpath(gfp, order);
    if (page) return this.ok(page);
    // nopage: warn_alloc() unless __GFP_NOWARN (only the slow path warns)
    if (!(gfp & __GFP_NOWARN)) this.stats.allocWarnings++;
    return this.fail();
  }

  /** __alloc_pages_slowpath() */
  private slowpath(gfp: Gfp, order: number): Page | null {
    this.stats.slowpaths++;
    const canDirectReclaim = (gfp & __GFP_DIRECT_RECLAIM) !== 0;
    let allocFlags = gfpToAllocFlags(gfp, order);
    if (allocFlags & ALLOC_KSWAPD) this.wakeAllKswapds();
    let page = this.getPageFromFreelist(gfp, order, allocFlags);
    if (page) return page;
    for (let loops = 0; ; loops++) {
      if (allocFlags & ALLOC_KSWAPD) this.wakeAllKswapds();
      // __GFP_MEMALLOC (without __GFP_NOMEMALLOC) may ignore the watermarks from here on
      const reserve = gfpPfmemallocFlags(gfp);
      if (reserve) allocFlags = reserve | (allocFlags & ALLOC_KSWAPD);
      page = this.getPageFromFreelist(gfp, order, allocFlags);
      if (page) return page;
      if (!canDirectReclaim) return null;
      const progress = this.directReclaim();
      page = this.getPageFromFreelist(gfp, order, allocFlags);
      if (page) return page;
      if (gfp & __GFP_NORETRY) return null;
      if (order > PAGE_ALLOC_COSTLY_ORDER && !(gfp & __GFP_RETRY_MAYFAIL)) return null;
      if (progress > 0 && loops < MAX_RECLAIM_RETRIES) continue;
      if (gfp & __GFP_RETRY_MAYFAIL) return null;
      // __alloc_pages_may_oom(): the OOM killer. The model frees nothing with it, so the
      // allocation fails here where the kernel would keep looping for an order-0 request.
      this.stats.oomKills++;
      return null;
    }
  }

  /** __perform_reclaim(): cond_resched(), reclaim, maybe block on I/O. Returns pages reclaimed. */
  private directReclaim(): number {
    const k = this.kernel;
    this.stats.directReclaims++;
    k.mightSleep('mm/page_alloc.c:3912', '__perform_reclaim()');
    const got = Math.min(this.reclaimable, SWAP_CLUSTER_MAX);
    // Reclaim waits for writeback/throttling: the task sleeps.
    k.schedule('__alloc_pages_direct_reclaim');
    this.reclaimable -= got;
    this.freePages += got;
    return got;
  }

  /** wake_all_kswapds() -> wakeup_kswapd() -> wake_up_interruptible(&pgdat->kswapd_wait) */
  private wakeAllKswapds(): void {
    // waitqueue_active(): only a sleeping kswapd is woken
    if (!this.kswapdAsleep) return;
    if (this.kswapdFailures >= MAX_RECLAIM_RETRIES || this.balanced()) return;
    this.stats.kswapdWakeups++;
    const flags = this.kswapdWaitLock.lockIrqsave({ at: '__wake_up_common_lock' });
    // try_to_wake_up()
    const f2 = this.kswapdPiLock.lockIrqsave({ at: 'try_to_wake_up' });
    this.kswapdAsleep = false;
    this.kswapdPiLock.unlockIrqrestore(f2, { at: 'try_to_wake_up' });
    this.kswapdWaitLock.unlockIrqrestore(flags, { at: '__wake_up_common_lock' });
  }

  /** kswapd: when woken, reclaim up to the high mark, then sleep again. */
  private kswapdRun(): boolean {
    if (this.kswapdAsleep) return false;
    const k = this.kernel;
    let cpu = -1;
    for (let c = 0; c < k.cpus; c++)
      if (this.env.cpuAvailable(c)) {
        cpu = c;
        break;
      }
    if (cpu < 0) return false;
    this.env.runAsTask('kswapd0', cpu, () => {
      const need = Math.max(0, this.watermarks.high + 1 - this.freePages);
      const got = Math.min(need, this.reclaimable);
      this.reclaimable -= got;
      this.freePages += got;
      if (got === 0 && need > 0) this.kswapdFailures++;
      else this.kswapdFailures = 0;
      this.kswapdAsleep = true;
    });
    return true;
  }

  /** get_page_from_freelist() over the one zone. */
  private getPageFromFreelist(gfp: Gfp, order: number, allocFlags: number): Page | null {
    if (
      !(allocFlags & ALLOC_NO_WATERMARKS) &&
      !this.watermarkOk(order, this.markFor(allocFlags), allocFlags)
    )
      return null;
    const page = this.rmqueue(gfp, order, allocFlags);
    if (page) this.prepNewPage(gfp);
    return page;
  }

  /** rmqueue() */
  private rmqueue(gfp: Gfp, order: number, allocFlags: number): Page | null {
    if (this.version !== 'main') {
      // ≤ v5.19: order-0 is served from the pcp lists only ("goto out")
      if (order === 0) return this.rmqueuePcplist(gfp, order, allocFlags);
      return this.rmqueueBuddy(order, allocFlags);
    }
    if (order <= PAGE_ALLOC_COSTLY_ORDER) {
      const page = this.rmqueuePcplist(gfp, order, allocFlags);
      if (page) return page;
    }
    return this.rmqueueBuddy(order, allocFlags);
  }

  /** rmqueue_pcplist() with the version's pcp protection. */
  private rmqueuePcplist(gfp: Gfp, order: number, allocFlags: number): Page | null {
    const k = this.kernel;
    const cpu = k.cpu;
    switch (this.pcpLocalLock ? 'v5.14' : this.version) {
      case 'v5.9': {
        const flags = k.localIrqSave();
        const page = this.rmqueuePcpInner(gfp, order, allocFlags, cpu);
        k.localIrqRestore(flags);
        return page;
      }
      case 'v5.14': {
        const lock = this.pagesetsLock as LocalLock;
        const flags = lock.lockIrqsave({ at: 'rmqueue_pcplist' });
        const page = this.rmqueuePcpInner(gfp, order, allocFlags, cpu);
        lock.unlockIrqrestore(flags, { at: 'rmqueue_pcplist' });
        return page;
      }
      default: {
        // pcp_trylock_prepare(): UP !RT disables irqs (a UP trylock always succeeds)
        const up = k.cpus === 1 && k.config.preempt !== 'rt';
        const upFlags = up ? k.localIrqSave() : false;
        // pcpu_task_pin(): preempt_disable() on !RT, migrate_disable() on RT
        this.pin();
        const lock = this.pcp[cpu].lock as Spinlock;
        if (!lock.trylock({ at: 'rmqueue_pcplist' })) {
          this.unpin();
          if (up) k.localIrqRestore(upFlags);
          this.stats.trylockFailures++;
          return null;
        }
        const page = this.rmqueuePcpInner(gfp, order, allocFlags, cpu);
        lock.unlock({ at: 'rmqueue_pcplist' });
        this.unpin();
        if (up) k.localIrqRestore(upFlags);
        return page;
      }
    }
  }

  private pin(): void {
    if (this.kernel.config.preempt === 'rt') this.kernel.migrateDisable();
    else this.kernel.preemptDisable();
  }

  private unpin(): void {
    if (this.kernel.config.preempt === 'rt') this.kernel.migrateEnable();
    else this.kernel.preemptEnable();
  }

  /** __rmqueue_pcplist(): refill an empty list with rmqueue_bulk() (zone->lock), take one. */
  private rmqueuePcpInner(gfp: Gfp, order: number, allocFlags: number, cpu: number): Page | null {
    const pcp = this.pcp[cpu];
    const need = 1 << order;
    if (order > 0) {
      // MAIN: the order's own list; order-0 pages on the other list do not help
      if (pcp.orders[order] === 0) {
        if (gfp & __GFP_NO_LOCKS) return null;
        // nr_pcp_alloc(): a high-order list is refilled with max(batch >> order, 2) blocks
        const pages = this.rmqueueBulk(Math.max(this.batch >> order, 2) << order, allocFlags);
        pcp.orders[order] += pages >> order;
        this.freePages += pages & (need - 1);
        if (pcp.orders[order] === 0) return null;
      } else this.stats.pcpHits++;
      pcp.orders[order]--;
      return this.newPage(order);
    }
    if (pcp.count < need) {
      // RFC __GFP_NO_LOCKS: never go to the buddy lists
      if (gfp & __GFP_NO_LOCKS) return null;
      pcp.count += this.rmqueueBulk(Math.max(this.batch, need), allocFlags);
      if (pcp.count < need) return null;
    } else this.stats.pcpHits++;
    pcp.count -= need;
    return this.newPage(order);
  }

  /** rmqueue_bulk(): move `count` pages from the buddy lists under zone->lock (irqs off). */
  private rmqueueBulk(count: number, allocFlags: number): number {
    const zl = this.zoneLock;
    let flags: boolean;
    if (allocFlags & ALLOC_TRYLOCK) {
      const f = zl.trylockIrqsave({ at: 'rmqueue_bulk' });
      if (f === null) {
        this.stats.trylockFailures++;
        return 0;
      }
      flags = f;
    } else flags = zl.lockIrqsave({ at: 'rmqueue_bulk' });
    const got = Math.min(count, this.freePages);
    this.freePages -= got;
    if (got > 0) this.stats.pcpRefills++;
    zl.unlockIrqrestore(flags, { at: 'rmqueue_bulk' });
    return got;
  }

  /** rmqueue_buddy(): a block straight from the buddy lists under zone->lock. */
  private rmqueueBuddy(order: number, allocFlags: number): Page | null {
    const zl = this.zoneLock;
    let flags: boolean;
    if (allocFlags & ALLOC_TRYLOCK) {
      const f = zl.trylockIrqsave({ at: 'rmqueue_buddy' });
      if (f === null) {
        this.stats.trylockFailures++;
        return null;
      }
      flags = f;
    } else flags = zl.lockIrqsave({ at: 'rmqueue_buddy' });
    const need = 1 << order;
    let page: Page | null = null;
    // ALLOC_HIGHATOMIC/OOM callers may also use the highatomic reserve; the model has one pool.
    if (this.freePages >= need) {
      this.freePages -= need;
      this.stats.buddyAllocs++;
      page = this.newPage(order);
    }
    zl.unlockIrqrestore(flags, { at: 'rmqueue_buddy' });
    return page;
  }

  /**
   * prep_new_page() -> post_alloc_hook() -> __set_page_owner() (CONFIG_PAGE_OWNER,
   * page_owner=on). The kernel takes the stack depot lock only for a stack it has not
   * stored yet, and page_owner's stack list lock only for a new stack record; the model
   * takes them on every allocation (it has no stacks), which is the first-time path.
   * - v5.9: stack_depot_save() takes depot_lock, a spinlock_t, whatever the mask
   *   (Palethorpe's Oct 2020 splat under krc.lock).
   * - MAIN: stack_depot_save_flags() takes the raw pool_lock, by trylock in NMI or when
   *   the mask may not spin (alloc_pages_nolock()); add_stack_record_to_list() returns
   *   early for such masks, otherwise takes stack_list_lock, a spinlock_t.
   */
  private prepNewPage(gfp: Gfp): void {
    if (!this.pageOwner) return;
    const k = this.kernel;
    const spin = gfpAllowSpinning(gfp);
    if (this.version === 'main') {
      const inNmi = (k.host.rawPreemptCount() & NMI_MASK) !== 0;
      if (inNmi || !spin) {
        const f = this.depotLock.trylockIrqsave({ at: 'stack_depot_save_flags' });
        if (f !== null) this.depotLock.unlockIrqrestore(f, { at: 'stack_depot_save_flags' });
      } else {
        const f = this.depotLock.lockIrqsave({ at: 'stack_depot_save_flags' });
        this.depotLock.unlockIrqrestore(f, { at: 'stack_depot_save_flags' });
      }
      if (spin && this.stackListLock) {
        const f = this.stackListLock.lockIrqsave({ at: 'add_stack_record_to_list' });
        this.stackListLock.unlockIrqrestore(f, { at: 'add_stack_record_to_list' });
      }
      return;
    }
    const flags = this.depotLock.lockIrqsave({ at: 'stack_depot_save' });
    this.depotLock.unlockIrqrestore(flags, { at: 'stack_depot_save' });
  }

  private newPage(order: number): Page {
    return { pfn: this.nextPfn++, order };
  }

  private ok(page: Page): Page {
    this.stats.successes++;
    return page;
  }

  private fail(): null {
    this.stats.failures++;
    return null;
  }

  // ---------------------------------------------------------------------------------
  // alloc_pages_nolock() (MAIN) and __rcu_alloc_page_lockless() (RFC, Sep 2020)

  /**
   * alloc_pages_nolock(gfp_flags, nid, order): trylocks only, no slow path, no kswapd;
   * NULL on PREEMPT_RT from hard IRQ or NMI, for orders the pcp lists do not serve, on
   * contention and below the MIN watermark. Only __GFP_ACCOUNT may be passed.
   */
  allocPagesNolock(order = 0, gfpFlags: Gfp = 0): Page | null {
    checkOrder(order);
    if (gfpFlags & ~__GFP_ACCOUNT)
      throw new UsageError('alloc_pages_nolock(): only __GFP_ACCOUNT is allowed in gfp_flags');
    return this.kernel.host.op(() => {
      const k = this.kernel;
      this.stats.calls++;
      const gfp = __GFP_NOWARN | __GFP_ZERO | __GFP_NOMEMALLOC | __GFP_COMP | gfpFlags;
      const pc = k.host.rawPreemptCount();
      // "RT trylock from hard IRQ would confuse PI; RT trylock may take a raw lock unsafe in NMI"
      if (k.config.preempt === 'rt' && pc & (NMI_MASK | HARDIRQ_MASK)) return this.fail();
      if (order > PAGE_ALLOC_COSTLY_ORDER) return this.fail();
      // a single get_page_from_freelist() pass; no slow path, hence no kswapd and no warn_alloc()
      const page = this.getPageFromFreelist(gfp, order, ALLOC_TRYLOCK | ALLOC_WMARK_MIN);
      return page ? this.ok(page) : this.fail();
    });
  }

  /**
   * __rcu_alloc_page_lockless() (RFC 2/4, 18 Sep 2020): with irqs off, take the first page
   * of this CPU's pcp lists; no watermark check, never zone->lock; NULL when empty or with
   * DEBUG_PAGEALLOC. The page then goes through prep_new_page(page, 0, 0, 0), whose
   * page_owner hook takes the stack depot lock like any other allocation.
   */
  allocPageLockless(): Page | null {
    return this.kernel.host.op(() => {
      const k = this.kernel;
      this.stats.calls++;
      if (this.debugPagealloc) return this.fail();
      const flags = k.localIrqSave();
      const pcp = this.pcp[k.cpu];
      let page: Page | null = null;
      if (pcp.count > 0) {
        pcp.count--;
        this.stats.pcpHits++;
        page = this.newPage(0);
      }
      k.localIrqRestore(flags);
      if (!page) return this.fail();
      this.prepNewPage(0);
      return this.ok(page);
    });
  }

  // ---------------------------------------------------------------------------------
  // Freeing

  /** free_pages() / free_page(): to this CPU's pcp list; over pcp->high, a batch goes back under zone->lock. */
  freePage(page: Page): void {
    if (!page || typeof page.order !== 'number')
      throw new UsageError('freePage(): not a page from this allocator');
    this.kernel.host.op(() => {
      const k = this.kernel;
      this.stats.pagesFreed++;
      const n = 1 << page.order;
      if (page.order > (this.version === 'main' ? PAGE_ALLOC_COSTLY_ORDER : 0)) {
        this.freeOneToBuddy(n);
        return;
      }
      const cpu = k.cpu;
      const pcp = this.pcp[cpu];
      const commit = (): void => {
        if (page.order === 0) pcp.count += n;
        else pcp.orders[page.order]++;
        if (this.pcpPages(cpu) >= this.pcpHigh) {
          // free_pcppages_bulk(): a batch of pages back, order-0 first, then whole blocks
          const flags = this.zoneLock.lockIrqsave({ at: 'free_pcppages_bulk' });
          let give = Math.min(this.batch, this.pcpPages(cpu));
          const fromZero = Math.min(give, pcp.count);
          pcp.count -= fromZero;
          this.freePages += fromZero;
          give -= fromZero;
          for (let o = 1; o < pcp.orders.length && give > 0; o++) {
            while (pcp.orders[o] > 0 && give > 0) {
              pcp.orders[o]--;
              this.freePages += 1 << o;
              give -= 1 << o;
            }
          }
          this.zoneLock.unlockIrqrestore(flags, { at: 'free_pcppages_bulk' });
        }
      };
      switch (this.pcpLocalLock ? 'v5.14' : this.version) {
        case 'v5.9': {
          const flags = k.localIrqSave();
          commit();
          k.localIrqRestore(flags);
          return;
        }
        case 'v5.14': {
          const lock = this.pagesetsLock as LocalLock;
          const flags = lock.lockIrqsave({ at: 'free_unref_page' });
          commit();
          lock.unlockIrqrestore(flags, { at: 'free_unref_page' });
          return;
        }
        default: {
          this.pin();
          const lock = this.pcp[cpu].lock as Spinlock;
          if (lock.trylock({ at: 'free_unref_page' })) {
            commit();
            lock.unlock({ at: 'free_unref_page' });
            this.unpin();
          } else {
            this.unpin();
            this.stats.trylockFailures++;
            this.freeOneToBuddy(n);
          }
        }
      }
    });
  }

  /** free_one_page(): straight to the buddy lists under zone->lock. */
  private freeOneToBuddy(n: number): void {
    const flags = this.zoneLock.lockIrqsave({ at: 'free_one_page' });
    this.freePages += n;
    this.zoneLock.unlockIrqrestore(flags, { at: 'free_one_page' });
  }

  /** A readable state line. */
  describe(): string {
    const w = this.watermarks;
    return (
      `zone free=${this.freePages} (min ${w.min} low ${w.low} high ${w.high}) reclaimable=${this.reclaimable} pcp=[${this.pcp.map((_p, c) => this.pcpPages(c)).join(',')}]` +
      `${this.contender ? ' zone->lock contended' : ''} kswapd=${this.kswapdAsleep ? 'asleep' : 'awake'}`
    );
  }
}

function nonNeg(n: number, what: string): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0)
    throw new UsageError(`${what}: expected a non-negative integer, got ${String(n)}`);
  return n;
}

function checkOrder(order: number): void {
  if (!Number.isInteger(order) || order < 0 || order > 10)
    throw new UsageError(
      `order must be an integer in [0, 10] (MAX_PAGE_ORDER), got ${String(order)}`,
    );
}

export { ALLOC_OOM, ALLOC_KSWAPD };
