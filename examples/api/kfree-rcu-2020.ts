/**
 * The 2020 kfree_rcu() question, in a dozen lines of the library's API.
 *
 * kfree_rcu() queues pointers under krcp->lock (a raw_spinlock_t, taken with irqs
 * saved). Refilling its page-sized bulk array calls the page allocator, which takes
 * zone->lock (a spinlock_t) when the per-CPU lists are empty.
 *
 * What should happen when replayed:
 * - with CONFIG_PROVE_RAW_LOCK_NESTING=y: "[ BUG: Invalid wait context ]" on zone->lock;
 * - without it, on a non-RT kernel: clean;
 * - on PREEMPT_RT: the invalid wait context plus "BUG: sleeping function called from
 *   invalid context" from the RT spinlock (zone->lock sleeps there).
 */
import { createKernel, type Kernel, type KernelOptions } from 'lockdep';

export function kfreeRcuRefillUnderRawLock(options: KernelOptions): Kernel {
  const k = createKernel(options);
  const krcpLock = k.rawSpinlock('krcp->lock');
  const zoneLock = k.spinlock('&zone->lock');

  const flags = krcpLock.lockIrqsave({ at: 'kvfree_call_rcu+0x8c/0x2a0' });
  // __get_free_page(GFP_NOWAIT) with empty pcp lists falls through to rmqueue_bulk():
  zoneLock.lock({ at: 'rmqueue_bulk+0x4c/0x6e0' });
  zoneLock.unlock();
  krcpLock.unlockIrqrestore(flags);
  return k;
}

/** The fix that landed in the end: only the lockless page cache is used under the raw lock. */
export function kfreeRcuWithWorkerRefill(options: KernelOptions): Kernel {
  const k = createKernel(options);
  const krcpLock = k.rawSpinlock('krcp->lock');
  const zoneLock = k.spinlock('&zone->lock');

  const flags = krcpLock.lockIrqsave({ at: 'kvfree_call_rcu+0x8c/0x2a0' });
  krcpLock.unlockIrqrestore(flags);
  // later, from a workqueue (plain task context):
  k.switchTo('kworker/0:1', 0);
  zoneLock.lock({ at: 'rmqueue_bulk+0x4c/0x6e0' });
  zoneLock.unlock();
  return k;
}
