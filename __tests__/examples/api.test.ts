/** examples/api/*.ts are executed here so they never rot. */
import {
  kfreeRcuRefillUnderRawLock,
  kfreeRcuWithWorkerRefill,
} from '../../examples/api/kfree-rcu-2020';
import { lockdepMatchers } from '../../src/jest';

expect.extend(lockdepMatchers);

describe('examples/api/kfree-rcu-2020.ts', () => {
  it('PROVE_RAW_LOCK_NESTING=y: invalid wait context on zone->lock', () => {
    const k = kfreeRcuRefillUnderRawLock({ preempt: 'full', proveRawLockNesting: true });
    expect(k).toHaveInvalidWaitContext('&zone->lock');
    expect(k.violations).toHaveLength(1);
  });

  it('PROVE_RAW_LOCK_NESTING=n on !RT: clean', () => {
    expect(
      kfreeRcuRefillUnderRawLock({ preempt: 'voluntary', proveRawLockNesting: false }),
    ).toBeLockdepClean();
  });

  it('PREEMPT_RT: the lockdep report and the RT spinlock sleeping in atomic context', () => {
    const k = kfreeRcuRefillUnderRawLock({ preempt: 'rt' });
    expect(k.violations.map((v) => v.kind)).toEqual(['invalid-wait-context', 'sleeping-in-atomic']);
  });

  it('PREEMPT_RT without PROVE_RAW_LOCK_NESTING: lockdep is silent but the kernel still sleeps in atomic context', () => {
    const k = kfreeRcuRefillUnderRawLock({ preempt: 'rt', proveRawLockNesting: false });
    expect(k.violations.map((v) => v.kind)).toEqual(['sleeping-in-atomic']);
  });

  it.each(['none', 'voluntary', 'full', 'rt'] as const)(
    'refilling from a worker is clean on %s',
    (preempt) => {
      expect(kfreeRcuWithWorkerRefill({ preempt })).toBeLockdepClean();
    },
  );
});

describe('examples/ are written as a user writes them', () => {
  it('import the package by name, never the repository source', () => {
    const fs = jest.requireActual<typeof import('fs')>('fs');
    const path = jest.requireActual<typeof import('path')>('path');
    const dir = path.join(__dirname, '..', '..', 'examples', 'api');
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const text = fs.readFileSync(path.join(dir, f), 'utf8');
      const specifiers = [...text.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
      expect({ file: f, relative: specifiers.filter((s) => s.startsWith('.')) }).toEqual({
        file: f,
        relative: [],
      });
      expect(specifiers).toContain('lockdep');
    }
  });
});
