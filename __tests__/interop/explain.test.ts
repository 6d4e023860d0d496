/**
 * `lockdep explain` on report texts laid out as the kernel prints them
 * (lockdep-semantics.md §3.4, §4, §5), with timestamps, quote markers, wrapped lines
 * and several reports per file, and the round trip through this library's own reports.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import {
  createKernel,
  formatViolation,
  parseTrace,
  replayTrace as replayTraceDoc,
  type Kernel,
  type KernelOptions,
} from '../../src';
import {
  explainText,
  explanationToJson,
  formatExplanation,
  type ExplainedReport,
  type ReportExplanation,
} from '../../src/interop/explain';
import { parseReports, REPORT_KINDS } from '../../src/interop/splatParser';
import { replayTrace } from '../../src/interop/replay';

const FIXTURES = join(__dirname, '..', 'fixtures', 'kernel-reports');
const read = (f: string) => readFileSync(join(FIXTURES, f), 'utf8');

function explained(r: ReportExplanation): ExplainedReport {
  if (!r.ok) throw new Error(`not explained: line ${r.line}: ${r.message}`);
  return r;
}

describe("invalid-wait-context fixtures: the kernel verdict under the report's configuration, and the culprit", () => {
  it.each([
    // file, culprit, prove, preempt, context, verdict kinds expected elsewhere
    [
      'iwc-raw-spinlock.txt',
      'krc.lock',
      true,
      'unknown',
      'task',
      { 'full/noprove': [], 'rt/prove': ['invalid-wait-context', 'sleeping-in-atomic'] },
    ],
    // since 35328dc the body of a threaded handler is judged as a threaded hardirq on every
    // configuration (as lib/locking-selftest.c does on RT): a mutex there is invalid on RT too
    [
      'iwc-mutex-hardirq-noprove.txt',
      null,
      false,
      'unknown',
      'hardirq-threaded',
      {
        'full/prove': ['sleeping-in-atomic', 'invalid-wait-context'],
        // irq_forced_thread_fn(): on RT the body runs in its irq thread inside
        // local_bh_disable() (rcu_read_lock() held: might_sleep() fires too)
        'rt/prove': ['sleeping-in-atomic', 'invalid-wait-context'],
      },
    ],
    [
      'iwc-rcu-sched-quoted.txt',
      'rcu_read_lock_sched',
      true,
      'unknown',
      'task',
      { 'none/noprove': [] },
    ],
    [
      'iwc-rt.txt',
      '&priv->stats_lock',
      true,
      'rt',
      'task',
      { 'full/prove': ['sleeping-in-atomic', 'invalid-wait-context'] },
    ],
    [
      'iwc-softirq.txt',
      null,
      true,
      'unknown',
      'softirq',
      { 'rt/prove': ['sleeping-in-atomic', 'invalid-wait-context'] },
    ],
  ] as const)('%s', (file, culprit, prove, preempt, context, elsewhere) => {
    const res = explainText(read(file));
    expect(res.exitCode).toBe(0);
    expect(res.reports).toHaveLength(1);
    const r = explained(res.reports[0]);
    expect(r.kind).toBe('invalid-wait-context');
    expect(r.reproduced).toBe(true);
    expect(r.scenario.proveRawLockNesting.value).toBe(prove);
    expect(r.scenario.preempt.value).toBe(preempt);
    expect(r.scenario.context.value).toBe(context);
    expect(r.scenario.culprit?.name ?? null).toBe(culprit);
    // The library's own check_wait_context names the same culprit on the replay.
    expect(r.replayedCulprit).toBe(culprit);
    for (const [id, kinds] of Object.entries(elsewhere) as [string, readonly string[]][]) {
      expect([...r.verdicts.find((v) => v.id === id)!.kinds].sort()).toEqual([...kinds].sort());
    }
  });

  it('reads a lock line wrapped by a mail client, under quote markers', () => {
    const r = explained(explainText(read('iwc-rcu-sched-quoted.txt')).reports[0]);
    expect(r.scenario.lock?.name).toBe('&port_lock_key');
    expect(r.scenario.lock?.at).toBe('serial8250_console_write+0x1a2/0x4f0');
    expect(r.scenario.held.map((h) => [h.name, h.at])).toEqual([
      ['rcu_read_lock_sched', 'trace_call_bpf+0x5/0x2a0'],
      ['console_owner', 'console_flush_all+0x1c4/0x560'],
    ]);
    expect(r.scenario.task).toEqual({ comm: 'kworker/u16:3', pid: 187 });
  });

  it("folds PREEMPT_RT's rcu_read_lock under a sleeping spinlock into that spinlock", () => {
    const r = explained(explainText(read('iwc-rt.txt')).reports[0]);
    expect(r.scenario.held.map((h) => [h.name, h.type, h.implied])).toEqual([
      ['&priv->lock', 'spinlock', false],
      ['rcu_read_lock', 'rcu_read_lock', true],
      ['&priv->stats_lock', 'raw_spinlock', false],
    ]);
    expect(r.scenario.trace.events.filter((e) => e.lock === 'rcu_read_lock')).toHaveLength(0);
  });
});

describe('every report kind, several per file (multi.txt)', () => {
  const res = explainText(read('multi.txt'));
  it('finds each report, in order, and explains all of them', () => {
    expect(res.exitCode).toBe(0);
    expect(res.reports.map((r) => r.kind)).toEqual([
      'circular-dependency',
      'recursive-locking',
      'inconsistent-lock-state',
      'irq-unsafe-order',
      'irq-inversion',
      'sleeping-in-atomic',
      'scheduling-while-atomic',
    ]);
  });
  it.each(res.reports.map((r, i) => [r.kind, i] as const))(
    "%s is reproduced under the report's configuration",
    (_k, i) => {
      const r = explained(res.reports[i]);
      expect(r.reproduced).toBe(true);
    },
  );
  it('reads the circular chain and the held lock', () => {
    const r = explained(res.reports[0]);
    expect(r.scenario.chain.map((c) => c.name)).toEqual(['&dev->cfg_mutex', '&dev->io_mutex']);
    expect(r.scenario.lock?.name).toBe('&dev->cfg_mutex');
    expect(r.scenario.held.map((h) => h.name)).toEqual(['&dev->io_mutex']);
    expect(r.scenario.proveRawLockNesting.value).toBe(true);
  });
  it('inconsistent lock state: taken in a (threadable) hardirq; on PREEMPT_RT irq_forced_thread_fn() runs the body in its irq thread, so no IN-HARDIRQ usage and no report', () => {
    const r = explained(res.reports[2]);
    expect(r.scenario.context.value).toBe('hardirq');
    expect(r.verdicts.find((v) => v.id === 'full/prove')!.kinds).toEqual([
      'inconsistent-lock-state',
    ]);
    expect(r.verdicts.find((v) => v.id === 'rt/prove')!.kinds).toEqual([]);
  });
  it("scheduling while atomic: preempt_count 3 = the scheduler's 1 + two spinning locks, no extra preempt_disable", () => {
    const r = explained(res.reports[6]);
    expect(r.scenario.atomic?.preemptCount).toBe(3);
    expect(r.scenario.trace.events.map((e) => e.op)).toEqual(['lock', 'lock', 'schedule']);
  });
  it('sleeping in atomic: the held spinlock explains preempt_count 1', () => {
    const r = explained(res.reports[5]);
    expect(r.scenario.trace.events.map((e) => e.op)).toEqual(['lock', 'might_sleep']);
  });
  it('prints every report and a JSON form with one object per report', () => {
    const text = formatExplanation(res);
    expect(text.match(/^Report \d+ /gm)).toHaveLength(7);
    const json = explanationToJson(res) as { reports: { kind: string; verdicts: unknown[] }[] };
    expect(json.reports.map((r) => r.kind)).toEqual(res.reports.map((r) => r.kind));
    for (const r of json.reports) expect(r.verdicts).toHaveLength(8);
  });
});

describe('reports that cannot be read', () => {
  it('names the line it could not understand and exits 2', () => {
    const res = explainText(read('unparsable.txt'));
    expect(res.exitCode).toBe(2);
    const r = res.reports[0];
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.line).toBe(6);
      expect(r.message).toMatch(/expected the lock being acquired/);
      expect(r.text).toBe('this line was mangled by the mail client');
    }
  });
  it('text without any report is not "clean": exit 2', () => {
    const res = explainText('hello\nworld\n');
    expect(res.exitCode).toBe(2);
    expect(res.reports[0].ok).toBe(false);
  });
  it('an unsupported lockdep banner is reported, not skipped', () => {
    const res = explainText('=====\nWARNING: bad contention detected!\n6.9.0 #1 Not tainted\n');
    expect(res.exitCode).toBe(2);
    expect(res.reports[0].ok || res.reports[0].message).toMatch(/unsupported report kind/);
  });
  it('one bad report does not hide the good ones', () => {
    const res = explainText(read('unparsable.txt') + '\n' + read('iwc-raw-spinlock.txt'));
    expect(res.reports.map((r) => r.ok)).toEqual([false, true]);
    expect(res.exitCode).toBe(2);
  });
});

describe('parser tolerance', () => {
  it('covers every report kind explain reads', () => {
    const real = [
      'rcu-suspicious-syzbot-bh-lkp-afs-brcmfmac.txt',
      'bad-unlock-held-at-exit-freed-syzbot.txt',
      'debug-locks-warn-preempt-and-max-lock-depth.txt',
      'rcu-voluntary-switch-6.3-hotplug-6.11-arm64.txt',
    ];
    const own = ['nested-lock-not-taken.json', 'invalid-subclass.json'].map((f) => {
      const t = parseTrace(
        readFileSync(join(__dirname, '..', '..', 'examples', 'traces', f), 'utf8'),
        f,
      );
      return replayTraceDoc(t).violations.map(formatViolation).join('\n');
    });
    const all = [
      read('multi.txt'),
      read('iwc-raw-spinlock.txt'),
      ...real.map((f) => read(join('real', f))),
      ...own,
    ].join('\n');
    const kinds = new Set(parseReports(all).reports.map((r) => r.kind));
    for (const k of REPORT_KINDS) expect(kinds.has(k)).toBe(true);
  });
  it('strips syslog prefixes, printk caller ids and nested quote markers', () => {
    const text = read('iwc-raw-spinlock.txt')
      .split('\n')
      .map((l, i) =>
        i % 3 === 0
          ? `Nov 21 10:00:00 host kernel: ${l}`
          : i % 3 === 1
            ? `> > ${l.replace(/^(\[[^\]]+\])/, '$1[    T1]')}`
            : l,
      )
      .join('\n');
    const r = explained(explainText(text).reports[0]);
    expect(r.scenario.culprit?.name).toBe('krc.lock');
    expect(r.reproduced).toBe(true);
  });
  it('reads old kernels that print no wait types (names decide, marked uncertain)', () => {
    const text = [
      '======================================================',
      '[ INFO: possible circular locking dependency detected ]',
      '4.4.0 #1 Not tainted',
      '-------------------------------------------------------',
      'cat/100 is trying to acquire lock:',
      ' (&mm->mmap_sem){++++++}, at: [<ffffffff8119c1a0>] might_fault+0x50/0xa0',
      '',
      'but task is already holding lock:',
      ' (&sb->s_mutex){+.+.+.}, at: [<ffffffff8120d0e0>] foo_read+0x30/0x90',
      '',
      'which lock already depends on the new lock.',
      '',
      'the existing dependency chain (in reverse order) is:',
      '',
      '-> #1 (&sb->s_mutex){+.+.+.}:',
      '       [<ffffffff810b4d9c>] lock_acquire+0xbc/0x1f0',
      '',
      '-> #0 (&mm->mmap_sem){++++++}:',
      '       [<ffffffff810b4d9c>] lock_acquire+0xbc/0x1f0',
      '',
      'other info that might help us debug this:',
      '',
      '1 lock held by cat/100:',
      ' #0:  (&sb->s_mutex){+.+.+.}, at: [<ffffffff8120d0e0>] foo_read+0x30/0x90',
    ].join('\n');
    const r = explained(explainText(text).reports[0]);
    expect(r.scenario.lock?.type).toBe('rwsem');
    expect(r.scenario.held[0].type).toBe('mutex');
    expect(r.scenario.held[0].certain).toBe(false);
    expect(r.reproduced).toBe(true);
  });
});

// -------------------------------------------------------------------------------------
// Round trip: a report this library prints, fed to explain

function firstReport(opts: KernelOptions, run: (k: Kernel) => void) {
  const k = createKernel({ ...opts, policy: 'collect' });
  run(k);
  return k;
}

const strip = (s: string) => s.replace(/\b[0-9a-f]{16}\b/g, 'ADDR');

describe('round trip: formatViolation() output → explain → the same scenario and verdict', () => {
  it.each([
    [
      'spinlock_t under raw_spinlock_t',
      { preempt: 'full', proveRawLockNesting: true },
      (k: Kernel) => {
        k.rawSpinlock('raw_lock_A').lock();
        k.spinlock('lock_B').lock();
      },
      'raw_lock_A',
      'task',
    ],
    [
      'mutex in a hard interrupt',
      { preempt: 'full', proveRawLockNesting: true },
      (k: Kernel) => {
        const m = k.mutex('mutex_B');
        k.hardirq(() => m.lock(), { threaded: false });
      },
      null,
      'hardirq',
    ],
    [
      'spinlock_t under rcu_read_lock_sched()',
      { preempt: 'full', proveRawLockNesting: true },
      (k: Kernel) => {
        k.rcuReadLockSched();
        k.spinlock('lock_B').lock();
      },
      'rcu_read_lock_sched',
      'task',
    ],
    [
      'PREEMPT_RT: mutex under a sleeping spinlock',
      { preempt: 'rt', proveRawLockNesting: true },
      (k: Kernel) => {
        k.spinlock('lock_A').lock();
        k.mutex('mutex_B').lock();
      },
      'lock_A',
      'task',
    ],
    [
      'PROVE_RAW_LOCK_NESTING=n: mutex under raw_spinlock_t',
      { preempt: 'full', proveRawLockNesting: false },
      (k: Kernel) => {
        k.rawSpinlock('my_raw_lock').lock();
        k.mutex('my_mutex').lock();
      },
      'my_raw_lock',
      'task',
    ],
  ] as const)('%s', (_name, opts, run, culprit, context) => {
    const k = firstReport(opts, run);
    const v = k.violations.find((x) => x.kind === 'invalid-wait-context');
    expect(v).toBeDefined();
    const text = k.violations.map(formatViolation).join('\n');
    const res = explainText(text);
    expect(res.exitCode).toBe(0);
    const r = explained(res.reports.find((x) => x.kind === 'invalid-wait-context')!);
    const s = r.scenario;
    // configuration: what the numbers and fingerprints say, defaults otherwise
    expect(s.origin).toEqual({
      preempt: opts.preempt,
      proveRawLockNesting: opts.proveRawLockNesting,
    });
    expect(s.context.value).toBe(context);
    expect(s.culprit?.name ?? null).toBe(culprit);
    if (v?.kind === 'invalid-wait-context') {
      expect(s.culprit?.name ?? null).toBe(v.culprit >= 0 ? v.held[v.culprit].name : null);
      expect(s.lock?.name).toBe(v.lock.name);
      expect(s.held.map((h) => h.name)).toEqual(v.held.map((h) => h.name));
    }
    // verdict: the same kinds fire under the original configuration
    const origin = r.verdicts.find(
      (x) => x.id === `${opts.preempt}/${opts.proveRawLockNesting ? 'prove' : 'noprove'}`,
    )!;
    // (later events of the original, e.g. leaving the interrupt with the mutex held, are not part of the report)
    const upTo = k.violations.filter((x) => x.event <= v!.event).map((x) => x.kind);
    expect([...origin.kinds].sort()).toEqual([...new Set(upTo)].sort());
    // scenario: replaying the emitted trace prints the same report (addresses aside)
    const again = replayTrace(s.trace, opts as KernelOptions).violations.find(
      (x) => x.kind === 'invalid-wait-context',
    )!;
    expect(strip(formatViolation(again))).toBe(strip(formatViolation(v!)));
  });
});

// schedule_debug(): after __schedule_bug(), preempt_count_set(PREEMPT_DISABLED); the task's
// own preempt_count_sub() then underflows. A real report prints both (mlx5, 5.2-rc1).
describe('explain: a preempt_count underflow after "scheduling while atomic"', () => {
  const real = read('real/debug-locks-warn-preempt-and-max-lock-depth.txt');
  const echo = (text: string) =>
    explainText(text)
      .reports.filter((r) => r.kind === 'debug-locks-warning')
      .map((r) => explained(r).scenario.notes.filter((n) => n.startsWith('follows the')));

  it.each<[string, string, string[][]]>([
    [
      'the same task, after the bug: linked to it',
      real,
      [
        [
          expect.stringContaining(
            'follows the "scheduling while atomic" of the same task (pid 10900, line 5)',
          ),
        ],
      ],
    ],
    [
      'the warning alone: read as an unbalanced preempt_enable(), no link',
      real.replace(/^.*BUG: scheduling while atomic.*$/m, ''),
      [[]],
    ],
    [
      'another task scheduled while atomic: no link',
      real.replace(
        'BUG: scheduling while atomic: sh/10900/',
        'BUG: scheduling while atomic: sh/10901/',
      ),
      [[]],
    ],
  ])('%s', (_name, text, expected) => {
    expect(echo(text)).toEqual(expected);
  });
});
