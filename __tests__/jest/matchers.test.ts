import { createKernel } from '../../src';
import { assertNoLocksHeld, lockdepMatchers, LocksHeldError } from '../../src/jest';

expect.extend(lockdepMatchers);

function spinUnderRaw(preempt: 'full' | 'rt' = 'full', proveRawLockNesting = true) {
  const k = createKernel({ preempt, proveRawLockNesting });
  const raw = k.rawSpinlock('krcp->lock');
  const zone = k.spinlock('zone->lock');
  raw.lock();
  zone.lock();
  zone.unlock();
  raw.unlock();
  return k;
}

describe('lockdep/jest matchers', () => {
  it('toHaveViolation matches kind and lock name', () => {
    expect(spinUnderRaw()).toHaveViolation('invalid-wait-context', { lock: 'zone->lock' });
    expect(spinUnderRaw()).not.toHaveViolation('invalid-wait-context', { lock: 'krcp->lock' });
    expect(spinUnderRaw()).toHaveInvalidWaitContext('zone->lock');
  });

  it('accepts a scenario function and an array of violations', () => {
    expect(() => spinUnderRaw()).toHaveViolation('invalid-wait-context');
    expect(spinUnderRaw().violations).toHaveViolation('invalid-wait-context', { context: 5 });
  });

  it('toBeLockdepClean passes without PROVE_RAW_LOCK_NESTING and fails with the splat in the message', () => {
    expect(spinUnderRaw('full', false)).toBeLockdepClean();
    let message = '';
    try {
      expect(spinUnderRaw()).toBeLockdepClean();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('[ BUG: Invalid wait context ]');
    expect(message).toContain('(zone->lock){....}-{3:3}');
  });

  it('failure of toHaveViolation lists what was raised instead', () => {
    const res = lockdepMatchers.toHaveViolation.call(
      { isNot: false },
      spinUnderRaw(),
      'circular-dependency',
    );
    expect(res.pass).toBe(false);
    expect(res.message()).toMatch(/expected circular-dependency, but 1 violation was raised/);
  });

  it('assertNoLocksHeld reports locks left held per task', () => {
    const k = createKernel();
    const a = k.spinlock('lock_A');
    k.onTask('worker', () => a.lock());
    expect(() => assertNoLocksHeld(k)).toThrow(LocksHeldError);
    expect(() => assertNoLocksHeld(k)).toThrow(/worker still holds 1 lock:\n #0: lock_A/);
    k.switchTo('worker');
    a.unlock();
    expect(() => assertNoLocksHeld(k)).not.toThrow();
  });
});
