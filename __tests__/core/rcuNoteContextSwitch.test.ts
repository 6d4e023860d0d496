/**
 * kernel/rcu/tree_plugin.h, rcu_note_context_switch(preempt), called by __schedule()
 * with preempt = sched_mode > SM_NONE:
 *
 *   WARN_ONCE(!preempt && rcu_preempt_depth() > 0,
 *             "Voluntary context switch within RCU read-side critical section!");
 *
 * Only PREEMPT_RCU kernels have a read-side nesting depth (PREEMPT_FULL and PREEMPT_RT
 * here); without it rcu_read_lock() disables preemption and the same schedule() is
 * "scheduling while atomic". PREEMPT_RT's sleeping spinlocks block through
 * schedule_rtlock() (SM_RTLOCK_WAIT), which does not warn.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { createKernel, formatViolation, type KernelOptions, type Violation } from '../../src';
import { explainText, type ExplainedReport } from '../../src/interop/explain';
import { parseReports, type ParsedKernelWarning } from '../../src/interop/splatParser';

const MESSAGE = 'Voluntary context switch within RCU read-side critical section!';
const kinds = (vs: readonly Violation[]) => vs.map((v) => v.kind);

describe('rcu_note_context_switch(): a voluntary schedule() inside an RCU reader', () => {
  it.each<[KernelOptions['preempt'], string[]]>([
    // !PREEMPT_RCU: rcu_read_lock() is preempt_disable(); schedule_debug() and rcu_sleep_check()
    ['none', ['scheduling-while-atomic', 'suspicious-rcu-usage']],
    ['voluntary', ['scheduling-while-atomic', 'suspicious-rcu-usage']],
    // PREEMPT_RCU: preemptible reader, the voluntary switch WARNs
    ['full', ['kernel-warning']],
    ['rt', ['kernel-warning']],
  ])('preempt=%s: rcu_read_lock(); schedule() -> %j', (preempt, expected) => {
    const k = createKernel({ preempt });
    k.rcuReadLock();
    k.schedule();
    expect(kinds(k.violations)).toEqual(expected);
  });

  it('prints as WARN_ONCE() does: the message, then the WARNING line at tree_plugin.h', () => {
    const k = createKernel({ preempt: 'full' });
    k.rcuReadLock();
    k.schedule();
    const text = formatViolation(k.violations[0]).split('\n');
    expect(text.slice(0, 3)).toEqual([
      '------------[ cut here ]------------',
      MESSAGE,
      'WARNING: CPU: 0 PID: 1 at kernel/rcu/tree_plugin.h:331 rcu_note_context_switch+0x0/0x0',
    ]);
    expect(k.violations[0]).toMatchObject({
      kind: 'kernel-warning',
      where: 'rcu_note_context_switch',
      message: MESSAGE,
    });
  });

  it('warns once per boot (WARN_ONCE), and is not a lockdep report (debug_locks stays on)', () => {
    const k = createKernel({ preempt: 'full', policy: 'first' });
    k.rcuReadLock();
    k.schedule();
    k.schedule();
    k.rcuReadUnlock();
    expect(kinds(k.violations)).toEqual(['kernel-warning']);
    // lockdep still reports afterwards under `first`
    const a = k.spinlock('a');
    a.lock();
    a.lock();
    expect(kinds(k.violations)).toEqual(['kernel-warning', 'recursive-locking']);
  });

  it('a mutex contended inside rcu_read_lock() blocks voluntarily: might_sleep() and the WARN', () => {
    const k = createKernel({ preempt: 'full', proveRawLockNesting: false });
    const m = k.mutex('m');
    k.switchTo('owner');
    m.lock();
    k.switchTo('waiter');
    k.rcuReadLock();
    m.lock();
    expect(kinds(k.violations)).toContain('sleeping-in-atomic');
    expect(kinds(k.violations)).toContain('kernel-warning');
  });

  it('PREEMPT_RT: blocking on a contended spinlock_t inside rcu_read_lock() is schedule_rtlock(): no WARN', () => {
    const k = createKernel({ preempt: 'rt' });
    const s = k.spinlock('s');
    k.switchTo('owner');
    s.lock();
    k.switchTo('waiter');
    k.rcuReadLock();
    s.lock();
    expect(kinds(k.violations)).not.toContain('kernel-warning');
  });

  it('explain reads real reports of it (6.3 x86, 6.11 arm64) and replays them where PREEMPT_RCU is built', () => {
    const text = readFileSync(
      join(
        __dirname,
        '..',
        'fixtures',
        'kernel-reports',
        'real',
        'rcu-voluntary-switch-6.3-hotplug-6.11-arm64.txt',
      ),
      'utf8',
    );
    const parsed = parseReports(text).reports;
    expect(parsed.map((p) => p.kind)).toEqual(['kernel-warning', 'kernel-warning']);
    const warnings = parsed.filter(
      (p): p is ParsedKernelWarning => p.kind === 'kernel-warning' && 'where' in p,
    );
    expect(warnings.map((p) => [p.where, p.file, p.task?.comm ?? null])).toEqual([
      ['rcu_note_context_switch', 'kernel/rcu/tree_plugin.h:318', 'cpuhp/0'],
      ['rcu_note_context_switch', 'kernel/rcu/tree_plugin.h:331', 'pr/ttymxc1'],
    ]);
    const res = explainText(text);
    expect(res.exitCode).toBe(0);
    for (const r of res.reports as ExplainedReport[]) {
      expect(r.ok).toBe(true);
      expect(r.scenario.reproducible).toBe(true);
      const fires = r.verdicts.filter((v) => v.kinds.includes('kernel-warning')).map((v) => v.id);
      expect(fires).toEqual(['full/prove', 'full/noprove', 'rt/prove', 'rt/noprove']);
    }
  });
});
