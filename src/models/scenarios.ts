/**
 * The scenario matrix of kvfree-rcu-model.md §6: strategies × configs × caller contexts ×
 * allocator states. Each cell boots a fresh modelled kernel, puts the allocator and the
 * kvfree page cache in the state, enters the caller's context, makes one kfree_rcu()
 * (or head-less kvfree_rcu()) call and reads where the object went and what the
 * validator reported on the way. Nothing here predicts an outcome; it only observes.
 *
 * Also: a counter workload (many calls with the system running in between) that shows
 * bulk vs list use, allocator calls, grace periods and the cache-miss model per strategy.
 */
import type { KernelOptions } from '../core/config';
import { UsageError } from '../core/errors';
import type { Violation } from '../report/violation';
import type { PageAllocatorStats } from './mm/pageAlloc';
import type { Placement, KvfreeCounters } from './rcu/kvfree';
import { STRATEGY_NAMES, getStrategy, type KvfreeStrategyName } from './strategies';
import { createModelSystem, type ModelSystem } from './system';

/**
 * Where the caller runs. `hardirq`: an IRQF_NO_THREAD handler (timers, IPIs), hard
 * interrupt context on every config. `threaded-irq`: a threadable device handler, hard
 * interrupt context marked lockdep_hardirq_threaded() without forced threading, its irq
 * thread (irq_forced_thread_fn(): task context, BH disabled) on PREEMPT_RT. `nmi`: an
 * NMI after ordinary use (lockdep has seen krc.lock from task context first).
 */
export type CallerContext =
  'task' | 'preempt-off' | 'raw' | 'hardirq' | 'threaded-irq' | 'softirq' | 'nmi' | 'zone-lock';
export const CALLER_CONTEXTS: readonly CallerContext[] = [
  'task',
  'preempt-off',
  'raw',
  'hardirq',
  'threaded-irq',
  'softirq',
  'nmi',
  'zone-lock',
];

export type AllocatorState = 'cache' | 'pcp' | 'pcp-empty' | 'low' | 'oom' | 'contended';
export const ALLOCATOR_STATES: readonly AllocatorState[] = [
  'cache',
  'pcp',
  'pcp-empty',
  'low',
  'oom',
  'contended',
];

export type ScenarioCall = 'kfree_rcu' | 'kvfree_rcu_headless';

export interface MatrixConfig {
  readonly name: string;
  readonly options: KernelOptions;
}

/** The configs of §6: PREEMPT_NONE/VOLUNTARY/PREEMPT with PRLN off and on, and PREEMPT_RT. */
export const MATRIX_CONFIGS: readonly MatrixConfig[] = [
  { name: 'none', options: { preempt: 'none', proveRawLockNesting: false } },
  { name: 'none+prln', options: { preempt: 'none', proveRawLockNesting: true } },
  { name: 'vol+prln', options: { preempt: 'voluntary', proveRawLockNesting: true } },
  { name: 'full', options: { preempt: 'full', proveRawLockNesting: false } },
  { name: 'full+prln', options: { preempt: 'full', proveRawLockNesting: true } },
  { name: 'rt', options: { preempt: 'rt', proveRawLockNesting: true } },
];

export function getMatrixConfig(name: string): MatrixConfig {
  const c = MATRIX_CONFIGS.find((x) => x.name === name);
  if (!c)
    throw new UsageError(
      `unknown matrix config ${JSON.stringify(name)} (known: ${MATRIX_CONFIGS.map((x) => x.name).join(', ')})`,
    );
  return c;
}

/** A splat as the matrix names it. */
export type SplatTag = string;

export interface CellResult {
  readonly strategy: KvfreeStrategyName;
  readonly config: string;
  readonly caller: CallerContext;
  readonly state: AllocatorState;
  readonly call: ScenarioCall;
  readonly placement: Placement;
  /** IWC(lock), SFCIC, SWA, DEADLOCK(lock), ... in report order */
  readonly splats: readonly SplatTag[];
  /** e.g. `BULK`, `LIST`, `IWC(&zone->lock) BULK` */
  readonly outcome: string;
  readonly violations: readonly Violation[];
  readonly allocatorCalls: number;
  /** page allocator counters during the call */
  readonly mm: PageAllocatorStats;
}

export interface CellOptions {
  readonly strategy: KvfreeStrategyName;
  readonly config: MatrixConfig | string;
  readonly caller: CallerContext;
  readonly state: AllocatorState;
  readonly call?: ScenarioCall | undefined;
  /** extra allocator knobs (pageOwner, debugPagealloc) */
  readonly pageOwner?: boolean | undefined;
  readonly debugPagealloc?: boolean | undefined;
}

/** Map a violation to its matrix tag. */
export function splatTag(v: Violation): SplatTag {
  switch (v.kind) {
    case 'invalid-wait-context':
      return `IWC(${v.lock.name})`;
    case 'sleeping-in-atomic':
      return 'SFCIC';
    case 'scheduling-while-atomic':
      return 'SWA';
    case 'debug-locks-warning':
      return 'DLW';
    case 'recursive-locking':
      return `DEADLOCK(${v.lock.name})`;
    case 'circular-dependency':
      return 'DEADLOCK(circular)';
    case 'inconsistent-lock-state':
      return `ILS(${v.lock.name})`;
    case 'suspicious-rcu-usage':
      return 'RCU';
    default:
      return v.kind;
  }
}

/** Put the allocator and the kvfree page cache of CPU 0 in `state`. */
export function applyAllocatorState(sys: ModelSystem, state: AllocatorState): void {
  const { mm, kvfree } = sys;
  if (state === 'cache') {
    kvfree.fillCache(1, 0);
    return;
  }
  kvfree.emptyCache();
  switch (state) {
    case 'pcp':
      mm.setPcpCount(mm.batch);
      return;
    case 'pcp-empty':
      mm.emptyPcp();
      return;
    case 'low':
      mm.emptyPcp();
      mm.setBelowWatermark('min');
      return;
    case 'oom':
      mm.emptyPcp();
      mm.setBelowWatermark('atomic');
      mm.setReclaimable(0);
      return;
    case 'contended':
      mm.emptyPcp();
      mm.contendZoneLock(1);
      return;
    default:
      throw new UsageError(
        `unknown allocator state ${JSON.stringify(state)} (known: ${ALLOCATOR_STATES.join(', ')})`,
      );
  }
}

/** Run `fn` in the caller context (on the current task). */
export function inCallerContext<T>(sys: ModelSystem, caller: CallerContext, fn: () => T): T {
  const k = sys.kernel;
  switch (caller) {
    case 'task':
      return fn();
    case 'preempt-off': {
      k.preemptDisable();
      try {
        return fn();
      } finally {
        k.preemptEnable();
      }
    }
    case 'raw': {
      const l = k.rawSpinlock('caller_raw_lock');
      const flags = l.lockIrqsave({ at: 'caller' });
      try {
        return fn();
      } finally {
        l.unlockIrqrestore(flags, { at: 'caller' });
      }
    }
    case 'hardirq':
      return k.hardirq(fn, { threaded: false });
    case 'threaded-irq':
      return k.hardirq(fn, { threaded: true, irq: 24, name: 'dev' });
    case 'softirq':
      return k.softirq(fn);
    case 'nmi':
      return k.nmi(fn);
    case 'zone-lock': {
      const flags = sys.mm.zoneLock.lockIrqsave({ at: 'caller' });
      try {
        return fn();
      } finally {
        sys.mm.zoneLock.unlockIrqrestore(flags, { at: 'caller' });
      }
    }
    default:
      throw new UsageError(
        `unknown caller context ${JSON.stringify(caller)} (known: ${CALLER_CONTEXTS.join(', ')})`,
      );
  }
}

/** One cell of the matrix. */
export function runScenarioCell(o: CellOptions): CellResult {
  const config = typeof o.config === 'string' ? getMatrixConfig(o.config) : o.config;
  const call = o.call ?? 'kfree_rcu';
  const sys = createModelSystem(
    { ...config.options, policy: 'collect', cpus: 2 },
    {
      strategy: o.strategy,
      allocator: { pageOwner: o.pageOwner, debugPagealloc: o.debugPagealloc },
    },
  );
  const k = sys.kernel;
  k.switchTo('caller', 0);
  if (o.caller === 'nmi') warmUp(sys);
  applyAllocatorState(sys, o.state);
  const before = k.violations.length;
  const allocBefore = sys.kvfree.counters.allocatorCalls;
  const mmBefore = { ...sys.mm.stats };
  const placement = inCallerContext(sys, o.caller, () =>
    call === 'kfree_rcu' ? sys.kvfree.kfreeRcu() : sys.kvfree.kvfreeRcuHeadless(),
  );
  const violations = k.violations.slice(before);
  const splats = violations.map(splatTag);
  const outcome = [
    ...splats,
    placement === 'inline-gp' ? 'INLINE-GP' : placement.toUpperCase(),
  ].join(' ');
  return {
    strategy: o.strategy,
    config: config.name,
    caller: o.caller,
    state: o.state,
    call,
    placement,
    splats,
    outcome,
    violations,
    allocatorCalls: sys.kvfree.counters.allocatorCalls - allocBefore,
    mm: diffStats(sys.mm.stats, mmBefore),
  };
}

/**
 * A running kernel's NMI comes after ordinary use: one kfree_rcu() from task context, its
 * batch flushed through a grace period. Lockdep has then seen krc.lock, so the NMI's
 * acquisition is verify_lock_unused()'s "inconsistent {INITIAL USE} -> {IN-NMI} usage".
 */
function warmUp(sys: ModelSystem): void {
  sys.kvfree.kfreeRcu();
  sys.settle();
  sys.kernel.switchTo('caller', 0);
}

function diffStats(now: PageAllocatorStats, before: PageAllocatorStats): PageAllocatorStats {
  const out = { ...now };
  for (const k of Object.keys(out) as Array<keyof PageAllocatorStats>) out[k] = now[k] - before[k];
  return out;
}

export interface MatrixOptions {
  readonly strategies?: readonly KvfreeStrategyName[] | undefined;
  readonly configs?: readonly string[] | undefined;
  readonly callers?: readonly CallerContext[] | undefined;
  readonly states?: readonly AllocatorState[] | undefined;
  readonly calls?: readonly ScenarioCall[] | undefined;
}

export interface ScenarioMatrix {
  readonly strategies: readonly KvfreeStrategyName[];
  readonly configs: readonly string[];
  readonly callers: readonly CallerContext[];
  readonly states: readonly AllocatorState[];
  readonly calls: readonly ScenarioCall[];
  readonly cells: readonly CellResult[];
}

/** Run every cell of the matrix (defaults: everything, two-argument kfree_rcu). */
export function runScenarioMatrix(o: MatrixOptions = {}): ScenarioMatrix {
  const strategies = o.strategies ?? STRATEGY_NAMES;
  for (const s of strategies) getStrategy(s);
  const configs = (o.configs ?? MATRIX_CONFIGS.map((c) => c.name)).map(getMatrixConfig);
  const callers = o.callers ?? CALLER_CONTEXTS;
  const states = o.states ?? ALLOCATOR_STATES;
  const calls = o.calls ?? ['kfree_rcu'];
  const cells: CellResult[] = [];
  for (const call of calls)
    for (const strategy of strategies)
      for (const config of configs)
        for (const caller of callers)
          for (const state of states)
            cells.push(runScenarioCell({ strategy, config, caller, state, call }));
  return { strategies, configs: configs.map((c) => c.name), callers, states, calls, cells };
}

/** The caller columns a reader could misread, as the table's legend names them. */
const CALLER_LEGEND: Partial<Record<CallerContext, string>> = {
  hardirq: 'hardirq: an IRQF_NO_THREAD handler, hard irq everywhere',
  'threaded-irq':
    'threaded-irq: a threadable handler, hard irq marked lockdep_hardirq_threaded() on !RT, irq/24-dev thread on rt',
  nmi: 'nmi: after ordinary use of krc.lock',
};

/** Abbreviate a cell outcome for the table: `IWC(&zone->lock)` -> `IWC:zone`. */
function short(outcome: string): string {
  return outcome
    .replace(/IWC\(&zone->lock\)/g, 'IWC:zone')
    .replace(/IWC\(&pgdat->kswapd_wait\)/g, 'IWC:kswapd_wait')
    .replace(/IWC\(([^)]*)\)/g, 'IWC:$1')
    .replace(/DEADLOCK\(&zone->lock\)/g, 'DEADLOCK:zone')
    .replace(/ILS\(([^)]*)\)/g, 'ILS:$1')
    .replace(/\b(SFCIC|SWA)(?: \1)+/g, '$1');
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

/** The matrix as a text table: one row per strategy × config × caller, one column per state. */
export function formatScenarioMatrix(m: ScenarioMatrix): string {
  const out: string[] = [];
  for (const call of m.calls) {
    const cells = m.cells.filter((c) => c.call === call);
    const rows: string[][] = [];
    for (const s of m.strategies)
      for (const cfg of m.configs)
        for (const caller of m.callers) {
          const row = [s, cfg, caller];
          for (const st of m.states) {
            const c = cells.find(
              (x) => x.strategy === s && x.config === cfg && x.caller === caller && x.state === st,
            );
            row.push(c ? short(c.outcome) : '');
          }
          rows.push(row);
        }
    const header = ['strategy', 'config', 'caller', ...m.states];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    out.push(
      `${call === 'kfree_rcu' ? 'kfree_rcu(ptr, rhf)' : 'kvfree_rcu(ptr) head-less'}: outcome per allocator state`,
    );
    out.push(
      header
        .map((h, i) => pad(h, widths[i]))
        .join(' | ')
        .trimEnd(),
    );
    out.push(widths.map((w) => '-'.repeat(w)).join('-|-'));
    let prev = '';
    for (const r of rows) {
      if (prev && r[0] !== prev) out.push('');
      prev = r[0];
      out.push(
        r
          .map((x, i) => pad(x, widths[i]))
          .join(' | ')
          .trimEnd(),
      );
    }
    out.push('');
  }
  out.push(
    'BULK: stored in a bulk block; LIST: rcu_head fallback; INLINE-GP: synchronize_rcu()+kvfree() in the caller;',
  );
  out.push(
    'IWC:<lock>: [ BUG: Invalid wait context ]; SFCIC: sleeping function called from invalid context;',
  );
  out.push('SWA: scheduling while atomic; DEADLOCK:<lock>: possible recursive locking detected;');
  out.push(
    'DLW: DEBUG_LOCKS_WARN_ON() (after SWA: preempt_count_sub() finds the count schedule() reset);',
  );
  out.push(
    'ILS:<lock>: inconsistent lock state; RCU: suspicious RCU usage; other reports by their kind.',
  );
  const legend = m.callers.flatMap((c) => (CALLER_LEGEND[c] ? [CALLER_LEGEND[c]] : []));
  if (legend.length) out.push(`${legend.join('; ')}.`);
  return out.join('\n');
}

// ---------------------------------------------------------------------------------
// Counter workload

export interface WorkloadOptions {
  readonly strategy: KvfreeStrategyName;
  readonly config?: MatrixConfig | string | undefined;
  /** objects to free (default 10000) */
  readonly objects?: number | undefined;
  readonly call?: ScenarioCall | undefined;
  readonly caller?: CallerContext | undefined;
  /** calls between two runs of the rest of the system (default 64) */
  readonly burst?: number | undefined;
  /** ms of time per burst (default 1) */
  readonly msPerBurst?: number | undefined;
  /** a grace period completes every this many ms (default 10, cf. the 9-18 ms of §4) */
  readonly gpEveryMs?: number | undefined;
  /** run the kvfree shrinker (scan_objects) every this many ms (default: never) */
  readonly shrinkEveryMs?: number | undefined;
  readonly kvfree?: { readonly minCachedObjs?: number; readonly bulkCapacity?: number } | undefined;
}

export interface WorkloadResult {
  readonly strategy: KvfreeStrategyName;
  readonly config: string;
  readonly counters: KvfreeCounters;
  readonly pagesCached: number;
  readonly violations: number;
  /** measured cache misses per object freed through each channel (null: channel unused) */
  readonly missesPerObject: { readonly bulk: number | null; readonly list: number | null };
  /**
   * list:bulk: cache misses per object freed through the rcu_head list divided by misses
   * per object freed from bulk blocks. A channel the run did not use counts at the
   * model's value (one miss per list object; a full block's lines / capacity per bulk
   * object), so the ratio is always defined; `missRatioBasis` says which were measured.
   */
  readonly missRatio: number;
  readonly missRatioBasis: 'measured' | 'bulk modelled' | 'list modelled' | 'both modelled';
  /** the pacing the run used */
  readonly pacing: {
    readonly callsPerMs: number;
    readonly gpEveryMs: number;
    readonly shrinkEveryMs: number | null;
  };
}

/** Free `objects` objects with the system (timers, workers, grace periods) running in between. */
export function runWorkload(o: WorkloadOptions): WorkloadResult {
  const config =
    typeof o.config === 'string'
      ? getMatrixConfig(o.config)
      : (o.config ?? getMatrixConfig('full+prln'));
  const n = o.objects ?? 10000;
  const burst = o.burst ?? 64;
  const msPerBurst = o.msPerBurst ?? 1;
  const gpEvery = o.gpEveryMs ?? 10;
  if (!Number.isInteger(n) || n < 0)
    throw new UsageError(`objects: expected a non-negative integer, got ${String(n)}`);
  if (!Number.isInteger(burst) || burst < 1)
    throw new UsageError(`burst: expected a positive integer, got ${String(burst)}`);
  if (!Number.isInteger(msPerBurst) || msPerBurst < 1)
    throw new UsageError(`msPerBurst: expected a positive integer, got ${String(msPerBurst)}`);
  if (!Number.isInteger(gpEvery) || gpEvery < 1)
    throw new UsageError(`gpEveryMs: expected a positive integer, got ${String(gpEvery)}`);
  const shrinkEvery = o.shrinkEveryMs ?? null;
  if (shrinkEvery !== null && (!Number.isInteger(shrinkEvery) || shrinkEvery < 1))
    throw new UsageError(`shrinkEveryMs: expected a positive integer, got ${String(shrinkEvery)}`);
  const sys = createModelSystem(
    { ...config.options, policy: 'collect', cpus: 2 },
    { strategy: o.strategy, kvfree: o.kvfree },
  );
  sys.kernel.switchTo('caller', 0);
  const caller = o.caller ?? 'task';
  let lastGp = 0;
  let lastShrink = 0;
  for (let i = 0; i < n; i++) {
    inCallerContext(sys, caller, () =>
      o.call === 'kvfree_rcu_headless' ? sys.kvfree.kvfreeRcuHeadless() : sys.kvfree.kfreeRcu(),
    );
    if ((i + 1) % burst === 0) {
      sys.advance(msPerBurst);
      if (sys.env.now - lastGp >= gpEvery) {
        lastGp = sys.env.now;
        sys.gracePeriod(1);
      }
      if (shrinkEvery !== null && sys.env.now - lastShrink >= shrinkEvery) {
        lastShrink = sys.env.now;
        sys.kvfree.shrink();
        sys.kernel.switchTo('caller', 0);
      }
    }
  }
  sys.settle();
  const c = { ...sys.kvfree.counters };
  const per = sys.kvfree.missesPerObject();
  const model = sys.kvfree.modelMissesPerObject();
  const bulkUsed = c.freedBulk > 0;
  const listUsed = c.freedList > 0;
  return {
    strategy: o.strategy,
    config: config.name,
    counters: c,
    pagesCached: sys.kvfree.cachedPages(),
    violations: sys.kernel.violations.length,
    missesPerObject: { bulk: bulkUsed ? per.bulk : null, list: listUsed ? per.list : null },
    missRatio: (listUsed ? per.list : model.list) / (bulkUsed ? per.bulk : model.bulk),
    missRatioBasis:
      bulkUsed && listUsed
        ? 'measured'
        : bulkUsed
          ? 'list modelled'
          : listUsed
            ? 'bulk modelled'
            : 'both modelled',
    pacing: { callsPerMs: burst / msPerBurst, gpEveryMs: gpEvery, shrinkEveryMs: shrinkEvery },
  };
}

/** The counters of runWorkload() for several strategies/configs as a text table. */
export function formatWorkloads(results: readonly WorkloadResult[]): string {
  const header = [
    'strategy',
    'config',
    'bulk',
    'list',
    'inline-gp',
    'alloc calls',
    'alloc fail',
    'pages cached',
    'GPs waited',
    'misses bulk',
    'misses list',
    'per obj bulk',
    'per obj list',
    'list:bulk',
    'splats',
  ];
  const perObj = (x: number | null): string => (x === null ? '-' : x.toFixed(3));
  const rows = results.map((r) => {
    const c = r.counters;
    return [
      r.strategy,
      r.config,
      c.bulk,
      c.list,
      c.inlineGp,
      c.allocatorCalls,
      c.allocatorFailures,
      r.pagesCached,
      c.gracePeriodsWaited,
      c.cacheMissesBulk,
      c.cacheMissesList,
      perObj(r.missesPerObject.bulk),
      perObj(r.missesPerObject.list),
      `${r.missRatio.toFixed(2)}${r.missRatioBasis === 'measured' ? '' : '*'}`,
      r.violations,
    ].map(String);
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const lines = [
    header
      .map((h, i) => pad(h, widths[i]))
      .join(' | ')
      .trimEnd(),
    widths.map((w) => '-'.repeat(w)).join('-|-'),
  ];
  for (const r of rows)
    lines.push(
      r
        .map((x, i) => pad(x, widths[i]))
        .join(' | ')
        .trimEnd(),
    );
  lines.push(
    'per obj: cache misses per object freed through that channel (- unused); list:bulk: misses per',
    'object on the rcu_head list / per object in bulk blocks (* a channel was unused: its cost is the',
    "model's, 1 per list object, a full block's lines / capacity per bulk object).",
  );
  if (results.length) {
    const p = results[0].pacing;
    lines.push(
      `pacing: ${p.callsPerMs} calls/ms, a grace period every ${p.gpEveryMs} ms, shrinker ${p.shrinkEveryMs === null ? 'off' : `every ${p.shrinkEveryMs} ms`}.`,
    );
  }
  return lines.join('\n');
}
