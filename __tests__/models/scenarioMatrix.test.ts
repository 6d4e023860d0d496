/**
 * The scenario matrix of kvfree-rcu-model.md §6, rows marked H or M, one cell per
 * (strategy, config, caller, allocator state). Each expectation names the §6 row and
 * the kernel behaviour or thread claim it mirrors. Outcomes come from the model running
 * the kernel's call sequence on the primitives; the validator produces the splats.
 */
import {
  runScenarioCell,
  runScenarioMatrix,
  formatScenarioMatrix,
  type AllocatorState,
  type CallerContext,
  type ScenarioCall,
} from '../../src/models/scenarios';
import type { KvfreeStrategyName } from '../../src/models/strategies';

type Row = [
  row: string,
  strategy: KvfreeStrategyName,
  config: string,
  caller: CallerContext,
  state: AllocatorState,
  outcome: string,
  call?: ScenarioCall,
];

const ALL_NON_NMI: CallerContext[] = ['task', 'preempt-off', 'raw', 'hardirq', 'softirq'];

function expand(
  row: string,
  s: KvfreeStrategyName,
  configs: string[],
  callers: CallerContext[],
  states: AllocatorState[],
  outcome: string,
  call?: ScenarioCall,
): Row[] {
  const out: Row[] = [];
  for (const c of configs)
    for (const k of callers) for (const st of states) out.push([row, s, c, k, st, outcome, call]);
  return out;
}

const PRLN_OFF = ['none', 'full'];
const PRLN_ON = ['none+prln', 'vol+prln', 'full+prln'];

const ROWS: Row[] = [
  // #1 (H, §2 code): a cached page serves the request, no allocator call, on every strategy
  ...(
    [
      'v5.9',
      'drop-lock',
      'worker',
      'mainline',
      'gfp-no-locks',
      'lockless-page',
      'preemptible-check',
      'raw-zone-lock',
      'nolock',
    ] as KvfreeStrategyName[]
  ).flatMap((s) =>
    expand('#1 cache hit', s, ['none', 'full+prln', 'rt'], ALL_NON_NMI, ['cache'], 'BULK'),
  ),
  // #2 (H, V5.9 patch): pcp hit, zone untouched, PRLN off
  ...expand(
    '#2 v5.9 pcp hit',
    'v5.9',
    PRLN_OFF,
    ['task', 'raw', 'hardirq', 'softirq'],
    ['pcp'],
    'BULK',
  ),
  // #3 (H, lockdep_types.h: CONFIG == SPIN without PRLN): zone->lock taken silently
  ...expand('#3 v5.9 pcp-empty PRLN off', 'v5.9', PRLN_OFF, ALL_NON_NMI, ['pcp-empty'], 'BULK'),
  // #4 (M, gfp_to_alloc_flags/slowpath): GFP_NOWAIT below the MIN mark fails -> list
  ...expand('#4 v5.9 low', 'v5.9', PRLN_OFF, ALL_NON_NMI, ['low'], 'LIST'),
  // #5 (H, fallback code)
  ...expand('#5 v5.9 OOM', 'v5.9', PRLN_OFF, ALL_NON_NMI, ['oom'], 'LIST'),
  // #6 (M, Paul 11 Aug 2020: complaints only when the allocator caches are empty): pcp had no lockdep map <= 5.13
  ...expand('#6 v5.9 PRLN pcp hit silent', 'v5.9', PRLN_ON, ALL_NON_NMI, ['pcp'], 'BULK'),
  // #8 (H, SEED commit message, Sebastian 30 Jun 2020): Invalid wait context on zone->lock under krc.lock
  ...expand(
    '#8 v5.9 PRLN pcp-empty',
    'v5.9',
    PRLN_ON,
    ['task', 'raw', 'softirq', 'hardirq'],
    ['pcp-empty'],
    'IWC(&zone->lock) BULK',
  ),
  // #10 (H, Thomas 14 Aug 2020): lock(zone) kfree_rcu() lock(zone)
  ...expand(
    '#10 v5.9 caller holds zone->lock',
    'v5.9',
    PRLN_OFF,
    ['zone-lock'],
    ['pcp-empty'],
    'DEADLOCK(&zone->lock) BULK',
  ),
  // #12 (H, RT-skip patch): no allocation on RT, no splat
  ...expand(
    '#12 v5.9 RT skip',
    'v5.9',
    ['rt'],
    ALL_NON_NMI,
    ['pcp', 'pcp-empty', 'low', 'oom'],
    'LIST',
  ),
  // #13 (M, SEED commit msg (b) + rt_spin_lock): without the RT skip, zone->lock is an rtmutex under a raw lock
  ...expand(
    '#13 no RT skip, pcp-empty',
    'v5.9-no-rt-skip',
    ['rt'],
    ['raw', 'preempt-off'],
    ['pcp-empty'],
    'IWC(pa_lock) SFCIC IWC(&zone->lock) SFCIC BULK',
  ),
  ...expand(
    '#13 no RT skip, contended',
    'v5.9-no-rt-skip',
    ['rt'],
    ['raw'],
    ['contended'],
    // DLW: schedule_debug() reset preempt_count, so the caller's raw_spin_unlock() underflows it
    'IWC(pa_lock) SFCIC IWC(&zone->lock) SFCIC SWA DLW BULK',
  ),
  // #14 (H, SEED code): list + refill kick, no splat anywhere
  ...expand(
    '#14 worker',
    'worker',
    ['none', 'full+prln', 'rt'],
    ALL_NON_NMI,
    ['pcp', 'pcp-empty', 'low', 'oom'],
    'LIST',
  ),
  // #17 (H, MAIN code): two-argument never allocates
  ...expand(
    '#17 mainline',
    'mainline',
    ['none', 'none+prln', 'full+prln', 'rt'],
    ALL_NON_NMI,
    ['pcp', 'pcp-empty', 'low', 'oom', 'contended'],
    'LIST',
  ),
  // #19-#22 (H, MAIN code): head-less from a sleepable task
  ...expand(
    '#19 head-less cache',
    'mainline',
    ['none', 'full+prln', 'rt'],
    ['task'],
    ['cache'],
    'BULK',
    'kvfree_rcu_headless',
  ),
  ...expand(
    '#20 head-less drops the lock',
    'mainline',
    ['none', 'full+prln', 'rt'],
    ['task'],
    ['pcp', 'pcp-empty'],
    'BULK',
    'kvfree_rcu_headless',
  ),
  ...expand(
    '#21 head-less low (reclaim not enough)',
    'mainline',
    ['none', 'full+prln', 'rt'],
    ['task'],
    ['low'],
    'INLINE-GP',
    'kvfree_rcu_headless',
  ),
  ...expand(
    '#22 head-less OOM',
    'mainline',
    ['none', 'full+prln', 'rt'],
    ['task'],
    ['oom'],
    'INLINE-GP',
    'kvfree_rcu_headless',
  ),
  // #23 (M, might_sleep contract): SFCIC from might_sleep() at entry
  ...expand(
    '#23 head-less atomic caller',
    'mainline',
    ['none', 'full'],
    ['preempt-off', 'raw', 'hardirq', 'softirq'],
    ['cache'],
    'SFCIC BULK',
    'kvfree_rcu_headless',
  ),
  // #24 (M, check_wait_context): + IWC on zone->lock under the caller's raw lock. Two SFCIC:
  // might_sleep() in kvfree_call_rcu() and might_alloc() for GFP_KERNEL (the kernel rate-limits
  // the second print to one per second; the model reports both sites).
  ...expand(
    '#24 head-less raw PRLN',
    'mainline',
    ['full+prln'],
    ['raw'],
    ['pcp-empty'],
    'SFCIC SFCIC IWC(&zone->lock) BULK',
    'kvfree_rcu_headless',
  ),
  // #25 (M, spinlock_rt + MAIN): rtlock_might_resched, SWA if contended
  ...expand(
    '#25 head-less RT raw',
    'mainline',
    ['rt'],
    ['raw'],
    ['pcp-empty'],
    'SFCIC SFCIC IWC(&zone->lock) SFCIC BULK',
    'kvfree_rcu_headless',
  ),
  ...expand(
    '#25 head-less RT raw contended',
    'mainline',
    ['rt'],
    ['raw'],
    ['contended'],
    'SFCIC SFCIC IWC(&zone->lock) SFCIC SWA DLW BULK',
    'kvfree_rcu_headless',
  ),
  // #28/#29 (H, RFC code): pcp-only under the lock; nothing lockdep-visible
  ...expand(
    '#28 lockless pcp',
    'lockless-page',
    ['none', 'full+prln', 'rt'],
    ALL_NON_NMI,
    ['pcp'],
    'BULK',
  ),
  ...expand(
    '#29 lockless no pcp',
    'lockless-page',
    ['none', 'full+prln', 'rt'],
    ALL_NON_NMI,
    ['pcp-empty', 'low', 'oom'],
    'LIST',
  ),
  // #31 (H, Thomas 13 Aug 2020): preemptible() is false without PREEMPT_COUNT
  ...expand(
    '#31 preemptible() on none/voluntary',
    'preemptible-check',
    ['none', 'vol+prln'],
    ['task'],
    ['pcp', 'pcp-empty', 'low'],
    'LIST',
  ),
  // #32 (M, patch 15/16): lock dropped, GFP_ATOMIC -> bulk, no splat
  ...expand(
    '#32 preemptible task',
    'preemptible-check',
    ['full', 'full+prln', 'rt'],
    ['task'],
    ['pcp-empty'],
    'BULK',
  ),
  // #33 (M, patch 15/16)
  ...expand(
    '#33 preemptible atomic caller',
    'preemptible-check',
    ['full+prln'],
    ['raw', 'preempt-off', 'hardirq', 'softirq'],
    ['pcp', 'pcp-empty'],
    'LIST',
  ),
  ...expand(
    '#33 preemptible atomic caller (RT)',
    'preemptible-check',
    ['rt'],
    ['raw', 'preempt-off', 'hardirq'],
    ['pcp', 'pcp-empty'],
    'LIST',
  ),
  // #33 disagreement: on PREEMPT_RT softirqs run in task context with preempt_count() 0
  // (softirq_disable_cnt is separate), so preemptible() is true there and the page is allocated
  ...expand(
    '#33 RT softirq is preemptible',
    'preemptible-check',
    ['rt'],
    ['softirq'],
    ['pcp', 'pcp-empty'],
    'BULK',
  ),
  // #34-#37 (M, PA-MAIN code): alloc_pages_nolock() under the lock
  ...expand(
    '#34 nolock pcp',
    'nolock',
    ['none+prln', 'full+prln'],
    ['task', 'raw', 'hardirq', 'softirq'],
    ['pcp'],
    'BULK',
  ),
  ...expand(
    '#35 nolock trylock refill',
    'nolock',
    ['none+prln', 'full+prln'],
    ALL_NON_NMI,
    ['pcp-empty'],
    'BULK',
  ),
  ...expand(
    '#36 nolock contended',
    'nolock',
    ['none', 'full+prln', 'rt'],
    ALL_NON_NMI,
    ['contended'],
    'LIST',
  ),
  ...expand(
    '#37 nolock low/OOM',
    'nolock',
    ['none', 'full+prln', 'rt'],
    ALL_NON_NMI,
    ['low', 'oom'],
    'LIST',
  ),
  // #38 (H, alloc_pages_nolock: RT && in_hardirq() -> NULL)
  ...expand('#38 nolock RT hardirq', 'nolock', ['rt'], ['hardirq'], ['pcp', 'pcp-empty'], 'LIST'),
  // (the NMI column runs after ordinary use: verify_lock_unused() reports krc.lock first)
  ...expand('#38 nolock RT NMI', 'nolock', ['rt'], ['nmi'], ['pcp'], 'ILS(krc.lock) LIST'),
  // #39 (M, comment allowing irqs-off callers)
  ...expand(
    '#39 nolock RT irqs-off',
    'nolock',
    ['rt'],
    ['task', 'softirq', 'raw'],
    ['pcp'],
    'BULK',
  ),
];

describe('kvfree-rcu-model.md §6 scenario matrix (H/M rows)', () => {
  it.each(ROWS)(
    '%s: %s %s caller=%s state=%s -> %s',
    (_row, strategy, config, caller, state, outcome, call) => {
      const r = runScenarioCell({ strategy, config, caller, state, call });
      expect(r.outcome).toBe(outcome);
    },
  );

  it('#1: a cache hit makes no allocator call', () => {
    const r = runScenarioCell({
      strategy: 'v5.9',
      config: 'full+prln',
      caller: 'raw',
      state: 'cache',
    });
    expect(r.allocatorCalls).toBe(0);
    expect(r.mm.calls).toBe(0);
  });

  it('#2: a pcp hit leaves zone->lock alone (no rmqueue_bulk)', () => {
    const r = runScenarioCell({ strategy: 'v5.9', config: 'none', caller: 'raw', state: 'pcp' });
    expect(r.mm.pcpHits).toBe(1);
    expect(r.mm.pcpRefills).toBe(0);
  });

  it('#4: GFP_NOWAIT below the MIN mark goes to the slow path and wakes kswapd without reclaiming', () => {
    const r = runScenarioCell({ strategy: 'v5.9', config: 'none', caller: 'task', state: 'low' });
    expect(r.mm.slowpaths).toBe(1);
    expect(r.mm.kswapdWakeups).toBe(1);
    expect(r.mm.directReclaims).toBe(0);
  });

  it('#7: page_owner takes depot_lock (spinlock_t) even on a pcp hit: IWC on depot_lock, then BULK (Palethorpe, 26 Oct 2020)', () => {
    const r = runScenarioCell({
      strategy: 'v5.9',
      config: 'full+prln',
      caller: 'softirq',
      state: 'pcp',
      pageOwner: true,
    });
    expect(r.outcome).toBe('IWC(depot_lock) BULK');
    const v = r.violations[0];
    expect(v.kind === 'invalid-wait-context' && v.held.map((h) => h.name)).toEqual(['krc.lock']);
  });

  it('#8: the IWC report holds krc.lock {2:2} and names zone->lock', () => {
    const r = runScenarioCell({
      strategy: 'v5.9',
      config: 'full+prln',
      caller: 'task',
      state: 'pcp-empty',
    });
    const v = r.violations[0];
    expect(v.kind).toBe('invalid-wait-context');
    if (v.kind !== 'invalid-wait-context') return;
    expect(v.lock.name).toBe('&zone->lock');
    expect(v.held.map((h) => h.name)).toEqual(['krc.lock']);
  });

  it('#15 (H, fill_page_cache_func): after the SEED worker ran, the next 5 blocks of calls go to bulk', () => {
    // covered with the system running in kvfree.test.ts; here: the cell with a cache is BULK
    expect(
      runScenarioCell({ strategy: 'worker', config: 'rt', caller: 'raw', state: 'cache' }).outcome,
    ).toBe('BULK');
  });

  it('#27 (M): from NMI lockdep is off (lockdep_off() in nmi_enter), so no splat is guaranteed', () => {
    for (const s of ['v5.9', 'mainline'] as KvfreeStrategyName[]) {
      const r = runScenarioCell({
        strategy: s,
        config: 'full+prln',
        caller: 'nmi',
        state: 'pcp-empty',
      });
      expect(r.splats.filter((x) => x.startsWith('IWC'))).toEqual([]);
    }
  });

  it('#30 (H, __rcu_alloc_page_lockless comment): with DEBUG_PAGEALLOC the lockless allocator always returns NULL', () => {
    const r = runScenarioCell({
      strategy: 'lockless-page',
      config: 'full+prln',
      caller: 'raw',
      state: 'pcp',
      debugPagealloc: true,
    });
    expect(r.outcome).toBe('LIST');
  });

  it('verify_lock_unused(): a first kfree_rcu() from NMI after ordinary use is "inconsistent {INITIAL USE} -> {IN-NMI}" on krc.lock', () => {
    for (const config of ['none', 'full+prln', 'rt']) {
      const r = runScenarioCell({ strategy: 'mainline', config, caller: 'nmi', state: 'cache' });
      expect(r.outcome).toBe('ILS(krc.lock) BULK');
      const v = r.violations[0];
      expect(v.kind === 'inconsistent-lock-state' && [v.previousUsage, v.newUsage]).toEqual([
        'INITIAL USE',
        'IN-NMI',
      ]);
    }
  });

  it.each([
    // __handle_irq_event_percpu: !RT threadable handler is a threaded hardirq (CONFIG
    // ceiling), so zone->lock after drop-lock's unlock of krc.lock is fine there
    [
      '__handle_irq_event_percpu',
      'drop-lock',
      'full+prln',
      'pcp-empty',
      'IWC(&zone->lock) BULK',
      'BULK',
    ],
    // irq_forced_thread_fn: on RT the threadable handler runs in its irq thread, task
    // context: no hard-irq usage of pa_lock (the IRQF_NO_THREAD column has ILS:pa_lock)
    [
      'irq_forced_thread_fn',
      'v5.9-no-rt-skip',
      'rt',
      'pcp',
      'IWC(pa_lock) ILS(pa_lock) SFCIC BULK',
      'IWC(pa_lock) SFCIC BULK',
    ],
  ] as const)(
    '%s: %s %s %s: hardirq -> %s, threaded-irq -> %s',
    (_m, strategy, config, state, hard, threaded) => {
      const cell = (caller: CallerContext) =>
        runScenarioCell({ strategy, config, caller, state }).outcome;
      expect(cell('hardirq')).toBe(hard);
      expect(cell('threaded-irq')).toBe(threaded);
    },
  );

  it('the worker strategy is clean everywhere (no splat in any cell of the two-argument matrix but the NMI one)', () => {
    const m = runScenarioMatrix({ strategies: ['worker', 'mainline'] });
    expect(
      m.cells
        .filter((c) => c.splats.length > (c.caller === 'nmi' ? 1 : 0))
        .map((c) => `${c.strategy}/${c.config}/${c.caller}/${c.state}: ${c.outcome}`),
    ).toEqual([]);
  });

  it('formats a table with one row per strategy x config x caller and one column per state', () => {
    const m = runScenarioMatrix({
      strategies: ['v5.9'],
      configs: ['none', 'full+prln'],
      callers: ['task'],
    });
    const text = formatScenarioMatrix(m);
    const lines = text.split('\n');
    expect(lines[1]).toMatch(
      /^strategy \| config\s+\| caller \| cache \| pcp\s+\| pcp-empty\s+\| low/,
    );
    expect(text).toContain('v5.9     | full+prln | task   | BULK  | BULK | IWC:zone BULK');
  });
});
