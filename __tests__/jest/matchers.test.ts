import { createKernel, formatViolation } from '../../src';
import { expect as jestExpect } from '@jest/globals';
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

describe('lockdep/jest with Jest equality', () => {
  it('toHaveViolation compares fields with this.equals, so asymmetric matchers work', () => {
    const k = spinUnderRaw();
    expect(k).toHaveViolation('invalid-wait-context', { lock: expect.stringContaining('zone') });
    expect(k).toHaveViolation('invalid-wait-context', { context: expect.any(Number) });
    expect(k).toHaveViolation('invalid-wait-context', {
      task: expect.any(String),
      lock: expect.not.stringContaining('krcp'),
    });
    expect(k).not.toHaveViolation('invalid-wait-context', {
      lock: expect.stringContaining('krcp'),
    });
    expect(k).toHaveInvalidWaitContext(expect.stringMatching(/zone->lock$/));
  });

  it('names an asymmetric matcher in the failure message', () => {
    let message = '';
    try {
      expect(spinUnderRaw()).toHaveViolation('invalid-wait-context', {
        lock: expect.stringContaining('krcp->nope'),
      });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('StringContaining');
  });

  it('separates several splats in one failure message by a blank line', () => {
    const k = createKernel({ preempt: 'rt' });
    const raw = k.rawSpinlock('krcp->lock');
    const zone = k.spinlock('zone->lock');
    raw.lock();
    zone.lock();
    zone.unlock();
    raw.unlock();
    expect(k.violations.length).toBeGreaterThan(1);
    const res = lockdepMatchers.toBeLockdepClean.call({}, k);
    const text = res.message();
    expect(text).toContain(k.violations.map((v) => formatViolation(v)).join('\n\n'));
  });

  it('types the matchers on the expect of @jest/globals', () => {
    // a type error here (toHaveViolation unknown on this expect) fails `npm test`'s tsc
    jestExpect.extend(lockdepMatchers);
    jestExpect(spinUnderRaw()).toHaveViolation('invalid-wait-context', {
      lock: jestExpect.stringContaining('zone'),
    });
    jestExpect(spinUnderRaw('full', false)).toBeLockdepClean();
  });
});
