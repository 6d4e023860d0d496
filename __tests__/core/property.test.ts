/**
 * Property tests (fast-check): any sequence of public calls, under any configuration
 * and policy, only ever throws the documented typed errors; the held-lock state stays
 * consistent; and the same sequence always gives the same reports.
 */
import { runs } from '../helpers/fuzz';
import fc from 'fast-check';
import {
  createKernel,
  LockdepError,
  PREEMPT_MODELS,
  type Kernel,
  type KernelOptions,
} from '../../src';

const OPS = [
  'raw.lock',
  'raw.unlock',
  'raw.trylock',
  'raw.lockIrqsave',
  'raw.unlockIrqrestore',
  'spin.lock',
  'spin.unlock',
  'spin.trylock',
  'spin.lockBh',
  'spin.unlockBh',
  'spin.lockIrq',
  'spin.unlockIrq',
  'rw.readLock',
  'rw.readUnlock',
  'rw.writeLock',
  'rw.writeUnlock',
  'mutex.lock',
  'mutex.unlock',
  'mutex.trylock',
  'rwsem.downRead',
  'rwsem.upRead',
  'rwsem.downWrite',
  'rwsem.upWrite',
  'local.lock',
  'local.unlock',
  'srcu.readLock',
  'srcu.readUnlock',
  'rcu',
  'rcuUnlock',
  'rcuBh',
  'rcuBhUnlock',
  'rcuSched',
  'rcuSchedUnlock',
  'irqEnter',
  'irqEnterThreaded',
  'irqExit',
  'softirqEnter',
  'softirqExit',
  'nmiEnter',
  'nmiExit',
  'irqDisable',
  'irqEnable',
  'preemptDisable',
  'preemptEnable',
  'bhDisable',
  'bhEnable',
  'mightSleep',
  'schedule',
  'switchA',
  'switchB',
  'switchCpu1',
  'exitB',
  'nested1',
  'override.enter',
  'override.exit',
] as const;
type Op = (typeof OPS)[number];

function build(options: KernelOptions) {
  const k = createKernel(options);
  const locks = {
    raw: k.rawSpinlock('raw'),
    spin: k.spinlock('spin'),
    rw: k.rwlock('rw'),
    mutex: k.mutex('mutex'),
    rwsem: k.rwsem('rwsem'),
    local: k.localLock('local'),
    srcu: k.srcu('srcu'),
    override: k.waitOverrideMap('ovr', 'sleep'),
  };
  let flags = false;
  const apply = (op: Op): void => {
    switch (op) {
      case 'raw.lockIrqsave':
        flags = locks.raw.lockIrqsave();
        break;
      case 'raw.unlockIrqrestore':
        locks.raw.unlockIrqrestore(flags);
        break;
      case 'rcu':
        k.rcuReadLock();
        break;
      case 'rcuUnlock':
        k.rcuReadUnlock();
        break;
      case 'rcuBh':
        k.rcuReadLockBh();
        break;
      case 'rcuBhUnlock':
        k.rcuReadUnlockBh();
        break;
      case 'rcuSched':
        k.rcuReadLockSched();
        break;
      case 'rcuSchedUnlock':
        k.rcuReadUnlockSched();
        break;
      case 'irqEnter':
        k.irqEnter();
        break;
      case 'irqEnterThreaded':
        k.irqEnter({ threaded: true });
        break;
      case 'irqExit':
        k.irqExit();
        break;
      case 'softirqEnter':
        k.softirqEnter();
        break;
      case 'softirqExit':
        k.softirqExit();
        break;
      case 'nmiEnter':
        k.nmiEnter();
        break;
      case 'nmiExit':
        k.nmiExit();
        break;
      case 'irqDisable':
        k.localIrqDisable();
        break;
      case 'irqEnable':
        k.localIrqEnable();
        break;
      case 'preemptDisable':
        k.preemptDisable();
        break;
      case 'preemptEnable':
        k.preemptEnable();
        break;
      case 'bhDisable':
        k.localBhDisable();
        break;
      case 'bhEnable':
        k.localBhEnable();
        break;
      case 'mightSleep':
        k.mightSleep();
        break;
      case 'schedule':
        k.schedule();
        break;
      case 'switchA':
        k.switchTo('A');
        break;
      case 'switchB':
        k.switchTo('B');
        break;
      case 'switchCpu1':
        k.switchTo(k.current, 1);
        break;
      case 'exitB':
        k.exitTask('B');
        break;
      case 'nested1':
        locks.spin.lock({ subclass: 1 });
        break;
      default: {
        const [name, method] = op.split('.') as [keyof typeof locks, string];
        (locks[name] as unknown as Record<string, () => unknown>)[method]();
      }
    }
  };
  return { k, apply };
}

const config = fc.record({
  preempt: fc.constantFrom(...PREEMPT_MODELS),
  proveRawLockNesting: fc.boolean(),
  debugAtomicSleep: fc.boolean(),
  policy: fc.constantFrom('collect' as const, 'first' as const, 'throw' as const),
});

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
