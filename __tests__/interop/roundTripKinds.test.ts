/**
 * Round trip for every violation kind: the report this library prints for the first
 * violation of each kind raised by the bundled examples/traces (the parity test's
 * source), fed to `explain`, is recognised as the same kind and, where the model has
 * the check, replays to that kind under the configuration the report came from.
 */
import * as fs from 'fs';
import * as path from 'path';
import {
  formatViolation,
  parseTrace,
  replayTrace,
  VIOLATION_KINDS,
  type Violation,
} from '../../src';
import {
  explainText,
  explanationToJson,
  formatExplanation,
  type ExplainedReport,
} from '../../src/interop/explain';
import { REPORT_KINDS } from '../../src/interop/splatParser';
import { replayTrace as replayBuilt } from '../../src/interop/replay';

const dir = path.join(__dirname, '..', '..', 'examples', 'traces');
const raised = new Map<string, { file: string; violation: Violation }>();
for (const f of fs
  .readdirSync(dir)
  .filter((x) => x.endsWith('.json'))
  .sort()) {
  const result = replayTrace(parseTrace(fs.readFileSync(path.join(dir, f), 'utf8'), f));
  for (const v of result.violations)
    if (!raised.has(v.kind)) raised.set(v.kind, { file: f, violation: v });
}

describe('round trip of every kind: formatViolation() → explain', () => {
  it('explain reads every kind lockdep check raises', () => {
    expect([...REPORT_KINDS].sort()).toEqual([...VIOLATION_KINDS].sort());
  });

  it.each([...VIOLATION_KINDS])('%s', (kind) => {
    const hit = raised.get(kind);
    // (a failure names the kind that no example raises)
    expect({ kind, hasExample: typeof hit?.file === 'string' }).toEqual({ kind, hasExample: true });
    const v = hit!.violation;
    const res = explainText(formatViolation(v));
    expect(res.exitCode).toBe(0);
    expect(res.reports).toHaveLength(1);
    const r = res.reports[0] as ExplainedReport;
    expect(r.ok).toBe(true);
    expect(r.kind).toBe(kind);
    expect(r.scenario.task).toEqual({ comm: v.task.comm, pid: v.task.pid });
    // every kind this library raises is one the model has: the round trip reproduces it
    expect(r.scenario.reproducible).toBe(true);
    expect(r.reproduced).toBe(true);
    // the emitted trace replays to the same kind under the origin configuration (what `lockdep check` does)
    expect(
      replayBuilt(r.scenario.trace, r.scenario.origin).violations.map((x) => x.kind),
    ).toContain(kind);
    expect(formatExplanation(res)).not.toMatch(/undefined/);
    const json = explanationToJson(res) as {
      reports: { kind: string; reproducible: boolean; verdicts: unknown[] }[];
    };
    expect(json.reports[0]).toMatchObject({ kind, reproducible: true });
    expect(json.reports[0].verdicts).toHaveLength(8);
  });

  it('the details each kind prints survive the round trip', () => {
    const detail = (kind: string) =>
      (explainText(formatViolation(raised.get(kind)!.violation)).reports[0] as ExplainedReport)
        .scenario;
    expect(detail('bad-unlock-balance').detail).toMatchObject({
      lockName: 'lock_A',
      at: 'spin_unlock',
    });
    expect(detail('max-lock-depth').detail).toEqual({ depth: 4, max: 4 });
    expect(detail('max-lock-depth').trace.config?.limits).toEqual({ maxLockDepth: 4 });
    expect(detail('nested-lock-not-taken').detail).toEqual({ nestLock: 'parent_lock' });
    expect(detail('nested-lock-not-taken').lock?.name).toBe('obj_lock');
    expect(detail('held-lock-freed').lock?.name).toBe('lock_A');
    expect(detail('lockdep-limit').detail).toMatchObject({
      limit: 'MAX_LOCKDEP_SUBCLASSES',
      subclass: 8,
    });
    expect(detail('debug-locks-warning').detail).toEqual({
      condition: 'val > preempt_count()',
      where: 'preempt_count_sub',
      file: null,
    });
    expect(detail('suspicious-rcu-usage').detail).toMatchObject({
      site: 'include/linux/rcupdate.h:409',
      message: 'Illegal context switch in RCU read-side critical section',
      debugLocks: true,
    });
    expect(detail('lock-held-at-exit').held.map((h) => h.name)).toEqual(['mutex_A']);
  });
});

// Variants the examples do not cover: each capacity limit and each DEBUG_LOCKS_WARN_ON()
// the model checks, printed by this library and explained back to the same report.
describe('round trip of every lockdep limit and DEBUG_LOCKS_WARN_ON() the model raises', () => {
  const maps = (names: string[]) =>
    Object.fromEntries(names.map((n) => [n, { wait: { inner: 'inv' } }]));
  const L = (lock: string) => ({ op: 'lock', lock });
  const U = (lock: string) => ({ op: 'unlock', lock });
  const cases: [string, Record<string, number>, string[], Record<string, unknown>[], string][] = [
    [
      'MAX_LOCKDEP_KEYS',
      { maxClasses: 1 },
      ['a', 'b'],
      [L('a'), U('a'), L('b'), U('b')],
      'lockdep-limit',
    ],
    [
      'MAX_LOCKDEP_ENTRIES',
      { maxEntries: 2 },
      ['a', 'b', 'c'],
      [L('a'), L('b'), U('b'), L('c'), U('c'), U('a')],
      'lockdep-limit',
    ],
    [
      'MAX_LOCKDEP_CHAINS',
      { maxChains: 1 },
      ['a', 'b'],
      [L('a'), U('a'), L('b'), U('b')],
      'lockdep-limit',
    ],
    [
      'MAX_LOCKDEP_CHAIN_HLOCKS',
      { maxChains: 2, maxChainHlocks: 2 },
      ['a', 'b'],
      [L('a'), L('b'), U('b'), U('a')],
      'lockdep-limit',
    ],
    [
      'BFS_QUEUE',
      { bfsQueue: 2 },
      ['a', 'b', 'c1', 'c2', 'd', 'e'],
      [
        L('b'),
        L('c1'),
        L('d'),
        U('d'),
        U('c1'),
        L('c2'),
        L('e'),
        U('e'),
        U('c2'),
        U('b'),
        L('a'),
        L('b'),
      ],
      'lockdep-limit',
    ],
    ['preempt_count_sub underflow', {}, [], [{ op: 'preempt_enable' }], 'debug-locks-warning'],
    [
      'preempt_count_add overflow',
      {},
      [],
      Array.from({ length: 256 }, () => ({ op: 'preempt_disable' })),
      'debug-locks-warning',
    ],
    ['irq_exit without irq_enter', {}, [], [{ op: 'irq_exit' }], 'debug-locks-warning'],
    ['local_bh_enable underflow', {}, [], [{ op: 'bh_enable' }], 'debug-locks-warning'],
    ['softirq exit without entry', {}, [], [{ op: 'softirq_exit' }], 'debug-locks-warning'],
    ['nmi_exit without nmi_enter', {}, [], [{ op: 'nmi_exit' }], 'debug-locks-warning'],
    ['migrate_enable underflow', {}, [], [{ op: 'migrate_enable' }], 'debug-locks-warning'],
    [
      'irqs enabled in a hard interrupt',
      {},
      [],
      [{ op: 'irq_enter', threaded: false }, { op: 'irq_enable' }],
      'debug-locks-warning',
    ],
  ];
  it.each(cases)('%s', (_name, limits, names, events, kind) => {
    const doc = {
      'lockdep-trace': 1,
      config: { preempt: 'full', proveRawLockNesting: true, limits },
      locks: maps(names),
      events,
    };
    const v = replayTrace(parseTrace(JSON.stringify(doc), 'case.json')).violations.find(
      (x) => x.kind === kind,
    )!;
    expect(v).toBeDefined();
    const res = explainText(formatViolation(v));
    expect(res.exitCode).toBe(0);
    const r = res.reports[0] as ExplainedReport;
    expect(r.kind).toBe(kind);
    expect(r.scenario.reproducible).toBe(true);
    expect(r.reproduced).toBe(true);
    const again = replayBuilt(r.scenario.trace, r.scenario.origin).violations.find(
      (x) => x.kind === kind,
    )!;
    if (v.kind === 'lockdep-limit' && again.kind === 'lockdep-limit')
      expect(again.limit).toBe(v.limit);
    if (v.kind === 'debug-locks-warning' && again.kind === 'debug-locks-warning')
      expect([again.condition, again.where]).toEqual([v.condition, v.where]);
  });

  it('a DEBUG_LOCKS_WARN_ON() the model does not check, and an unmodelled limit: explained, not reproducible, exit 0', () => {
    const text = [
      '------------[ cut here ]------------',
      'DEBUG_LOCKS_WARN_ON(1)',
      'WARNING: kernel/locking/lockdep.c:238 at hlock_class+0x4e/0x130, CPU#0: syz.2.1797/11111',
      'Modules linked in:',
      '---[ end trace 0000000000000000 ]---',
      'BUG: MAX_STACK_TRACE_ENTRIES too low!',
      'turning off the locking correctness validator.',
    ].join('\n');
    const res = explainText(text);
    expect(res.exitCode).toBe(0);
    const [w, lim] = res.reports as ExplainedReport[];
    expect(w.scenario.detail).toEqual({
      condition: '1',
      where: 'hlock_class',
      file: 'kernel/locking/lockdep.c:238',
    });
    expect(w.scenario.task).toEqual({ comm: 'syz.2.1797', pid: 11111 });
    expect([w.scenario.reproducible, w.reproduced]).toEqual([false, false]);
    expect(lim.scenario.detail).toMatchObject({ limit: 'MAX_STACK_TRACE_ENTRIES' });
    expect(lim.scenario.reproducible).toBe(false);
    expect(formatExplanation(res)).toMatch(/not reproducible/);
  });
});
