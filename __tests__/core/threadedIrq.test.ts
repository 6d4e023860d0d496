/**
 * Handlers marked threaded (lockdep_hardirq_threaded()). Lockdep judges their body with
 * the LD_WAIT_CONFIG ceiling on every configuration (lib/locking-selftest.c's "in
 * hardirq context" row: spinlock_t fine, mutex invalid, also on PREEMPT_RT). Under forced
 * threading (force_irqthreads(), always on PREEMPT_RT) the body runs in its irq thread,
 * so the scheduler's checks see task context: no "sleeping function called from invalid
 * context" for an RT spinlock there.
 */
import { createKernel, type Kernel } from '../../src';

function inThreadedHandler(k: Kernel, body: () => void, forceThreaded?: boolean): void {
  k.hardirq(body, { threaded: true, forceThreaded });
}

describe('threaded interrupt handlers', () => {
  it.each([
    // [preempt, forceThreaded, lock, expected kinds]
    ['full', undefined, 'spin', []],
    ['full', undefined, 'mutex', ['sleeping-in-atomic', 'invalid-wait-context']],
    ['rt', undefined, 'spin', []],
    ['rt', undefined, 'mutex', ['invalid-wait-context']],
    ['rt', false, 'spin', ['sleeping-in-atomic']],
    ['rt', false, 'mutex', ['sleeping-in-atomic', 'invalid-wait-context']],
    ['full', true, 'spin', []],
    ['full', true, 'mutex', ['invalid-wait-context']],
  ] as const)('preempt=%s forceThreaded=%s: %s -> %j', (preempt, forceThreaded, lock, expected) => {
    const k = createKernel({ preempt, threadirqs: preempt === 'rt' ? true : undefined });
    const l = lock === 'spin' ? k.spinlock('lock_B') : k.mutex('mutex_B');
    inThreadedHandler(
      k,
      () => {
        l.lock();
        l.unlock();
      },
      forceThreaded,
    );
    expect(k.violations.map((v) => v.kind)).toEqual(expected);
  });

  it('the invalid-wait-context report prints the threaded hardirq ceiling: context-{3:3}', () => {
    const k = createKernel({ preempt: 'rt' });
    const m = k.mutex('mutex_B');
    inThreadedHandler(k, () => m.lock());
    const v = k.violations[0];
    expect(v.kind === 'invalid-wait-context' && v.context).toBe(3);
  });

  it("inside the irq thread preempt_count and irqs_disabled() are the thread's", () => {
    const k = createKernel({ preempt: 'rt' });
    const seen: [number, boolean, boolean][] = [];
    inThreadedHandler(k, () => {
      seen.push([k.preemptCount(), k.irqsDisabled(), k.preemptible()]);
      k.localIrqDisable();
      seen.push([k.preemptCount(), k.irqsDisabled(), k.preemptible()]);
      k.localIrqEnable();
    });
    seen.push([k.preemptCount(), k.irqsDisabled(), k.preemptible()]);
    expect(seen).toEqual([
      [0, false, true],
      [0, true, false],
      [0, false, true],
    ]);
    expect(k.violations).toEqual([]);
  });

  it('a lock used in a threaded handler is IN-HARDIRQ for lockdep on every configuration', () => {
    for (const preempt of ['full', 'rt'] as const) {
      const k = createKernel({ preempt });
      const a = k.spinlock('lock_A');
      inThreadedHandler(k, () => {
        a.lock();
        a.unlock();
      });
      a.lock(); // with interrupts enabled: {IN-HARDIRQ-W} -> {HARDIRQ-ON-W}
      expect(k.violations.map((v) => v.kind)).toEqual(['inconsistent-lock-state']);
    }
  });
});
