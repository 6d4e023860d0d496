/**
 * Random programs of public calls: one op name per public operation on a fixed set of
 * locks and contexts, and a builder that applies them to a fresh kernel. Shared by the
 * property tests and the fast-path differential test.
 */
import fc from 'fast-check';
import { createKernel, PREEMPT_MODELS, type KernelOptions } from '../../src';

export const OPS = [
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
export type Op = (typeof OPS)[number];

export function build(options: KernelOptions) {
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

export const config = fc.record({
  preempt: fc.constantFrom(...PREEMPT_MODELS),
  proveRawLockNesting: fc.boolean(),
  debugAtomicSleep: fc.boolean(),
  policy: fc.constantFrom('collect' as const, 'first' as const, 'throw' as const),
});
