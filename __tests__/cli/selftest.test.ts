/**
 * Acceptance (issue 3): each case of selftest-waitctx.json (lib/locking-selftest.c's
 * wait-context matrix, local_lock tests and derived cases), converted to a trace file,
 * replayed by `lockdep check --format json` under each configuration; the verdict is the
 * selftest harness's: the first lockdep report (not might_sleep) and its kind.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { serializeTrace, type LockDecl, type Trace, type TraceEvent } from '../../src';
import {
  CASES,
  type ConfigName,
  type Expect,
  type SelftestCase,
  type Step,
} from '../helpers/selftest';
import { runCli } from './helpers';

const FLAGS: Record<ConfigName, string[]> = {
  prove_raw_nesting: ['--preempt', 'full', '--prove-raw-lock-nesting'],
  no_prove_raw_nesting: ['--preempt', 'full', '--no-prove-raw-lock-nesting'],
  preempt_rt: ['--preempt', 'rt', '--prove-raw-lock-nesting'],
};

const KIND: Record<Expect, string | null> = {
  ok: null,
  invalid_wait_context: 'invalid-wait-context',
  hardirq_safe_unsafe_order: 'irq-unsafe-order',
};

const RCU = new Set(['rcu_read_lock', 'rcu_read_lock_bh', 'rcu_read_lock_sched']);

/** A selftest step list as a trace, with the harness's setup (booting, preemption disabled). */
export function selftestTrace(c: SelftestCase): Trace {
  const locks: Record<string, LockDecl> = {};
  const events: TraceEvent[] = [{ op: 'preempt_disable' }];
  const declare = (s: Step): string => {
    const name = s.instance ?? s.lock!;
    if (RCU.has(name)) return name;
    const decl: LockDecl | undefined =
      s.lock === 'raw_spinlock'
        ? { type: 'raw_spinlock' }
        : s.lock === 'spinlock'
          ? { type: 'spinlock' }
          : // force_read_lock_recursive: the selftests' readers are recursive
            s.lock === 'read_lock' || s.lock === 'write_lock'
            ? { type: 'rwlock', queued: false }
            : s.lock === 'local_lock'
              ? { type: 'local_lock' }
              : s.lock === 'mutex'
                ? { type: 'mutex' }
                : s.lock === 'srcu_read_lock'
                  ? { type: 'srcu' }
                  : s.lock === 'percpu_rw_semaphore_down_read'
                    ? { type: 'percpu_rwsem' }
                    : s.lock === 'wait_override'
                      ? {
                          wait: { inner: (s.wait_type ?? 'SLEEP').toLowerCase() as 'sleep' },
                          lockType: 'wait-override',
                        }
                      : undefined;
    if (!decl) throw new Error(`unknown selftest lock ${s.lock}`);
    locks[name] ??= decl;
    return name;
  };
  for (const s of c.steps) {
    switch (s.op) {
      case 'enter':
        if (s.ctx === 'hardirq_threaded')
          events.push({ op: 'irq_enter', threaded: true, forceThreaded: false });
        else if (s.ctx === 'hardirq') events.push({ op: 'irq_enter' });
        else events.push({ op: 'softirq_enter' }, { op: 'irq_disable' });
        break;
      case 'exit':
        if (s.ctx === 'softirq') events.push({ op: 'irq_enable' }, { op: 'softirq_exit' });
        else events.push({ op: 'irq_exit' });
        break;
      case 'acquire':
      case 'trylock': {
        const ev: Record<string, unknown> = { op: 'lock', lock: declare(s) };
        if (s.lock === 'read_lock' || s.lock === 'percpu_rw_semaphore_down_read') ev.read = true;
        if (s.op === 'trylock') ev.try = true;
        events.push(ev as TraceEvent);
        break;
      }
      case 'release':
        events.push({ op: 'unlock', lock: declare(s) });
        break;
      default:
        events.push({ op: s.op });
    }
  }
  return {
    'lockdep-trace': 1,
    description: `${c.group} ${c.name}`,
    config: { booting: true },
    locks,
    events,
  };
}

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lockdep-selftest-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const rows = CASES.flatMap((c) =>
  (Object.keys(FLAGS) as ConfigName[]).map((cfg) => ({
    name: c.name,
    group: c.group,
    cfg,
    c,
    expected: c.expect[cfg],
  })),
);

describe('selftest-waitctx.json through `lockdep check --format json`', () => {
  it('covers all 57 cases in 3 configurations', () => {
    expect(rows).toHaveLength(171);
  });

  it.each(rows)('$group $name [$cfg] -> $expected', async ({ c, cfg, expected }) => {
    const file = path.join(dir, `${c.name}.json`);
    if (!fs.existsSync(file)) fs.writeFileSync(file, serializeTrace(selftestTrace(c)));
    const run = await runCli([
      'check',
      file,
      '--format',
      'json',
      '--first',
      '--quiet',
      ...FLAGS[cfg],
    ]);
    expect(run.stderr).toBe('');
    const out = JSON.parse(run.stdout) as {
      config: { preempt: string };
      violations: {
        kind: string;
        lockSnapshot?: { outer: number; inner: number };
        held: unknown[];
        context?: number;
      }[];
    };
    expect(out.config.preempt).toBe(cfg === 'preempt_rt' ? 'rt' : 'full');
    const first = out.violations.find(
      (v) => v.kind !== 'sleeping-in-atomic' && v.kind !== 'scheduling-while-atomic',
    );
    expect(first?.kind ?? null).toBe(KIND[expected]);
    expect(run.code).toBe(out.violations.length > 0 ? 1 : 0);
    const splat = c.splat?.[cfg];
    if (splat && first && first.kind === 'invalid-wait-context') {
      expect(`-{${first.lockSnapshot!.outer}:${first.lockSnapshot!.inner}}`).toBe(
        splat.class_wait_suffix,
      );
      expect(`context-{${first.context}:${first.context}}`).toBe(splat.context_line);
      expect(first.held).toHaveLength(splat.held_locks);
    }
  });
});
