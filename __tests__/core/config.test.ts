import { ConfigError, createKernel, resolveConfig, type KernelOptions } from '../../src';

describe('kernel configuration', () => {
  it('resolves defaults once and freezes them', () => {
    const c = resolveConfig(undefined);
    expect(c).toMatchObject({
      preempt: 'full',
      proveRawLockNesting: true,
      debugAtomicSleep: true,
      policy: 'collect',
      cpus: 2,
      threadirqs: false,
    });
    expect(c.limits.maxLockDepth).toBe(48);
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.limits)).toBe(true);
    expect(resolveConfig({ preempt: 'rt' }).threadirqs).toBe(true);
  });

  it.each<[string, unknown, RegExp]>([
    ['unknown option', { preemt: 'rt' }, /preemt: unknown option/],
    [
      'bad preemption model',
      { preempt: 'lazy' },
      /preempt: expected one of "none", "voluntary", "full", "rt", got "lazy"/,
    ],
    [
      'non-boolean flag',
      { proveRawLockNesting: 'yes' },
      /proveRawLockNesting: expected a boolean, got "yes"/,
    ],
    ['bad policy', { policy: 'stop' }, /policy: expected one of "collect", "first", "throw"/],
    ['zero CPUs', { cpus: 0 }, /cpus: 0 is out of range \[1, 8192\]/],
    ['fractional CPUs', { cpus: 1.5 }, /cpus: expected an integer, got 1.5/],
    ['unknown limit', { limits: { maxDepth: 3 } }, /limits.maxDepth: unknown limit/],
    [
      'limit out of range',
      { limits: { maxLockDepth: 0 } },
      /limits.maxLockDepth: 0 is out of range/,
    ],
    // PREEMPT_RT forces interrupt threading: force_irqthreads() is constant true there.
    // MAX_LOCKDEP_CHAIN_HLOCKS = MAX_LOCKDEP_CHAINS * AVG_LOCKDEP_CHAIN_DEPTH: a chain needs a slot
    [
      'fewer chain slots than chains',
      { limits: { maxChains: 100, maxChainHlocks: 50 } },
      /limits.maxChainHlocks: 50 is below limits.maxChains \(100\)/,
    ],
    [
      'RT without forced threading',
      { preempt: 'rt', threadirqs: false },
      /contradicts preempt: "rt"/,
    ],
    ['release with a space', { release: '6.12 rc1' }, /release: expected a non-empty word/],
  ])('rejects %s', (_name, options, message) => {
    expect(() => createKernel(options as KernelOptions)).toThrow(ConfigError);
    expect(() => createKernel(options as KernelOptions)).toThrow(message);
  });
});
