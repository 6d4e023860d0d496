/**
 * One modelled system: a Kernel plus the environment, the page allocator, RCU and
 * kvfree_rcu wired together for a strategy. This is what scenarios, trace ops and tests
 * build.
 */
import { createKernel, type Kernel } from '../kernel';
import type { KernelOptions } from '../core/config';
import { UsageError } from '../core/errors';
import { ModelEnv } from './env';
import { PageAllocator, type PageAllocatorOptions } from './mm/pageAlloc';
import { KvfreeRcu, type KvfreeOptions } from './rcu/kvfree';
import { Rcu } from './rcu/rcu';
import { getStrategy, type KvfreeStrategy, type KvfreeStrategyName } from './strategies';

export interface ModelSystemOptions {
  /** kvfree_rcu strategy (default `mainline`) */
  readonly strategy?: KvfreeStrategyName | undefined;
  /** page allocator knobs; `version` defaults to the strategy's */
  readonly allocator?: PageAllocatorOptions | undefined;
  readonly kvfree?: KvfreeOptions | undefined;
}

export interface ModelSystem {
  readonly kernel: Kernel;
  readonly env: ModelEnv;
  readonly mm: PageAllocator;
  readonly rcu: Rcu;
  readonly kvfree: KvfreeRcu;
  readonly strategy: KvfreeStrategy;
  /** run timers, softirqs, kswapd and work items due now; returns how many ran */
  runWorkers(): number;
  /** move time forward, running what falls due */
  advance(ms: number): number;
  /** complete grace periods and run what they release */
  gracePeriod(n?: number): void;
  /**
   * Let the system quiesce: alternately run everything due, advance to the next timer and
   * complete grace periods until nothing is pending (bounded).
   */
  settle(maxSteps?: number): void;
}

/** Build the models on an existing kernel (e.g. one a trace replay created). */
export function attachModels(kernel: Kernel, o: ModelSystemOptions = {}): ModelSystem {
  const strategy = getStrategy(o.strategy ?? 'mainline');
  const env = new ModelEnv(kernel);
  const mm = new PageAllocator(kernel, env, {
    ...o.allocator,
    version: o.allocator?.version ?? strategy.allocatorVersion,
    rawZoneLock: strategy.rawZoneLock,
  });
  const rcu = new Rcu(kernel, env);
  const kvfree = new KvfreeRcu(kernel, env, rcu, mm, strategy, o.kvfree);
  kvfree.init();
  const sys: ModelSystem = {
    kernel,
    env,
    mm,
    rcu,
    kvfree,
    strategy,
    runWorkers: () => env.runPending(),
    advance: (ms) => env.advance(ms),
    gracePeriod: (n = 1) => rcu.gracePeriod(n),
    settle: (maxSteps = 1000) => {
      if (!Number.isInteger(maxSteps) || maxSteps < 1)
        throw new UsageError(
          `settle(maxSteps): expected a positive integer, got ${String(maxSteps)}`,
        );
      for (let i = 0; i < maxSteps; i++) {
        env.runPending();
        if (rcu.waiting > 0) {
          rcu.gracePeriod(1);
          continue;
        }
        const next = env.nextEvent();
        if (next === null) {
          if (env.pendingCount() === 0) return;
          return; // left for a busy CPU
        }
        env.advance(Math.max(0, next - env.now));
      }
    },
  };
  return sys;
}

/** createKernel(kernelOptions) + attachModels(). */
export function createModelSystem(
  kernelOptions: KernelOptions = {},
  o: ModelSystemOptions = {},
): ModelSystem {
  return attachModels(createKernel(kernelOptions), o);
}
