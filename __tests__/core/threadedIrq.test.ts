/**
 * Interrupt handlers as the kernel runs them. Each row names the kernel function it
 * mirrors:
 * - __handle_irq_event_percpu() (kernel/irq/handle.c): without forced threading a
 *   threadable handler runs in hard interrupt context marked lockdep_hardirq_threaded():
 *   ceiling LD_WAIT_CONFIG, IN-HARDIRQ usage. lib/locking-selftest.c's HARDIRQ_ENTER()
 *   is that, whatever the config (`forceThreaded: false`).
 * - irq_forced_thread_fn() (kernel/irq/manage.c): with forced threading (`threadirqs`,
 *   always on PREEMPT_RT) the handler runs in its irq thread `irq/<n>-<name>`, task
 *   context, inside local_bh_disable() and, on !RT only, local_irq_disable().
 * - __local_bh_disable_ip() (kernel/softirq.c): on RT that takes bh_lock_map,
 *   softirq_ctrl.lock and rcu_read_lock(); on !RT it adds SOFTIRQ_DISABLE_OFFSET.
 * - IRQF_NO_THREAD (`threaded: false`): hard interrupt context everywhere.
 */
import { createKernel, type IrqOptions, type Kernel, type PreemptModel } from '../../src';

type Body = 'spin' | 'raw' | 'mutex' | 'might_sleep' | 'schedule';

function run(k: Kernel, body: Body): void {
  if (body === 'might_sleep') return k.mightSleep();
  if (body === 'schedule') return k.schedule();
  const l =
    body === 'spin'
      ? k.spinlock('lock_B')
      : body === 'raw'
        ? k.rawSpinlock('raw_B')
        : k.mutex('mutex_B');
  l.lock();
  l.unlock();
}

const FORCED: IrqOptions = { threaded: true, irq: 24, name: 'eth0' };
const HARDIRQ_ENTER: IrqOptions = { threaded: true, forceThreaded: false };
const NO_THREAD: IrqOptions = { threaded: false };

describe('where a handler body runs, and what the checks see there', () => {
  it.each<[string, PreemptModel, boolean, IrqOptions, Body, string[]]>([
    // mirror, preempt, threadirqs, options, body, expected kinds (sorted)
    ['__handle_irq_event_percpu', 'full', false, { threaded: true }, 'spin', []],
    ['__handle_irq_event_percpu', 'full', false, { threaded: true }, 'raw', []],
    [
      '__handle_irq_event_percpu',
      'full',
      false,
      { threaded: true },
      'mutex',
      ['invalid-wait-context', 'sleeping-in-atomic'],
    ],
    [
      '__handle_irq_event_percpu',
      'none',
      false,
      { threaded: true },
      'might_sleep',
      ['sleeping-in-atomic'],
    ],
    ['HARDIRQ_ENTER (selftest)', 'rt', true, HARDIRQ_ENTER, 'spin', ['sleeping-in-atomic']],
    [
      'HARDIRQ_ENTER (selftest)',
      'rt',
      true,
      HARDIRQ_ENTER,
      'mutex',
      ['invalid-wait-context', 'sleeping-in-atomic'],
    ],
    ['irq_forced_thread_fn', 'full', true, FORCED, 'spin', []],
    ['irq_forced_thread_fn', 'full', true, FORCED, 'raw', []],
    // !RT: SOFTIRQ_DISABLE_OFFSET and irqs off; no lockdep map held, so no wait-context report
    ['irq_forced_thread_fn', 'full', true, FORCED, 'mutex', ['sleeping-in-atomic']],
    ['irq_forced_thread_fn', 'none', true, FORCED, 'might_sleep', ['sleeping-in-atomic']],
    ['irq_forced_thread_fn', 'voluntary', true, FORCED, 'might_sleep', ['sleeping-in-atomic']],
    ['irq_forced_thread_fn', 'full', true, FORCED, 'might_sleep', ['sleeping-in-atomic']],
    // schedule_debug() resets preempt_count, so the thread's local_bh_enable() underflows it
    [
      'irq_forced_thread_fn',
      'full',
      true,
      FORCED,
      'schedule',
      ['debug-locks-warning', 'scheduling-while-atomic'],
    ],
    // RT: the bh/RCU maps are CONFIG; rcu_read_lock() nesting makes might_sleep() fire
    ['irq_forced_thread_fn', 'rt', true, FORCED, 'spin', []],
    ['irq_forced_thread_fn', 'rt', true, FORCED, 'raw', []],
    [
      'irq_forced_thread_fn',
      'rt',
      true,
      FORCED,
      'mutex',
      ['invalid-wait-context', 'sleeping-in-atomic'],
    ],
    ['irq_forced_thread_fn', 'rt', true, FORCED, 'might_sleep', ['sleeping-in-atomic']],
    // schedule_debug() on RT: preempt_count 0, and PREEMPT_RCU has no rcu_lock_map check;
    // but the thread's local_bh_disable() holds rcu_read_lock(), so __schedule()'s
    // rcu_note_context_switch(false) WARNs (a voluntary switch inside an RCU reader)
    ['irq_forced_thread_fn', 'rt', true, FORCED, 'schedule', ['kernel-warning']],
    ['IRQF_NO_THREAD', 'rt', true, NO_THREAD, 'raw', []],
    [
      'IRQF_NO_THREAD',
      'rt',
      true,
      NO_THREAD,
      'spin',
      ['invalid-wait-context', 'sleeping-in-atomic'],
    ],
    ['IRQF_NO_THREAD', 'full', true, NO_THREAD, 'spin', ['invalid-wait-context']],
  ])('%s: preempt=%s threadirqs=%s %j, %s -> %j', (_m, preempt, threadirqs, o, body, expected) => {
    const k = createKernel({ preempt, threadirqs, proveRawLockNesting: true });
    k.hardirq(() => run(k, body), o);
    expect(k.violations.map((v) => v.kind).sort()).toEqual(expected);
    expect(k.current).toBe('init');
  });

  it.each<[PreemptModel, number, boolean, string[]]>([
    // irq_forced_thread_fn -> __local_bh_disable_ip(): what the thread holds and counts
    ['full', 0x200, true, []],
    ['none', 0x200, true, []],
    ['rt', 0, false, ['local_bh', 'softirq_ctrl.lock', 'rcu_read_lock', 'rcu_read_lock']],
  ])(
    'irq_forced_thread_fn on %s: preempt_count %i, irqs_disabled %s, held %j',
    (preempt, pc, irqsOff, held) => {
      const k = createKernel({ preempt, threadirqs: true });
      const seen: unknown[] = [];
      k.switchTo('bash');
      k.hardirq(() => {
        seen.push(
          k.current,
          k.preemptCount(),
          k.irqsDisabled(),
          k.heldLocks().map((h) => h.name),
        );
      }, FORCED);
      expect(seen).toEqual(['irq/24-eth0', pc, irqsOff, held]);
      expect(k.current).toBe('bash');
      expect(k.preemptCount('irq/24-eth0')).toBe(0);
      expect(k.heldLocks('irq/24-eth0')).toEqual([]);
      expect(k.violations).toEqual([]);
    },
  );

  it.each<[string, PreemptModel, boolean, IrqOptions, string[]]>([
    // a spinlock_t taken in the handler, later in task context with irqs on
    ['__handle_irq_event_percpu', 'full', false, { threaded: true }, ['inconsistent-lock-state']],
    // (the RT spinlock in a hard interrupt also trips might_sleep())
    [
      'HARDIRQ_ENTER (selftest)',
      'rt',
      true,
      HARDIRQ_ENTER,
      ['inconsistent-lock-state', 'sleeping-in-atomic'],
    ],
    ['irq_forced_thread_fn', 'full', true, FORCED, []],
    ['irq_forced_thread_fn', 'rt', true, FORCED, []],
    ['irq_forced_thread_fn', 'none', true, FORCED, []],
  ])(
    '%s on %s (threadirqs=%s): no IN-HARDIRQ usage in the thread -> %j',
    (_m, preempt, threadirqs, o, expected) => {
      const k = createKernel({ preempt, threadirqs });
      const a = k.spinlock('lock_A');
      k.hardirq(() => {
        a.lock();
        a.unlock();
      }, o);
      a.lock();
      a.unlock();
      expect(k.violations.map((v) => v.kind).sort()).toEqual(expected);
    },
  );

  it("irq_forced_thread_fn on RT: the invalid wait context is the irq thread's, through the bh/RCU maps", () => {
    const k = createKernel({ preempt: 'rt' });
    const m = k.mutex('mutex_B');
    k.hardirq(() => m.lock(), FORCED);
    const v = k.violations.find((x) => x.kind === 'invalid-wait-context');
    expect(v?.task.comm).toBe('irq/24-eth0');
    expect(v?.held.map((h) => h.name)).toEqual([
      'local_bh',
      'softirq_ctrl.lock',
      'rcu_read_lock',
      'rcu_read_lock',
    ]);
  });

  it('a hard interrupt arriving in the irq thread on RT (interrupts on there) runs on the thread', () => {
    const k = createKernel({ preempt: 'rt' });
    const raw = k.rawSpinlock('raw_A');
    const seen: string[] = [];
    k.hardirq(() => {
      k.hardirq(() => {
        seen.push(k.current);
        raw.lock();
        raw.unlock();
      }, NO_THREAD);
    }, FORCED);
    expect(seen).toEqual(['irq/24-eth0']);
    expect(k.violations).toEqual([]);
  });

  it.each<[PreemptModel, 1 | 2]>([
    // read_lock_is_recursive(): in_interrupt() counts the !RT thread's BH-disabled section
    ['full', 2],
    // RT rwlocks are always recursive readers
    ['rt', 2],
  ])(
    'irq_forced_thread_fn on %s: a queued rwlock reader in the thread reads with read=%i',
    (preempt, read) => {
      const k = createKernel({ preempt, threadirqs: true });
      const rw = k.rwlock('rw');
      let seen = -1;
      k.hardirq(() => {
        rw.readLock();
        seen = k.heldLocks().find((h) => h.name === 'rw')?.read ?? -1;
        rw.readUnlock();
      }, FORCED);
      expect(seen).toBe(read);
    },
  );

  it.each<PreemptModel>(['full', 'rt'])(
    'irq_forced_thread_fn on %s: local_lock_irqsave() and an NMI in the thread raise nothing',
    (preempt) => {
      const k = createKernel({ preempt, threadirqs: true, proveRawLockNesting: true });
      const ll = k.localLock('pcp_ll');
      const raw = k.rawSpinlock('nmi_raw');
      const inNmi: string[] = [];
      k.hardirq(() => {
        const f = ll.lockIrqsave();
        ll.unlockIrqrestore(f);
        k.nmi(() => {
          inNmi.push(k.current);
          raw.lock();
          raw.unlock();
        });
      }, FORCED);
      expect(inNmi).toEqual(['irq/24-eth0']);
      expect(k.violations).toEqual([]);
    },
  );

  it('an irq thread does not nest into itself: a typed error, nothing changed', () => {
    const k = createKernel({ preempt: 'rt' });
    k.irqEnter(FORCED);
    expect(() => k.irqEnter(FORCED)).toThrow(/already running its handler/);
    expect(k.current).toBe('irq/24-eth0');
    k.irqExit();
    expect(k.current).toBe('init');
    expect(k.violations).toEqual([]);
  });

  it('events named for the interrupted task run in the thread (trace replay)', () => {
    const k = createKernel({ preempt: 'rt', cpus: 2 });
    k.switchTo('bash', 1);
    k.irqEnter(FORCED);
    k.switchTo('kworker', 0);
    k.switchTo('bash', 1);
    expect(k.current).toBe('irq/24-eth0');
    k.irqExit();
    expect(k.current).toBe('bash');
    expect(k.violations).toEqual([]);
  });
});
