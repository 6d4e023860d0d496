/**
 * Property tests (fast-check): any sequence of public calls, under any configuration
 * and policy, only ever throws the documented typed errors; the held-lock state stays
 * consistent; and the same sequence always gives the same reports.
 */
import { runs } from '../helpers/fuzz';
import fc from 'fast-check';
import { LockdepError, type Kernel, type KernelOptions } from '../../src';
import { build, config, OPS, type Op } from '../helpers/publicOps';

function run(options: KernelOptions, ops: Op[]): { k: Kernel; errors: string[] } {
  const { k, apply } = build(options);
  const errors: string[] = [];
  for (const op of ops) {
    try {
      apply(op);
    } catch (e) {
      if (!(e instanceof LockdepError)) throw e;
      errors.push(`${e.name}:${e.code}`);
    }
    for (const t of ['init', 'A', 'B']) {
      let held;
      try {
        held = k.heldLocks(t);
      } catch (e) {
        if (e instanceof LockdepError) continue; // task not created yet
        throw e;
      }
      for (const h of held) {
        if (!h || typeof h.name !== 'string' || h.usage.length !== 4)
          throw new Error(`inconsistent held entry in ${t}`);
      }
    }
  }
  return { k, errors };
}

describe('random sequences of public calls', () => {
  it('never throw anything but typed LockdepErrors, and the held stacks stay well-formed', () => {
    fc.assert(
      fc.property(config, fc.array(fc.constantFrom(...OPS), { maxLength: 60 }), (options, ops) => {
        run(options, ops);
      }),
      runs(400, 0x10cd),
    );
  });

  it('are deterministic: the same sequence gives the same reports', () => {
    fc.assert(
      fc.property(config, fc.array(fc.constantFrom(...OPS), { maxLength: 40 }), (options, ops) => {
        const a = run(options, ops);
        const b = run(options, ops);
        expect(JSON.stringify(b.k.violations)).toBe(JSON.stringify(a.k.violations));
        expect(b.errors).toEqual(a.errors);
      }),
      runs(150, 0x10cd),
    );
  });

  it('balanced lock/unlock sequences in task context leave nothing held and preempt_count 0', () => {
    const LOCKS = ['raw', 'spin', 'mutex', 'rw', 'local'] as const;
    fc.assert(
      fc.property(
        config,
        fc.array(fc.constantFrom(...LOCKS), { maxLength: 8 }),
        (options, order) => {
          const { k, apply } = build({ ...options, policy: 'collect' });
          const unique = [...new Set(order)];
          for (const l of unique) apply(l === 'rw' ? 'rw.writeLock' : `${l}.lock`);
          for (const l of unique.reverse()) apply(l === 'rw' ? 'rw.writeUnlock' : `${l}.unlock`);
          expect(k.heldLocks()).toEqual([]);
          expect(k.preemptCount()).toBe(0);
          expect(
            k.violations.filter(
              (v) => v.kind === 'bad-unlock-balance' || v.kind === 'debug-locks-warning',
            ),
          ).toEqual([]);
        },
      ),
      runs(200, 0x10cd),
    );
  });
});
