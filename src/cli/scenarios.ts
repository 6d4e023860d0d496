/**
 * `lockdep scenarios`: the kvfree_rcu() scenario matrix of the 2020 debate (strategy x
 * kernel config x caller context x allocator state -> BULK / LIST / INLINE-GP and which
 * splat), and with --counters the workload counters (bulk vs list, allocator calls,
 * grace periods, the cache-miss model). A thin layer over src/models/scenarios.ts.
 */
import { jsonText, quoted } from './json';
import {
  ALLOCATOR_STATES,
  CALLER_CONTEXTS,
  MATRIX_CONFIGS,
  formatScenarioMatrix,
  formatWorkloads,
  runScenarioMatrix,
  runWorkload,
  type AllocatorState,
  type CallerContext,
  type ScenarioCall,
} from '../models/scenarios';
import { STRATEGY_NAMES, type KvfreeStrategyName } from '../models/strategies';
import { violationTitle } from '../report/format';
import { UsageMistake } from './args';
import type { CliIO } from './common';

const CALLS: readonly ScenarioCall[] = ['kfree_rcu', 'kvfree_rcu_headless'];

export const SCENARIOS_HELP = `Usage: lockdep scenarios [options]

Run the kvfree_rcu() scenario matrix: every strategy discussed for the 2020
kfree_rcu()/page-allocator/raw-spinlock problem, under each kernel configuration, from
each caller context, with the allocator in each state. A cell shows where the object
went (BULK: a page-sized block, LIST: the rcu_head list, INLINE-GP: synchronize_rcu()
inline) after the splats the kernel would print (IWC: Invalid wait context on a lock,
SFCIC: sleeping function called from invalid context, SWA: scheduling while atomic,
DLW: DEBUG_LOCKS_WARN_ON(), DEADLOCK: recursive locking). See docs/models.md.

Options (comma-separated lists; default: all):
  --strategy ${STRATEGY_NAMES.join(',')}
  --config   ${MATRIX_CONFIGS.map((c) => c.name).join(',')}
  --caller   ${CALLER_CONTEXTS.join(',')}
             hardirq: an IRQF_NO_THREAD handler, hard irq everywhere; threaded-irq: a
             threadable handler, hard irq marked lockdep_hardirq_threaded() on !RT, its
             irq thread (irq_forced_thread_fn()) on rt; nmi: after ordinary use of krc.lock
  --state    ${ALLOCATOR_STATES.join(',')}
  --call     ${CALLS.join(',')} (default kfree_rcu)
  --counters           instead of the matrix: free --objects objects (default 10000) from
                       task context under each strategy and config and print the counters
                       (bulk vs list, allocator calls, grace periods, cache misses)
  --objects N          objects for --counters
  --calls-per-ms N     --counters pacing: kvfree_rcu() calls per ms (default 64)
  --gp-ms N            --counters pacing: a grace period completes every N ms (default 10)
  --shrink-every-ms N  --counters: run the kvfree shrinker every N ms (default: never)
  --format text|json   output format (default text)
  -h, --help           show this help

Exit codes: 0 the table was printed (splats in cells are results, not failures), 2 bad usage.
`;

interface ScenariosArgs {
  /** --objects was given (it only means something with --counters) */
  objectsGiven?: boolean;
  /** --counters pacing and shrinker */
  callsPerMs?: number;
  gpMs?: number;
  shrinkEveryMs?: number;
  strategies?: KvfreeStrategyName[];
  configs?: string[];
  callers?: CallerContext[];
  states?: AllocatorState[];
  calls?: ScenarioCall[];
  counters: boolean;
  objects: number;
  format: 'text' | 'json';
  help: boolean;
}

function list<T extends string>(
  option: string,
  raw: string | undefined,
  allowed: readonly T[],
): T[] {
  if (raw === undefined || raw === '')
    throw new UsageMistake(
      `lockdep scenarios: option ${option} needs a value (one or more of ${allowed.join(', ')})`,
    );
  const out: T[] = [];
  for (const item of raw.split(',')) {
    if (!(allowed as readonly string[]).includes(item)) {
      throw new UsageMistake(
        `lockdep scenarios: option ${option}: found ${quoted(item)}, expected one of ${allowed.join(', ')}`,
      );
    }
    out.push(item as T);
  }
  return out;
}

function positive(option: string, v: string | undefined, max: number): number {
  const n = Number(v);
  if (!v || !Number.isInteger(n) || n < 1 || n > max)
    throw new UsageMistake(
      `lockdep scenarios: option ${option}: found ${JSON.stringify(v ?? '')}, expected an integer 1..${max}`,
    );
  return n;
}

export function parseScenariosArgs(argv: readonly string[]): ScenariosArgs {
  const a: ScenariosArgs = { counters: false, objects: 10000, format: 'text', help: false };
  const seen = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const next = (): string | undefined => (eq > 0 ? arg.slice(eq + 1) : argv[++i]);
    // an option given twice is a mistake, as for every command (docs/cli.md)
    const option = name === '-h' ? '--help' : name;
    if (option.startsWith('-') && option !== '--help' && seen.has(option))
      throw new UsageMistake(`lockdep scenarios: ${option} given twice; give it once`);
    seen.add(option);
    switch (name) {
      case '-h':
      case '--help':
        a.help = true;
        break;
      case '--strategy':
        a.strategies = list(name, next(), STRATEGY_NAMES);
        break;
      case '--config':
        a.configs = list(
          name,
          next(),
          MATRIX_CONFIGS.map((c) => c.name),
        );
        break;
      case '--caller':
        a.callers = list(name, next(), CALLER_CONTEXTS);
        break;
      case '--state':
        a.states = list(name, next(), ALLOCATOR_STATES);
        break;
      case '--call':
        a.calls = list(name, next(), CALLS);
        break;
      case '--counters':
        a.counters = true;
        break;
      case '--objects': {
        const v = next();
        const n = Number(v);
        if (!v || !Number.isInteger(n) || n < 1 || n > 10_000_000)
          throw new UsageMistake(
            `lockdep scenarios: option --objects: found ${quoted(v ?? '')}, expected an integer 1..10000000`,
          );
        a.objects = n;
        a.objectsGiven = true;
        break;
      }
      case '--format':
        a.format = list(name, next(), ['text', 'json'] as const)[0];
        break;
      case '--calls-per-ms':
        a.callsPerMs = positive(name, next(), 1_000_000);
        break;
      case '--gp-ms':
        a.gpMs = positive(name, next(), 1_000_000);
        break;
      case '--shrink-every-ms':
        a.shrinkEveryMs = positive(name, next(), 1_000_000);
        break;
      default:
        throw new UsageMistake(
          `lockdep scenarios: unknown ${arg.startsWith('-') ? 'option' : 'argument'} ${quoted(arg)} (see lockdep scenarios --help)`,
        );
    }
  }
  // Options the chosen mode would ignore are mistakes, not silently dropped filters.
  if (a.counters) {
    if (a.callers)
      throw new UsageMistake(
        'lockdep scenarios: --caller does not apply to --counters (the workload frees from task context)',
      );
    if (a.states)
      throw new UsageMistake(
        'lockdep scenarios: --state does not apply to --counters (the workload runs the allocator as it evolves)',
      );
    if (a.calls && a.calls.length > 1)
      throw new UsageMistake('lockdep scenarios: --counters runs one --call at a time');
  } else if (a.objectsGiven) {
    throw new UsageMistake('lockdep scenarios: --objects applies to --counters only');
  } else if (a.callsPerMs ?? a.gpMs ?? a.shrinkEveryMs) {
    throw new UsageMistake(
      'lockdep scenarios: --calls-per-ms, --gp-ms and --shrink-every-ms apply to --counters only',
    );
  }
  return a;
}

export function scenariosCommand(argv: readonly string[], io: CliIO): number {
  const a = parseScenariosArgs(argv);
  if (a.help) {
    io.stdout.write(SCENARIOS_HELP);
    return 0;
  }
  if (a.counters) {
    const results = [];
    for (const strategy of a.strategies ?? STRATEGY_NAMES) {
      for (const config of a.configs ?? MATRIX_CONFIGS.map((c) => c.name)) {
        results.push(
          runWorkload({
            strategy,
            config,
            objects: a.objects,
            call: a.calls?.[0],
            burst: a.callsPerMs,
            gpEveryMs: a.gpMs,
            shrinkEveryMs: a.shrinkEveryMs,
          }),
        );
      }
    }
    if (a.format === 'json') io.stdout.write(`${jsonText(results, 2)}\n`);
    else {
      const call =
        a.calls?.[0] === 'kvfree_rcu_headless'
          ? 'kvfree_rcu(ptr) (head-less)'
          : 'kfree_rcu(ptr, rhf)';
      io.stdout.write(
        `${call}: ${a.objects} objects freed from task context, the system running in between\n${formatWorkloads(results)}\n`,
      );
    }
    return 0;
  }
  const m = runScenarioMatrix({
    strategies: a.strategies,
    configs: a.configs,
    callers: a.callers,
    states: a.states,
    calls: a.calls,
  });
  if (a.format === 'json') {
    const cells = m.cells.map((c) => ({
      strategy: c.strategy,
      config: c.config,
      caller: c.caller,
      state: c.state,
      call: c.call,
      placement: c.placement,
      outcome: c.outcome,
      splats: c.splats,
      violations: c.violations.map((v) => ({ kind: v.kind, title: violationTitle(v) })),
      allocatorCalls: c.allocatorCalls,
    }));
    io.stdout.write(
      `${jsonText({ strategies: m.strategies, configs: m.configs, callers: m.callers, states: m.states, calls: m.calls, cells }, 2)}\n`,
    );
  } else {
    io.stdout.write(`${formatScenarioMatrix(m)}\n`);
  }
  return 0;
}
