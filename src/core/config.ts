/**
 * Kernel configuration: validated and frozen once when a Kernel is built. Everything
 * that depends on it (wait-type numbering, which primitives sleep) is derived here so
 * the acquire path never branches on raw options.
 */
import { ConfigError } from './errors';
import { LD_WAIT, resolveWait } from './waitType';

export type PreemptModel = 'none' | 'voluntary' | 'full' | 'rt';
export const PREEMPT_MODELS: readonly PreemptModel[] = ['none', 'voluntary', 'full', 'rt'];

/** What happens after a violation. */
export type ViolationPolicy = 'collect' | 'first' | 'throw';
export const POLICIES: readonly ViolationPolicy[] = ['collect', 'first', 'throw'];

/** Capacity limits, with the kernel's defaults. */
export interface LockdepLimits {
  /** MAX_LOCK_DEPTH (include/linux/sched.h): held_locks[] per task */
  readonly maxLockDepth: number;
  /** MAX_LOCKDEP_KEYS: lock classes */
  readonly maxClasses: number;
  /** MAX_LOCKDEP_ENTRIES: dependency list entries (each dependency uses two) */
  readonly maxEntries: number;
  /** MAX_LOCKDEP_CHAINS: cached held-lock chains */
  readonly maxChains: number;
  /** MAX_LOCKDEP_CHAIN_HLOCKS: class slots over all cached chains */
  readonly maxChainHlocks: number;
  /** 1 << CONFIG_LOCKDEP_CIRCULAR_QUEUE_BITS: the BFS queue */
  readonly bfsQueue: number;
}

export const DEFAULT_LIMITS: LockdepLimits = Object.freeze({
  maxLockDepth: 48,
  maxClasses: 8192,
  maxEntries: 32768,
  maxChains: 65536,
  maxChainHlocks: 65536 * 5,
  bfsQueue: 4096,
});

/** Options accepted by createKernel(); every field is optional. */
export interface KernelOptions {
  /** preemption model; `rt` is CONFIG_PREEMPT_RT. Default `full`. */
  readonly preempt?: PreemptModel | undefined;
  /** CONFIG_PROVE_RAW_LOCK_NESTING. Default true (the kernel's default since v6.13). */
  readonly proveRawLockNesting?: boolean | undefined;
  /** CONFIG_DEBUG_ATOMIC_SLEEP: might_sleep() reports. Default true. */
  readonly debugAtomicSleep?: boolean | undefined;
  /** violation policy. Default `collect`. */
  readonly policy?: ViolationPolicy | undefined;
  /** number of CPUs. Default 2. */
  readonly cpus?: number | undefined;
  /**
   * force_irqthreads(): the body of a handler marked threaded runs in its irq thread
   * through irq_forced_thread_fn() (task context, BH disabled, interrupts off on !RT), not
   * in hard interrupt context. Default: true on `rt` (forced there), false otherwise (the
   * `threadirqs` boot option).
   */
  readonly threadirqs?: boolean | undefined;
  /** system_state == SYSTEM_BOOTING: __might_resched() stays silent, as during locking_selftest(). */
  readonly booting?: boolean | undefined;
  /** capacity limits; unspecified ones take the kernel's defaults */
  readonly limits?: Partial<LockdepLimits> | undefined;
  /** what print_kernel_ident() prints: release and version. Default `6.12.0` and `#1`. */
  readonly release?: string | undefined;
  readonly version?: string | undefined;
}

/** The resolved configuration: every field present, frozen. */
export interface KernelConfig {
  readonly preempt: PreemptModel;
  readonly proveRawLockNesting: boolean;
  readonly debugAtomicSleep: boolean;
  readonly policy: ViolationPolicy;
  readonly cpus: number;
  readonly threadirqs: boolean;
  readonly booting: boolean;
  readonly limits: LockdepLimits;
  readonly release: string;
  readonly version: string;
}

/** Facts derived from the configuration, computed once. */
export interface Derived {
  readonly rt: boolean;
  /** CONFIG_PREEMPT_RCU: rcu_read_lock() counts nesting instead of disabling preemption */
  readonly preemptRcu: boolean;
  /** CONFIG_PREEMPTION: preemptible() can be true */
  readonly preemption: boolean;
  /** resolved numbers of the wait levels the checks compare against */
  readonly waitSpin: number;
  readonly waitConfig: number;
  readonly waitSleep: number;
  readonly waitMax: number;
}

const KNOWN: readonly string[] = [
  'preempt',
  'proveRawLockNesting',
  'debugAtomicSleep',
  'policy',
  'cpus',
  'threadirqs',
  'booting',
  'limits',
  'release',
  'version',
];
const LIMIT_RANGES: Readonly<Record<keyof LockdepLimits, readonly [number, number]>> = {
  maxLockDepth: [1, 1024],
  maxClasses: [1, 1 << 20],
  maxEntries: [2, 1 << 24],
  maxChains: [1, 1 << 21],
  maxChainHlocks: [1, (1 << 21) * 5],
  bfsQueue: [2, 1 << 20],
};

function bool(opts: Record<string, unknown>, key: string, dflt: boolean): boolean {
  const v = opts[key];
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw new ConfigError(key, `expected a boolean, got ${describe(v)}`);
  return v;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'object':
      return 'an object';
    case 'function':
      return 'a function';
    case 'symbol':
      return v.toString();
    case 'number':
    case 'bigint':
    case 'boolean':
      return String(v);
    default:
      return 'undefined';
  }
}

function oneOf<T extends string>(
  opts: Record<string, unknown>,
  key: string,
  allowed: readonly T[],
  dflt: T,
): T {
  const v = opts[key];
  if (v === undefined) return dflt;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new ConfigError(
      key,
      `expected one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, got ${describe(v)}`,
    );
  }
  return v as T;
}

function int(v: unknown, key: string, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v))
    throw new ConfigError(key, `expected an integer, got ${describe(v)}`);
  if (v < lo || v > hi) throw new ConfigError(key, `${v} is out of range [${lo}, ${hi}]`);
  return v;
}

/** Validate options and return the frozen configuration. Throws ConfigError. */
export function resolveConfig(options: KernelOptions | undefined): KernelConfig {
  const opts = (options ?? {}) as Record<string, unknown>;
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) {
    throw new ConfigError('(options)', `expected an object, got ${describe(opts)}`);
  }
  for (const k of Object.keys(opts)) {
    if (!KNOWN.includes(k)) throw new ConfigError(k, `unknown option (known: ${KNOWN.join(', ')})`);
  }
  const preempt = oneOf(opts, 'preempt', PREEMPT_MODELS, 'full');
  const rt = preempt === 'rt';
  const threadirqs = bool(opts, 'threadirqs', rt);
  if (rt && !threadirqs) {
    // PREEMPT_RT forces interrupt threading (force_irqthreads() is a constant true there).
    throw new ConfigError(
      'threadirqs',
      'PREEMPT_RT forces threaded interrupts; threadirqs: false contradicts preempt: "rt"',
    );
  }
  const rawLimits = opts.limits === undefined ? {} : opts.limits;
  if (typeof rawLimits !== 'object' || rawLimits === null || Array.isArray(rawLimits)) {
    throw new ConfigError('limits', `expected an object, got ${describe(rawLimits)}`);
  }
  const limits: Record<string, number> = { ...DEFAULT_LIMITS };
  for (const [k, v] of Object.entries(rawLimits as Record<string, unknown>)) {
    const range = (LIMIT_RANGES as Record<string, readonly [number, number] | undefined>)[k];
    if (!range)
      throw new ConfigError(
        `limits.${k}`,
        `unknown limit (known: ${Object.keys(LIMIT_RANGES).join(', ')})`,
      );
    limits[k] = int(v, `limits.${k}`, range[0], range[1]);
  }
  if (limits.maxChainHlocks < limits.maxChains) {
    // MAX_LOCKDEP_CHAIN_HLOCKS is MAX_LOCKDEP_CHAINS * AVG_LOCKDEP_CHAIN_DEPTH: every cached chain needs a slot.
    throw new ConfigError(
      'limits.maxChainHlocks',
      `${limits.maxChainHlocks} is below limits.maxChains (${limits.maxChains}): every cached chain needs at least one class slot`,
    );
  }
  const str = (key: string, dflt: string): string => {
    const v = opts[key];
    if (v === undefined) return dflt;
    if (typeof v !== 'string' || v.length === 0 || /\s/.test(v))
      throw new ConfigError(key, `expected a non-empty word, got ${describe(v)}`);
    return v;
  };
  return Object.freeze({
    preempt,
    proveRawLockNesting: bool(opts, 'proveRawLockNesting', true),
    debugAtomicSleep: bool(opts, 'debugAtomicSleep', true),
    policy: oneOf(opts, 'policy', POLICIES, 'collect'),
    cpus: opts.cpus === undefined ? 2 : int(opts.cpus, 'cpus', 1, 8192),
    threadirqs,
    booting: bool(opts, 'booting', false),
    limits: Object.freeze(limits as unknown as LockdepLimits),
    release: str('release', '6.12.0'),
    version: str('version', '#1'),
  });
}

export function deriveConfig(c: KernelConfig): Derived {
  const p = c.proveRawLockNesting;
  return Object.freeze({
    rt: c.preempt === 'rt',
    preemptRcu: c.preempt === 'full' || c.preempt === 'rt',
    preemption: c.preempt === 'full' || c.preempt === 'rt',
    waitSpin: resolveWait(LD_WAIT.SPIN, p),
    waitConfig: resolveWait(LD_WAIT.CONFIG, p),
    waitSleep: resolveWait(LD_WAIT.SLEEP, p),
    waitMax: resolveWait(LD_WAIT.MAX, p),
  });
}
