/**
 * kvfree_rcu() batching (kernel/rcu/tree.c, now mm/slab_common.c): per-CPU `krc` with its
 * raw_spinlock_t taken with irqs saved, page-sized bulk blocks in two channels (slab,
 * vmalloc), the rcu_head list fallback, the bkvcache page cache, the monitor that hands
 * batches to an rcu_work, freeing after the grace period, the refill worker kicked through
 * an hrtimer, the shrinker with its backoff, and the head-less variant with its
 * synchronize_rcu() fallback.
 *
 * The strategy (models/strategies.ts) picks among the code paths the real patches had.
 * Nothing here tests the configuration to decide whether something is a bug: allocation
 * under krc.lock goes through the modelled page allocator and whatever that does in this
 * context is judged by the validator.
 */
import createDebug from 'debug';
import type { Kernel } from '../../kernel';
import { UsageError } from '../../core/errors';
import type { RawSpinlock } from '../../primitives/spinlock';
import {
  DelayedWork,
  HrTimer,
  SYSTEM_HIGHPRI_WQ,
  SYSTEM_WQ,
  type ModelEnv,
  type WorkqueueDef,
} from '../env';
import type { Page, PageAllocator } from '../mm/pageAlloc';
import type { KvfreeStrategy } from '../strategies';
import { RcuWork, type Rcu } from './rcu';
import { __GFP_KSWAPD_RECLAIM, __GFP_NOWARN } from '../mm/gfp';

const log = createDebug('lockdep:models');

export const PAGE_SIZE = 4096;
/** KFREE_N_BATCHES */
export const KFREE_N_BATCHES = 2;
/** FREE_N_CHANNELS */
export const FREE_N_CHANNELS = 2;
/** rcu_delay_page_cache_fill_msec default */
export const RCU_DELAY_PAGE_CACHE_FILL_MSEC = 5000;

/** rcu_reclaim_wq = alloc_workqueue("kvfree_rcu_reclaim", WQ_UNBOUND | WQ_MEM_RECLAIM, 0) */
export const RCU_RECLAIM_WQ: WorkqueueDef = { name: 'kvfree_rcu_reclaim', kind: 'unbound' };

/** Where a kvfree_rcu() request went. */
export type Placement = 'bulk' | 'list' | 'inline-gp';

/** One kvfree_rcu() call and where its object went. */
export interface PlacementRecord {
  /** the kernel event (operation index; the trace event index in a replay) of the call */
  readonly event: number;
  readonly call: 'kfree_rcu' | 'kvfree_rcu_headless';
  readonly cpu: number;
  readonly task: string;
  readonly placement: Placement;
}

/** Calls recorded in `placements`; later ones are only counted (`placementsDropped`). */
export const PLACEMENT_LOG_MAX = 10000;

export interface KvfreeOptions {
  /** KVFREE_BULK_MAX_ENTR override (default: the strategy's, 510 or 507) */
  readonly bulkCapacity?: number | undefined;
  /** rcu_min_cached_objs override (default: the strategy's, 2 or 5) */
  readonly minCachedObjs?: number | undefined;
  /** cache-miss model: line size (64) and pointer size (8) */
  readonly cacheLineSize?: number | undefined;
  readonly pointerSize?: number | undefined;
  /** rcu_delay_page_cache_fill_msec (5000) */
  readonly delayPageCacheFillMs?: number | undefined;
}

export interface KvfreeCounters {
  calls: number;
  /** objects stored in bulk blocks */
  bulk: number;
  /** objects linked on the rcu_head list */
  list: number;
  /** head-less objects freed inline after synchronize_rcu() */
  inlineGp: number;
  /** page allocator calls made by kvfree code (any site) */
  allocatorCalls: number;
  allocatorFailures: number;
  /** allocations with krc.lock held / after dropping it / from the refill worker */
  allocUnderLock: number;
  allocDropLock: number;
  allocWorker: number;
  /** blocks taken from the page cache */
  cacheHits: number;
  /** pages the worker put in the cache */
  pagesRefilled: number;
  /** block pages put back in the cache after freeing / given back to the allocator */
  pagesRecycled: number;
  pagesReleased: number;
  workerKicks: number;
  workerRuns: number;
  monitorRuns: number;
  batchesQueued: number;
  /** grace periods waited: batches processed after a GP + inline synchronize_rcu() calls */
  gracePeriodsWaited: number;
  /** objects freed after their grace period, by channel */
  freedBulk: number;
  freedList: number;
  freedInline: number;
  blocksFreed: number;
  /** blocks/list objects freed by the monitor because their GP had already elapsed (MAIN) */
  drainedReady: number;
  /** cache-miss model of the post-GP freeing: lines of bulk blocks, one per list object */
  cacheMissesBulk: number;
  cacheMissesList: number;
  shrinkerScans: number;
}

/** struct kvfree_rcu_bulk_data: a page of pointers. */
interface Block {
  readonly page: Page;
  records: number;
  gpSnap: number;
}

/** struct kfree_rcu_cpu_work: one batch slot. */
interface Batch {
  readonly bulkFree: [Block[], Block[]];
  headFree: number;
  readonly rwork: RcuWork;
}

/** struct kfree_rcu_cpu */
class Krc {
  readonly bulk: [Block[], Block[]] = [[], []];
  headCount = 0;
  headGpSnap = 0;
  /** krcp->count (≤ v5.19) / the atomics (MAIN) */
  count = 0;
  readonly krw: Batch[] = [];
  readonly cache: Page[] = [];
  monitorTodo = false;
  workInProgress = false;
  backoff = false;
  initialized = false;
  monitor!: DelayedWork;
  pageCacheWork!: DelayedWork;
  hrtimer!: HrTimer;
  constructor(
    readonly cpu: number,
    readonly lock: RawSpinlock,
  ) {}

  pending(): boolean {
    return this.bulk[0].length > 0 || this.bulk[1].length > 0 || this.headCount > 0;
  }

  /** krc_count() */
  total(): number {
    return (
      this.bulk[0].reduce((a, b) => a + b.records, 0) +
      this.bulk[1].reduce((a, b) => a + b.records, 0) +
      this.headCount
    );
  }
}

export class KvfreeRcu {
  readonly capacity: number;
  readonly minCachedObjs: number;
  readonly lineSize: number;
  readonly pointerSize: number;
  readonly headerSize: number;
  readonly delayFillMs: number;
  readonly counters: KvfreeCounters = {
    calls: 0,
    bulk: 0,
    list: 0,
    inlineGp: 0,
    allocatorCalls: 0,
    allocatorFailures: 0,
    allocUnderLock: 0,
    allocDropLock: 0,
    allocWorker: 0,
    cacheHits: 0,
    pagesRefilled: 0,
    pagesRecycled: 0,
    pagesReleased: 0,
    workerKicks: 0,
    workerRuns: 0,
    monitorRuns: 0,
    batchesQueued: 0,
    gracePeriodsWaited: 0,
    freedBulk: 0,
    freedList: 0,
    freedInline: 0,
    blocksFreed: 0,
    drainedReady: 0,
    cacheMissesBulk: 0,
    cacheMissesList: 0,
    shrinkerScans: 0,
  };
  /** the first PLACEMENT_LOG_MAX calls, in order (the counters cover them all) */
  readonly placements: PlacementRecord[] = [];
  placementsDropped = 0;
  private readonly krcs: Krc[] = [];
  private readonly wq: WorkqueueDef;

  constructor(
    readonly kernel: Kernel,
    readonly env: ModelEnv,
    readonly rcu: Rcu,
    readonly pa: PageAllocator,
    readonly strategy: KvfreeStrategy,
    o: KvfreeOptions = {},
  ) {
    this.capacity = posInt(o.bulkCapacity ?? strategy.bulkCapacity, 'bulkCapacity');
    this.minCachedObjs = nonNegInt(o.minCachedObjs ?? strategy.minCachedObjs, 'minCachedObjs');
    this.lineSize = posInt(o.cacheLineSize ?? 64, 'cacheLineSize');
    this.pointerSize = posInt(o.pointerSize ?? 8, 'pointerSize');
    if (this.capacity * this.pointerSize >= PAGE_SIZE)
      throw new UsageError(
        `bulkCapacity ${this.capacity} does not fit a ${PAGE_SIZE}-byte page with a header`,
      );
    // the struct header sits in front of records[] in the same page
    this.headerSize = PAGE_SIZE - this.capacity * this.pointerSize;
    this.delayFillMs = nonNegInt(
      o.delayPageCacheFillMs ?? RCU_DELAY_PAGE_CACHE_FILL_MSEC,
      'delayPageCacheFillMs',
    );
    this.wq = strategy.queueMode === 'slot' ? RCU_RECLAIM_WQ : SYSTEM_WQ;
    // static DEFINE_PER_CPU(struct kfree_rcu_cpu, krc) = { .lock = __RAW_SPIN_LOCK_UNLOCKED(krc.lock) }
    for (let c = 0; c < kernel.cpus; c++) {
      const krcp = new Krc(c, kernel.rawSpinlock('krc.lock'));
      for (let i = 0; i < KFREE_N_BATCHES; i++) {
        const b: Batch = { bulkFree: [[], []], headFree: 0, rwork: null as unknown as RcuWork };
        (b as { rwork: RcuWork }).rwork = new RcuWork('kfree_rcu_work', () =>
          this.kfreeRcuWork(krcp, b),
        );
        krcp.krw.push(b);
      }
      krcp.monitor = new DelayedWork('kfree_rcu_monitor', () => this.monitor(krcp));
      krcp.pageCacheWork = new DelayedWork('fill_page_cache_func', () => this.fillPageCache(krcp));
      // schedule_page_work_fn(): hard-IRQ context, only queues the work
      krcp.hrtimer = new HrTimer(
        'schedule_page_work_fn',
        () => void env.queueDelayedWork(SYSTEM_HIGHPRI_WQ, krcp.pageCacheWork, 0),
      );
      this.krcs.push(krcp);
    }
  }

  /** kfree_rcu_batch_init() / kvfree_rcu_init(): mark initialized; V5.9 pre-fills the cache. */
  init(): void {
    this.kernel.host.op(() => {
      for (const krcp of this.krcs) {
        if (this.strategy.prefillAtBoot) {
          for (let i = 0; i < this.minCachedObjs; i++) {
            // kfree_rcu_batch_init(): __get_free_page(GFP_NOWAIT | __GFP_NOWARN), no lock held
            const page = this.alloc(__GFP_KSWAPD_RECLAIM | __GFP_NOWARN, 'worker');
            if (page && !this.putCached(krcp, page)) this.pa.freePage(page);
          }
        }
        krcp.initialized = true;
      }
    });
  }

  // ---------------------------------------------------------------------------------
  // The API

  /** kfree_rcu(ptr, rhf) / kvfree_rcu(ptr, rhf): the two-argument form (object embeds an rcu_head). */
  kfreeRcu(o: { readonly vmalloc?: boolean } = {}): Placement {
    return this.kernel.host.op(() => this.record(true, this.call(true, o.vmalloc ?? false)));
  }

  /** kvfree_rcu(ptr) / kvfree_rcu_mightsleep(ptr): head-less, might_sleep() contexts only. */
  kvfreeRcuHeadless(o: { readonly vmalloc?: boolean } = {}): Placement {
    return this.kernel.host.op(() => this.record(false, this.call(false, o.vmalloc ?? false)));
  }

  private record(head: boolean, placement: Placement): Placement {
    if (this.placements.length >= PLACEMENT_LOG_MAX) this.placementsDropped++;
    else {
      const k = this.kernel;
      this.placements.push({
        event: k.host.eventIndex(),
        call: head ? 'kfree_rcu' : 'kvfree_rcu_headless',
        cpu: k.cpu,
        task: k.current,
        placement,
      });
    }
    return placement;
  }

  /** kvfree_call_rcu() */
  private call(head: boolean, vmalloc: boolean): Placement {
    const k = this.kernel;
    const s = this.strategy;
    this.counters.calls++;
    // "it can be used from might_sleep() context only"
    if (!head) k.mightSleep('mm/slab_common.c:1938', 'kvfree_call_rcu() head-less: might_sleep()');
    // patch 15/16 samples preemptible() before taking the lock; MAIN allows head-less only
    const canAlloc =
      s.dropLockAlloc === 'preemptible'
        ? k.preemptible()
        : s.dropLockAlloc === 'headless'
          ? !head
          : false;
    const krcp = this.krcs[k.cpu];
    let flags = this.krcLock(krcp);
    const r = this.addPtrToBulk(krcp, flags, vmalloc, canAlloc, head);
    flags = r.flags;
    let placement: Placement = 'bulk';
    if (!r.ok) {
      if (s.refill !== 'none') this.runPageCacheWorker(krcp);
      if (!head) {
        // head-less: unlock, then synchronize_rcu() + kvfree() inline
        this.krcUnlock(krcp, flags);
        this.counters.inlineGp++;
        this.rcu.synchronize();
        this.counters.gracePeriodsWaited++;
        this.counters.freedInline++;
        return 'inline-gp';
      }
      krcp.headCount++;
      krcp.headGpSnap = this.rcu.getState();
      placement = 'list';
    }
    if (placement === 'bulk') this.counters.bulk++;
    else this.counters.list++;
    if (log.enabled) log('kvfree_call_rcu on cpu%d (%s): %s', k.cpu, s.name, placement);
    krcp.count++;
    this.scheduleMonitor(krcp, false);
    this.krcUnlock(krcp, flags);
    return placement;
  }

  /** krc_this_cpu_lock(): local_irq_save() then raw_spin_lock(&krcp->lock). */
  private krcLock(krcp: Krc): boolean {
    const flags = this.kernel.localIrqSave();
    krcp.lock.lock({ at: 'krc_this_cpu_lock' });
    return flags;
  }

  /** krc_this_cpu_unlock(): raw_spin_unlock_irqrestore(). */
  private krcUnlock(krcp: Krc, flags: boolean): void {
    krcp.lock.unlockIrqrestore(flags, { at: 'krc_this_cpu_unlock' });
  }

  /** kvfree_call_rcu_add_ptr_to_bulk() / add_ptr_to_bulk_krc_lock() */
  private addPtrToBulk(
    krcp: Krc,
    flags: boolean,
    vmalloc: boolean,
    canAlloc: boolean,
    head: boolean,
  ): { ok: boolean; flags: boolean } {
    const s = this.strategy;
    if (!krcp.initialized) return { ok: false, flags };
    const idx = vmalloc ? 1 : 0;
    let bnode: Block | undefined = krcp.bulk[idx][0];
    if (!bnode || bnode.records === this.capacity) {
      let page = this.getCached(krcp);
      if (!page) {
        switch (s.underLock) {
          case 'gfp-nowait':
          case 'gfp-no-locks':
            // "To keep this path working on raw non-preemptible sections, prevent the
            // optional entry into the allocator as it uses sleeping locks" (v5.9, RT only)
            if (s.rtSkip && this.kernel.config.preempt === 'rt') return { ok: false, flags };
            page = this.alloc(s.underLockGfp, 'under-lock');
            break;
          case 'gfp-nowait-unlocked': {
            // Jul 2020: same RT skip, then preempt_disable(); krc_this_cpu_unlock();
            // __get_free_page(); krc_this_cpu_lock(); preempt_enable(): krc.lock is no longer
            // held in the allocator, the caller's locks and context still are.
            if (s.rtSkip && this.kernel.config.preempt === 'rt') return { ok: false, flags };
            this.kernel.preemptDisable();
            this.krcUnlock(krcp, flags);
            page = this.alloc(s.underLockGfp, 'drop-lock');
            flags = this.krcLock(krcp);
            this.kernel.preemptEnable();
            break;
          }
          case 'lockless':
            page = this.allocWith(() => this.pa.allocPageLockless(), 'under-lock');
            break;
          case 'nolock':
            if (!canAlloc) page = this.allocWith(() => this.pa.allocPagesNolock(0), 'under-lock');
            break;
          default:
            break;
        }
      }
      if (!page && canAlloc) {
        // Drop the lock, allocate in the caller's (supposedly sleepable) context, relock
        // the same krcp (the task may have migrated meanwhile).
        this.krcUnlock(krcp, flags);
        page = this.alloc(head ? s.dropLockGfpTwoArg : s.dropLockGfpHeadless, 'drop-lock');
        flags = this.kernel.localIrqSave();
        krcp.lock.lock({ at: 'add_ptr_to_bulk_krc_lock' });
      }
      if (!page) return { ok: false, flags };
      bnode = { page, records: 0, gpSnap: 0 };
      krcp.bulk[idx].unshift(bnode);
    }
    bnode.records++;
    bnode.gpSnap = this.rcu.getState();
    return { ok: true, flags };
  }

  private alloc(gfp: number, site: 'under-lock' | 'drop-lock' | 'worker'): Page | null {
    return this.allocWith(() => this.pa.getFreePage(gfp), site);
  }

  private allocWith(
    fn: () => Page | null,
    site: 'under-lock' | 'drop-lock' | 'worker',
  ): Page | null {
    this.counters.allocatorCalls++;
    if (site === 'under-lock') this.counters.allocUnderLock++;
    else if (site === 'drop-lock') this.counters.allocDropLock++;
    else this.counters.allocWorker++;
    const page = fn();
    if (!page) this.counters.allocatorFailures++;
    return page;
  }

  /** get_cached_bnode() (krcp->lock held) */
  private getCached(krcp: Krc): Page | null {
    const p = krcp.cache.pop() ?? null;
    if (p) this.counters.cacheHits++;
    return p;
  }

  /** put_cached_bnode(): refuse once rcu_min_cached_objs pages are cached. */
  private putCached(krcp: Krc, page: Page): boolean {
    if (krcp.cache.length >= this.minCachedObjs) return false;
    krcp.cache.push(page);
    return true;
  }

  // ---------------------------------------------------------------------------------
  // Monitor, batches, freeing

  /** Arm the monitor: ≤ v5.19 via monitor_todo; MAIN with flood detection (1 jiffy). */
  private scheduleMonitor(krcp: Krc, rearm: boolean): void {
    const s = this.strategy;
    if (s.floodDetect) {
      const delay = krcp.total() >= this.capacity ? 1 : s.drainMs;
      const w = krcp.monitor;
      if (w.pending) {
        if (w.expires > this.env.now + delay) this.env.queueDelayedWork(this.wq, w, delay, true);
      } else this.env.queueDelayedWork(this.wq, w, delay);
      return;
    }
    if (krcp.monitorTodo && !rearm) return;
    krcp.monitorTodo = true;
    this.env.queueDelayedWork(SYSTEM_WQ, krcp.monitor, s.drainMs);
  }

  /** kfree_rcu_monitor() */
  private monitor(krcp: Krc): void {
    this.counters.monitorRuns++;
    const s = this.strategy;
    if (s.drainReady) this.drainReady(krcp);
    const flags = krcp.lock.lockIrqsave({ at: 'kfree_rcu_monitor' });
    if (s.queueMode === 'slot') {
      this.queueBatchSlot(krcp);
      if (krcp.pending()) this.scheduleMonitor(krcp, true);
    } else if (krcp.monitorTodo) {
      // kfree_rcu_drain_unlock()
      krcp.monitorTodo = false;
      if (!this.queueBatchChannels(krcp)) this.scheduleMonitor(krcp, true);
    }
    krcp.lock.unlockIrqrestore(flags, { at: 'kfree_rcu_monitor' });
  }

  /** queue_kfree_rcu_work() (≤ v5.19): fill any free channel of any slot. True when all pending left. */
  private queueBatchChannels(krcp: Krc): boolean {
    for (const krwp of krcp.krw) {
      const movable =
        (krcp.bulk[0].length > 0 && krwp.bulkFree[0].length === 0) ||
        (krcp.bulk[1].length > 0 && krwp.bulkFree[1].length === 0) ||
        (krcp.headCount > 0 && krwp.headFree === 0);
      if (!movable) continue;
      for (let j = 0; j < FREE_N_CHANNELS; j++) {
        if (krwp.bulkFree[j].length === 0) krwp.bulkFree[j].push(...krcp.bulk[j].splice(0));
      }
      if (krwp.headFree === 0) {
        krwp.headFree = krcp.headCount;
        krcp.headCount = 0;
      }
      krcp.count = 0;
      if (this.rcu.queueRcuWork(this.wq, krwp.rwork)) this.counters.batchesQueued++;
    }
    return !krcp.pending();
  }

  /** kvfree_rcu_queue_batch() (MAIN): one fully free slot takes everything pending. */
  private queueBatchSlot(krcp: Krc): void {
    for (const krwp of krcp.krw) {
      // need_wait_for_krwp_work()
      if (krwp.bulkFree[0].length || krwp.bulkFree[1].length || krwp.headFree) continue;
      if (!krcp.pending()) return;
      for (let j = 0; j < FREE_N_CHANNELS; j++) krwp.bulkFree[j].push(...krcp.bulk[j].splice(0));
      krwp.headFree = krcp.headCount;
      krcp.headCount = 0;
      krcp.count = 0;
      if (this.rcu.queueRcuWork(this.wq, krwp.rwork)) this.counters.batchesQueued++;
      return;
    }
  }

  /** kvfree_rcu_drain_ready() (MAIN): free what already waited a grace period, no rcu_work. */
  private drainReady(krcp: Krc): void {
    const flags = krcp.lock.lockIrqsave({ at: 'kvfree_rcu_drain_ready' });
    const ready: Block[] = [];
    for (let j = 0; j < FREE_N_CHANNELS; j++) {
      const list = krcp.bulk[j];
      // from the tail: the oldest blocks
      while (list.length > 0 && this.rcu.pollState(list[list.length - 1].gpSnap))
        ready.push(list.pop() as Block);
    }
    let head = 0;
    if (krcp.headCount > 0 && this.rcu.pollState(krcp.headGpSnap)) {
      head = krcp.headCount;
      krcp.headCount = 0;
    }
    krcp.lock.unlockIrqrestore(flags, { at: 'kvfree_rcu_drain_ready' });
    if (ready.length || head) this.counters.drainedReady += ready.length + head;
    for (const b of ready) this.freeBlock(krcp, b);
    this.freeList(head);
  }

  /** kfree_rcu_work(): after the grace period, in process context. */
  private kfreeRcuWork(krcp: Krc, krwp: Batch): void {
    this.counters.gracePeriodsWaited++;
    const flags = krcp.lock.lockIrqsave({ at: 'kfree_rcu_work' });
    const blocks = [...krwp.bulkFree[0].splice(0), ...krwp.bulkFree[1].splice(0)];
    const head = krwp.headFree;
    krwp.headFree = 0;
    krcp.lock.unlockIrqrestore(flags, { at: 'kfree_rcu_work' });
    for (const b of blocks) this.freeBlock(krcp, b);
    this.freeList(head);
  }

  /** kvfree_rcu_bulk(): kfree_bulk()/vfree() the records, then recycle or free the page. */
  private freeBlock(krcp: Krc, b: Block): void {
    // cache-miss model: reading the block walks the lines holding the header and records[]
    const bytes = this.headerSize + b.records * this.pointerSize;
    this.counters.cacheMissesBulk += Math.ceil(bytes / this.lineSize);
    this.counters.freedBulk += b.records;
    this.counters.blocksFreed++;
    const flags = krcp.lock.lockIrqsave({ at: 'kvfree_rcu_bulk' });
    const pushed = this.putCached(krcp, b.page);
    krcp.lock.unlockIrqrestore(flags, { at: 'kvfree_rcu_bulk' });
    if (pushed) this.counters.pagesRecycled++;
    else {
      this.counters.pagesReleased++;
      this.pa.freePage(b.page);
    }
  }

  /** kvfree_rcu_list(): pointer chasing through rcu_heads, one miss per object. */
  private freeList(n: number): void {
    if (n === 0) return;
    this.counters.cacheMissesList += n;
    this.counters.freedList += n;
  }

  // ---------------------------------------------------------------------------------
  // Refill worker, shrinker

  /** run_page_cache_worker() (krcp->lock held, irqs off) */
  private runPageCacheWorker(krcp: Krc): void {
    if (this.minCachedObjs === 0) return;
    if (krcp.workInProgress) return;
    krcp.workInProgress = true;
    this.counters.workerKicks++;
    if (this.strategy.refill === 'main' && krcp.backoff) {
      this.env.queueDelayedWork(RCU_RECLAIM_WQ, krcp.pageCacheWork, this.delayFillMs);
    } else if (this.strategy.refill === 'rfc') {
      // RFC 4/4: "Use delayed work, so we do not deadlock with rq->lock": one jiffy on system_wq
      this.env.queueDelayedWork(SYSTEM_WQ, krcp.pageCacheWork, 1);
    } else {
      // an hrtimer for 0 ns: queueing work from here could deadlock on scheduler locks
      this.env.hrtimerStart(krcp.hrtimer, 0);
    }
  }

  /** fill_page_cache_func(): process context, no kvfree lock held while allocating. */
  private fillPageCache(krcp: Krc): void {
    this.counters.workerRuns++;
    const main = this.strategy.refill === 'main';
    const nrPages = main && krcp.backoff ? 1 : this.minCachedObjs;
    for (let i = main ? krcp.cache.length : 0; i < nrPages; i++) {
      const page = this.alloc(this.strategy.workerGfp, 'worker');
      if (!page) {
        if (main) break;
        continue;
      }
      const flags = krcp.lock.lockIrqsave({ at: 'fill_page_cache_func' });
      const pushed = this.putCached(krcp, page);
      krcp.lock.unlockIrqrestore(flags, { at: 'fill_page_cache_func' });
      if (!pushed) {
        this.pa.freePage(page);
        break;
      }
      this.counters.pagesRefilled++;
    }
    krcp.workInProgress = false;
    if (main) krcp.backoff = false;
  }

  /**
   * The shrinker ("slab-kvfree-rcu", MAIN): count_objects sets backoff on every CPU,
   * scan_objects drains each page cache and runs the monitor synchronously. Returns
   * pages + objects freed.
   */
  shrink(): number {
    return this.kernel.host.op(() => {
      this.counters.shrinkerScans++;
      let freed = 0;
      for (const krcp of this.krcs) {
        krcp.backoff = true;
      }
      for (const krcp of this.krcs) {
        freed += krcp.total();
        freed += this.drainPageCache(krcp);
        this.monitor(krcp);
      }
      return freed;
    });
  }

  /** drain_page_cache(): detach the cache under the lock, free the pages outside it. */
  private drainPageCache(krcp: Krc): number {
    if (this.minCachedObjs === 0) return 0;
    const flags = krcp.lock.lockIrqsave({ at: 'drain_page_cache' });
    const pages = krcp.cache.splice(0);
    krcp.lock.unlockIrqrestore(flags, { at: 'drain_page_cache' });
    for (const p of pages) this.pa.freePage(p);
    return pages.length;
  }

  // ---------------------------------------------------------------------------------
  // Scenario knobs and views

  /** Fill this CPU's (or every) page cache to `n` pages from the allocator, as the worker would. */
  fillCache(n = this.minCachedObjs, cpu?: number): void {
    this.kernel.host.op(() => {
      for (const krcp of this.targets(cpu)) {
        while (krcp.cache.length < Math.min(n, this.minCachedObjs)) {
          const page = this.pa.getFreePage(this.strategy.workerGfp);
          if (!page) break;
          krcp.cache.push(page);
        }
      }
    });
  }

  /** Empty the page cache(s), giving the pages back to the allocator. */
  emptyCache(cpu?: number): void {
    this.kernel.host.op(() => {
      for (const krcp of this.targets(cpu))
        for (const p of krcp.cache.splice(0)) this.pa.freePage(p);
    });
  }

  private targets(cpu?: number): Krc[] {
    if (cpu === undefined) return this.krcs;
    this.kernel.host.checkCpu(cpu);
    return [this.krcs[cpu]];
  }

  /** Pages in the page caches (all CPUs, or one). */
  cachedPages(cpu?: number): number {
    return this.targets(cpu).reduce((a, k) => a + k.cache.length, 0);
  }

  /** Objects queued and not yet freed. */
  pendingObjects(): number {
    let n = 0;
    for (const k of this.krcs) {
      n += k.total();
      for (const b of k.krw)
        n +=
          b.headFree +
          b.bulkFree[0].reduce((a, x) => a + x.records, 0) +
          b.bulkFree[1].reduce((a, x) => a + x.records, 0);
    }
    return n;
  }

  backoff(cpu: number): boolean {
    this.kernel.host.checkCpu(cpu);
    return this.krcs[cpu].backoff;
  }

  /**
   * The cache-miss model's cost per object of each channel, whether used or not: a full
   * bulk block costs the lines its header and records[] span, shared by `capacity`
   * objects; an rcu_head list object costs one miss (pointer chasing).
   */
  modelMissesPerObject(): { bulk: number; list: number } {
    const bytes = this.headerSize + this.capacity * this.pointerSize;
    return { bulk: Math.ceil(bytes / this.lineSize) / this.capacity, list: 1 };
  }

  /** measured cache misses per object freed so far, per channel (NaN for an unused channel) */
  missesPerObject(): { bulk: number; list: number } {
    const c = this.counters;
    return {
      bulk: c.freedBulk ? c.cacheMissesBulk / c.freedBulk : NaN,
      list: c.freedList ? c.cacheMissesList / c.freedList : NaN,
    };
  }
}

function posInt(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`${what}: expected a positive integer, got ${String(n)}`);
  return n;
}

function nonNegInt(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 0)
    throw new UsageError(`${what}: expected a non-negative integer, got ${String(n)}`);
  return n;
}
