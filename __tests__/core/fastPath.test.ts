/**
 * The cached fast paths must not change what the model does. Lockdep.tryCached() (the
 * lookup_chain_cache() hit of validate_chain(), with one context signature standing for
 * check_wait_context() and mark_usage()) and Machine.spinLockFast()/spinUnlockFast()
 * (spin_lock()/spin_unlock() as one operation) are each a shortcut through
 * __lock_acquire(); a differential property runs random programs of public calls twice,
 * with the shortcuts and with every acquisition taking the whole path, and compares
 * every report, every typed error, every held stack and every preempt_count.
 */
import fc from 'fast-check';
import { LockdepError, type Kernel, type KernelOptions } from '../../src';
import { Lockdep } from '../../src/core/lockdep';
import type { Task } from '../../src/core/task';
import { runs } from '../helpers/fuzz';
import { build, config, OPS, type Op } from '../helpers/publicOps';

/** Lock-heavy programs, so that chains repeat and the cached paths are taken. */
const HOT: readonly Op[] = [
  'raw.lock',
  'raw.unlock',
  'spin.lock',
  'spin.unlock',
  'rw.readLock',
  'rw.readUnlock',
];
/** What the context signature stands for: irq and softirq context, irq and BH enable state. */
const CONTEXT: readonly Op[] = [
  'irqDisable',
  'irqEnable',
  'bhDisable',
  'bhEnable',
  'softirqEnter',
  'softirqExit',
  'irqEnter',
  'irqEnterThreaded',
  'irqExit',
];
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...HOT) },
  { weight: 4, arbitrary: fc.constantFrom(...CONTEXT) },
  { weight: 1, arbitrary: fc.constantFrom(...OPS) },
);

interface Outcome {
  violations: string;
  errors: string[];
  state: string[];
}

function run(options: KernelOptions, ops: readonly Op[], fast: boolean): Outcome {
  const { k, apply } = build(options);
  k.machine.lockdep.fastPath = fast;
  const errors: string[] = [];
  const state: string[] = [];
  for (const o of ops) {
    try {
      apply(o);
    } catch (e) {
      if (!(e instanceof LockdepError)) throw e;
      errors.push(`${o}: ${e.code}: ${e.message}`);
    }
    state.push(snapshot(k));
  }
  return { violations: JSON.stringify(k.violations), errors, state };
}

function snapshot(k: Kernel): string {
  const tasks = ['init', 'A', 'B'].map((t) => {
    try {
      return `${t}:${k.preemptCount(t)}:${JSON.stringify(k.heldLocks(t))}`;
    } catch (e) {
      if (e instanceof LockdepError) return `${t}:-`;
      throw e;
    }
  });
  return `${k.current}|${tasks.join('|')}`;
}

describe('cached fast paths (Lockdep.tryCached, Machine.spinLockFast/spinUnlockFast)', () => {
  it('take the cached path once a chain is known: a repeated nesting reaches tryCached() and it succeeds', () => {
    const spy = jest.spyOn(Lockdep.prototype, 'tryCached');
    try {
      const { k, apply } = build({ policy: 'collect' });
      for (let i = 0; i < 3; i++) {
        apply('spin.lock');
        apply('raw.lock');
        apply('raw.unlock');
        apply('spin.unlock');
      }
      expect(k.violations).toEqual([]);
      // the first round registers the classes and validates the chains: it misses
      const hits = spy.mock.results.filter((r) => r.value === true).length;
      expect(hits).toBeGreaterThanOrEqual(4);
      expect(spy.mock.results[0].value).toBe(false);
    } finally {
      spy.mockRestore();
    }
  });

  // Each component of the context signature, with a program whose second acquisition of
  // a known chain differs from the first only in that component, and whose verdict
  // depends on the usage bit or wait-context ceiling that component decides.
  it.each<[string, readonly Op[], string]>([
    [
      'hardirqs on after a first use with irqs off: mark_lock(LOCK_ENABLED_HARDIRQ) still runs',
      [
        'irqDisable',
        'raw.lock',
        'raw.unlock',
        'irqEnable',
        'raw.lock',
        'raw.unlock',
        'irqEnter',
        'raw.lock',
        'raw.unlock',
        'irqExit',
      ],
      'inconsistent-lock-state',
    ],
    [
      'softirqs on after a first use under local_bh_disable(): mark_lock(LOCK_ENABLED_SOFTIRQ) still runs',
      [
        'bhDisable',
        'raw.lock',
        'raw.unlock',
        'bhEnable',
        'raw.lock',
        'raw.unlock',
        'softirqEnter',
        'raw.lock',
        'raw.unlock',
        'softirqExit',
      ],
      'inconsistent-lock-state',
    ],
    [
      'a threaded hardirq after a plain one: task_wait_context() is LD_WAIT_CONFIG, not LD_WAIT_SPIN',
      [
        'irqEnterThreaded',
        'spin.lock',
        'spin.unlock',
        'irqExit',
        'irqEnter',
        'spin.lock',
        'spin.unlock',
        'irqExit',
      ],
      'invalid-wait-context',
    ],
  ])('%s', (_name, ops, kind) => {
    const slow = run({ policy: 'collect', proveRawLockNesting: true }, ops, false);
    const fast = run({ policy: 'collect', proveRawLockNesting: true }, ops, true);
    expect(JSON.parse(slow.violations)).toContainEqual(expect.objectContaining({ kind }));
    expect(fast.violations).toBe(slow.violations);
    expect(fast.state).toEqual(slow.state);
  });

  it('report, fail and leave state exactly as the whole __lock_acquire() does, in every configuration', () => {
    fc.assert(
      fc.property(
        config,
        fc.array(op, { minLength: 10, maxLength: 80, size: 'max' }),
        (options, ops) => {
          const slow = run(options, ops, false);
          const fast = run(options, ops, true);
          expect(fast.violations).toBe(slow.violations);
          expect(fast.errors).toEqual(slow.errors);
          expect(fast.state).toEqual(slow.state);
        },
      ),
      runs(500, 0xfa57),
    );
  });

  it('Task.ctxBits always says what its inputs say (task_irq_context(), threaded or irq_config, softirqs_enabled)', () => {
    const expected = (t: Task): number =>
      (t.hardirqContext ? 2 : 0) +
      (t.softirqContext ? 1 : 0) +
      (t.hardirqThreaded || t.irqConfig ? 4 : 0) +
      (t.softirqsEnabled ? 8 : 0);
    fc.assert(
      fc.property(config, fc.array(op, { minLength: 1, maxLength: 60 }), (options, ops) => {
        const { k, apply } = build(options);
        let checked = 0;
        for (const o of ops) {
          try {
            apply(o);
          } catch (e) {
            if (!(e instanceof LockdepError)) throw e;
          }
          for (const t of k.machine.tasks) {
            expect([t.name, t.ctxBits]).toEqual([t.name, expected(t)]);
            expect(t.irqContext()).toBe(expected(t) & 3);
            checked++;
          }
        }
        expect(checked).toBeGreaterThan(0);
      }),
      runs(300, 0xc7b1),
    );
  });
});
