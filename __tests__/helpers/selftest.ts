/**
 * Runs the step lists of `fixtures/selftest-waitctx.json` (lib/locking-selftest.c's
 * wait-context matrix, local_lock tests and derived cases) on a Kernel, the way the
 * selftest harness runs them: HARDIRQ_ENTER() is a threaded handler that stays in
 * hard interrupt context, SOFTIRQ_ENTER() is local_bh_disable + local_irq_disable +
 * lockdep_softirq_enter, and read_lock() is a recursive reader (force_read_lock_recursive).
 */
import { createKernel, type Kernel, type KernelOptions } from '../../src';
import type {
  Rwlock,
  Spinlock,
  RawSpinlock,
  Mutex,
  LocalLock,
  Srcu,
  PercpuRwSemaphore,
  WaitOverrideMap,
} from '../../src';
import data from '../fixtures/selftest-waitctx.json';

export type ConfigName = 'prove_raw_nesting' | 'no_prove_raw_nesting' | 'preempt_rt';
export type Expect = 'ok' | 'invalid_wait_context' | 'hardirq_safe_unsafe_order';

export interface Step {
  op: string;
  ctx?: string;
  lock?: string;
  instance?: string;
  wait_type?: string;
}

export interface SelftestCase {
  name: string;
  group: string;
  steps: Step[];
  expect: Record<ConfigName, Expect>;
  selftest_row?: string;
  selftest_column?: string;
  splat?: Partial<
    Record<
      ConfigName,
      { class_wait_suffix: string; context_line: string; held_locks: number; offending_map: string }
    >
  >;
}

export const CASES = data as unknown as SelftestCase[];

export const CONFIGS: Record<ConfigName, KernelOptions> = {
  prove_raw_nesting: { preempt: 'full', proveRawLockNesting: true },
  no_prove_raw_nesting: { preempt: 'full', proveRawLockNesting: false },
  preempt_rt: { preempt: 'rt', proveRawLockNesting: true },
};

type AnyLock =
  Rwlock | Spinlock | RawSpinlock | Mutex | LocalLock | Srcu | PercpuRwSemaphore | WaitOverrideMap;

/** Default instance names when a step names none (the selftest's raw_lock_B, lock_B, mutex_B). */
function instanceOf(s: Step): string {
  return s.instance ?? `${s.lock}`;
}

export interface RunOptions {
  /** model the boot-time harness: system_state == SYSTEM_BOOTING and preemption disabled */
  harness?: boolean;
}

export function runSteps(
  steps: Step[],
  options: KernelOptions,
  run: RunOptions = { harness: true },
): Kernel {
  const k = createKernel({
    ...options,
    booting: run.harness ?? true,
    policy: options.policy ?? 'first',
  });
  if (run.harness ?? true) k.preemptDisable(); // start_kernel() runs with preemption disabled
  const locks = new Map<string, AnyLock>();
  const get = <T extends AnyLock>(s: Step, make: (name: string) => T): T => {
    const name = instanceOf(s);
    let l = locks.get(name);
    if (!l) {
      l = make(name);
      locks.set(name, l);
    }
    return l as T;
  };
  for (const s of steps) {
    switch (s.op) {
      case 'enter':
        if (s.ctx === 'hardirq_threaded') k.irqEnter({ threaded: true, forceThreaded: false });
        else if (s.ctx === 'hardirq') k.irqEnter({ threaded: false });
        else if (s.ctx === 'softirq') {
          k.softirqEnter();
          k.localIrqDisable();
        } else throw new Error(`unknown ctx ${s.ctx}`);
        break;
      case 'exit':
        if (s.ctx === 'softirq') {
          k.localIrqEnable();
          k.softirqExit();
        } else k.irqExit();
        break;
      case 'irq_disable':
        k.localIrqDisable();
        break;
      case 'irq_enable':
        k.localIrqEnable();
        break;
      case 'preempt_disable':
        k.preemptDisable();
        break;
      case 'preempt_enable':
        k.preemptEnable();
        break;
      case 'bh_disable':
        k.localBhDisable();
        break;
      case 'bh_enable':
        k.localBhEnable();
        break;
      case 'acquire':
      case 'trylock':
      case 'release': {
        const acq = s.op !== 'release';
        const tr = s.op === 'trylock';
        switch (s.lock) {
          case 'rcu_read_lock':
            if (acq) k.rcuReadLock();
            else k.rcuReadUnlock();
            break;
          case 'rcu_read_lock_bh':
            if (acq) k.rcuReadLockBh();
            else k.rcuReadUnlockBh();
            break;
          case 'rcu_read_lock_sched':
            if (acq) k.rcuReadLockSched();
            else k.rcuReadUnlockSched();
            break;
          case 'raw_spinlock': {
            const l = get(s, (n) => k.rawSpinlock(n));
            if (!acq) l.unlock();
            else if (tr) l.trylock();
            else l.lock();
            break;
          }
          case 'spinlock': {
            const l = get(s, (n) => k.spinlock(n));
            if (!acq) l.unlock();
            else if (tr) l.trylock();
            else l.lock();
            break;
          }
          case 'read_lock':
          case 'write_lock': {
            const l = get(s, (n) => k.rwlock(n, { queued: false }));
            const read = s.lock === 'read_lock';
            if (!acq) {
              if (read) l.readUnlock();
              else l.writeUnlock();
            } else if (tr) {
              if (read) l.readTrylock();
              else l.writeTrylock();
            } else if (read) l.readLock();
            else l.writeLock();
            break;
          }
          case 'local_lock': {
            const l = get(s, (n) => k.localLock(n));
            if (!acq) l.unlock();
            else if (tr) l.trylock();
            else l.lock();
            break;
          }
          case 'mutex': {
            const l = get(s, (n) => k.mutex(n));
            if (!acq) l.unlock();
            else if (tr) l.trylock();
            else l.lock();
            break;
          }
          case 'srcu_read_lock': {
            const l = get(s, (n) => k.srcu(n));
            if (acq) l.readLock();
            else l.readUnlock();
            break;
          }
          case 'percpu_rw_semaphore_down_read': {
            const l = get(s, (n) => k.percpuRwsem(n));
            if (acq) l.downRead();
            else l.upRead();
            break;
          }
          case 'wait_override': {
            const l = get(s, (n) =>
              k.waitOverrideMap(n, (s.wait_type ?? 'SLEEP').toLowerCase() as 'sleep'),
            );
            if (acq) l.enter();
            else l.exit();
            break;
          }
          default:
            throw new Error(`unknown lock kind ${s.lock}`);
        }
        break;
      }
      default:
        throw new Error(`unknown op ${s.op}`);
    }
  }
  return k;
}
