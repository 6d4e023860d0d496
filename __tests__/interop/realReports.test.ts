/**
 * `lockdep explain` on reports modelled on real ones quoted publicly (syzbot, LKML, CI
 * logs; sources in __tests__/fixtures/kernel-reports/real/SOURCES.md), with their
 * noise: syzbot inline-frame duplicates, arm32/arm64 traces, quoted-printable mail,
 * CRLF, format=flowed wraps, nested quotes, syslog prefixes, printk caller ids,
 * interleaved log lines, "lockdep is turned off", and several reports per file.
 *
 * For invalid wait context (check_wait_context(), lockdep-semantics.md §3): the
 * kernel's verdict under the configuration the report came from must be reproduced,
 * and the culprit (the held lock of the same context with the minimum inner wait type,
 * or the context itself) named — and the replay's own check_wait_context must agree.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import {
  explainText,
  formatExplanation,
  explanationToJson,
  type ExplainedReport,
  type ReportExplanation,
} from '../../src/interop/explain';
import { parseReports, isParseError } from '../../src/interop/splatParser';

const DIR = join(__dirname, '..', 'fixtures', 'kernel-reports', 'real');
const read = (f: string) => readFileSync(join(DIR, f), 'utf8');

function ok(r: ReportExplanation): ExplainedReport {
  if (!r.ok) throw new Error(`not explained: line ${r.line}: ${r.message} | ${r.text}`);
  return r;
}

type Ctx = 'task' | 'hardirq' | 'hardirq-threaded' | 'softirq';
interface IwcCase {
  file: string;
  /** index of the report in the file */
  n: number;
  task: string;
  prove: boolean | 'unknown';
  ctx: Ctx;
  lock: string;
  held: string[];
  culprit: string | null;
}

const IWC: IwcCase[] = [
  // 2020 kvfree_rcu thread: krc.lock (raw) held, page allocator's zone->lock (spinlock_t) taken
  {
    file: 'iwc-kvfree-zone-lock-5.10-nested-quote.txt',
    n: 0,
    task: 'kworker/1:2',
    prove: true,
    ctx: 'task',
    lock: '&zone->lock',
    held: ['(wq_completion)nfsiod', '(work_completion)(&task->u.tk_work)#2', 'krc.lock'],
    culprit: 'krc.lock',
  },
  {
    file: 'iwc-krc-lock-5.9-quoted-printable-crlf.txt',
    n: 0,
    task: 'X',
    prove: true,
    ctx: 'task',
    lock: '&zone->lock',
    held: ['&cli->mutex', 'reservation_ww_class_acquire', 'reservation_ww_class_mutex', 'krc.lock'],
    culprit: 'krc.lock',
  },
  // timer interrupt allocating: context-{2:2}, the task's locks are not in the interrupt
  {
    file: 'iwc-syzbot-hardirq-6.12-inline.txt',
    n: 0,
    task: 'sshd',
    prove: true,
    ctx: 'hardirq',
    lock: '&zone->lock',
    held: ['&vma->vm_lock->lock', '&pcp->lock', '&rq->__lock'],
    culprit: null,
  },
  {
    file: 'iwc-syzbot-arm64-6.13-calltrace.txt',
    n: 0,
    task: 'syz.0.40',
    prove: true,
    ctx: 'hardirq',
    lock: '&zone->lock',
    held: ['&mm->mmap_lock', 'rcu_read_lock', 'ptlock_ptr(ptdesc)', '&pcp->lock'],
    culprit: null,
  },
  {
    file: 'iwc-hikey960-5.7-wrapped-interleaved.txt',
    n: 0,
    task: 'swapper/1',
    prove: true,
    ctx: 'hardirq',
    lock: '&pool->lock',
    held: ['rcu_read_lock'],
    culprit: null,
  },
  // PROVE_RAW_LOCK_NESTING=n numbering: context-{4:4}, rcu_read_lock {1:2}, mutex {3:3}
  {
    file: 'iwc-rn5t618-noprove-5.8-arm32.txt',
    n: 0,
    task: 'systemd-shutdow',
    prove: false,
    ctx: 'task',
    lock: 'rn5t618:170:(&rn5t618_regmap_config)->lock',
    held: ['system_transition_mutex', 'rcu_read_lock'],
    culprit: 'rcu_read_lock',
  },
  {
    file: 'syzbot-af-unix-5.14-sleeping-and-iwc-deep-quote.txt',
    n: 1,
    task: 'syz-executor700',
    prove: false,
    ctx: 'task',
    lock: '&mm->mmap_lock#2',
    held: ['&u->iolock', '&u->lock'],
    culprit: '&u->lock',
  },
  // ties: the first lock with the minimum inner type
  {
    file: 'iwc-perf-6.15-indented-no-backtrace.txt',
    n: 0,
    task: 'repro',
    prove: true,
    ctx: 'task',
    lock: '&event->waitq',
    held: ['rcu_read_lock', '&cpuctx_lock', '&ctx->lock', 'rcu_read_lock'],
    culprit: '&cpuctx_lock',
  },
  {
    file: 'iwc-io-uring-6.13-raw-timeout-lock.txt',
    n: 0,
    task: 'kworker/u32:0',
    prove: true,
    ctx: 'task',
    lock: '&ctx->wqh#2',
    held: [
      '(wq_completion)iou_exit',
      '(work_completion)(&ctx->exit_work)',
      '&ctx->completion_lock',
      '&ctx->timeout_lock',
      'rcu_read_lock',
      'rcu_read_lock',
    ],
    culprit: '&ctx->timeout_lock',
  },
  // a mutex in an hrtimer callback; {3:3} + __mutex_lock in the backtrace → =n numbering
  {
    file: 'iwc-rust-mutex-hardirq-6.11-noprove.txt',
    n: 0,
    task: 'swapper/5',
    prove: false,
    ctx: 'hardirq',
    lock: 'rust/doctests_kernel_generated.rs:1238',
    held: [],
    culprit: null,
  },
];

describe("real invalid-wait-context reports: the kernel verdict under the report's configuration, and the culprit", () => {
  it.each(IWC.map((c) => [c.file, c] as const))('%s', (_f, c) => {
    const res = explainText(read(c.file));
    expect(res.exitCode).toBe(0);
    const r = ok(res.reports[c.n]);
    const s = r.scenario;
    expect(r.kind).toBe('invalid-wait-context');
    expect(s.task?.comm).toBe(c.task);
    expect(s.proveRawLockNesting.value).toBe(c.prove);
    expect(s.context.value).toBe(c.ctx);
    expect(s.lock?.name).toBe(c.lock);
    expect(s.held.map((h) => h.name)).toEqual(c.held);
    expect(s.culprit?.name ?? null).toBe(c.culprit);
    // kernel verdict: the report fired under its own configuration
    expect(r.reproduced).toBe(true);
    expect(r.replayedCulprit).toBe(c.culprit);
  });
});

describe('what real reports carry', () => {
  it('syzbot inline duplicates fold into one lock per `#N:`, keeping every site and the trylock', () => {
    const r = ok(explainText(read('iwc-syzbot-hardirq-6.12-inline.txt')).reports[0]);
    const p = parseReports(read('iwc-syzbot-hardirq-6.12-inline.txt')).reports[0];
    if (isParseError(p)) throw new Error(p.message);
    expect(p.held?.map((h) => h.sites.length)).toEqual([2, 4, 1]);
    expect(p.held?.[1].at).toBe('get_page_from_freelist+0x350/0x2f80 mm/page_alloc.c:3471');
    expect(r.scenario.held[1]).toMatchObject({
      name: '&pcp->lock',
      type: 'spinlock',
      trylock: true,
    });
    expect(r.scenario.lock?.at).toBe('get_page_from_freelist+0xbbe/0x2f80 mm/page_alloc.c:3471');
    // a timer interrupt is never threaded: the verdict holds on PREEMPT_RT too
    expect(r.verdicts.find((v) => v.id === 'rt/prove')!.kinds).toContain('invalid-wait-context');
  });
  it('the backtrace names the primitive: arm32 `(func) from` frames, arm64 `Call trace:`, interleaved log lines skipped', () => {
    const arm32 = parseReports(read('iwc-rn5t618-noprove-5.8-arm32.txt')).reports[0];
    if (isParseError(arm32)) throw new Error(arm32.message);
    expect(arm32.backtrace.slice(0, 6)).toEqual([
      'unwind_backtrace',
      'show_stack',
      'dump_stack',
      '__lock_acquire',
      'lock_acquire',
      '__mutex_lock',
    ]);
    const hikey = parseReports(read('iwc-hikey960-5.7-wrapped-interleaved.txt')).reports[0];
    if (isParseError(hikey)) throw new Error(hikey.message);
    expect(hikey.backtrace).toContain('handle_percpu_devid_irq+0xe0/0x460');
    expect(hikey.backtrace.some((f) => /VFS|pnp/.test(f))).toBe(false);
    expect(hikey.cpu).toBe(1);
  });
  it('quoted-printable mail with CRLF: soft line breaks joined, =3D decoded', () => {
    const r = ok(explainText(read('iwc-krc-lock-5.9-quoted-printable-crlf.txt')).reports[0]);
    expect(r.scenario.held[2]).toMatchObject({
      name: 'reservation_ww_class_mutex',
      outer: 4,
      inner: 4,
    });
    expect(r.scenario.lock?.at).toBe('get_page_from_freelist+0x6ed/0x1e10');
  });
  it('recognises PREEMPT_RT from `spin_lock include/linux/spinlock_rt.h` and the v6.15+ PREEMPT_{RT,(full)} banner', () => {
    const r = ok(explainText(read('sleeping-rt-syzbot-spinlock-rt.txt')).reports[0]);
    expect(r.kind).toBe('sleeping-in-atomic');
    expect(r.scenario.preempt.value).toBe('rt');
    expect(r.scenario.lock?.name).toBe('&dum_hcd->dum->lock');
    expect(r.scenario.atomic).toEqual({ preemptCount: 0, irqsDisabled: true, rcuDepth: 0 });
    expect(r.reproduced).toBe(true);
  });
  it('sleeping in atomic before v5.16 (no preempt_count line): the held spinlock_t explains in_atomic()', () => {
    const r = ok(
      explainText(read('syzbot-af-unix-5.14-sleeping-and-iwc-deep-quote.txt')).reports[0],
    );
    expect(r.kind).toBe('sleeping-in-atomic');
    // spin_lock() from spinlock.h printed {2:2}: a spinlock_t in the =n numbering
    expect(r.scenario.held.map((h) => [h.name, h.type])).toEqual([
      ['&u->iolock', 'mutex'],
      ['&u->lock', 'spinlock'],
    ]);
    expect(r.scenario.proveRawLockNesting.value).toBe(false);
    expect(r.reproduced).toBe(true);
  });
  it('scheduling while atomic: lockdep turned off, softirq offset, RT; the gap is named, never silent', () => {
    const res = explainText(read('sched-atomic-rt-lockdep-off-softirq-syzbot.txt'));
    expect(res.exitCode).toBe(0);
    const [rt, soft, ext4] = res.reports.map(ok);
    expect(rt.scenario.preempt.value).toBe('rt');
    expect(rt.scenario.notes.join('\n')).toMatch(/lockdep is turned off/);
    expect(soft.scenario.context.value).toBe('softirq');
    expect(soft.scenario.atomic?.preemptCount).toBe(0x101);
    expect(ext4.scenario.held.map((h) => h.name)).toEqual([
      'sb_writers#4',
      '&sb->s_type->i_mutex_key#7',
      '&ei->xattr_sem',
      '&ei->i_data_sem',
      '&ei->i_raw_lock',
    ]);
    // `i_raw_lock` is a spinlock_t: the printed site (spin_lock, spinlock.h) beats the name
    expect(ext4.scenario.held[4].type).toBe('spinlock');
    for (const r of [rt, soft, ext4]) expect(r.reproduced).toBe(true);
  });
  it('a held-lock header with fewer lines than announced is explained as far as it goes, with the gap named', () => {
    const text = read('iwc-io-uring-6.13-raw-timeout-lock.txt').replace(/^ #[45]: .*\n/gm, '');
    const r = ok(explainText(text).reports[0]);
    expect(r.scenario.held).toHaveLength(4);
    expect(r.scenario.notes.join('\n')).toMatch(/6 lock\(s\) announced as held, 4 printed/);
    expect(r.scenario.culprit?.name).toBe('&ctx->timeout_lock');
  });
  it('Rust doctest mutex in a hrtimer: `at: rust_helper_mutex_lock` and `__mutex_lock` in the trace make {3:3} a mutex, so =n', () => {
    const r = ok(explainText(read('iwc-rust-mutex-hardirq-6.11-noprove.txt')).reports[0]);
    expect(r.scenario.lock).toMatchObject({ type: 'mutex', certain: true });
    const ev = r.scenario.proveRawLockNesting.evidence;
    expect(ev).toContainEqual(
      expect.objectContaining({ source: 'acquisition', says: false, weight: 'numbering' }),
    );
    expect(ev.find((e) => e.source === 'acquisition')?.text).toMatch(/rust_helper_mutex_lock/);
    // v6.11: the release only says the default was n; the numbers decide
    expect(ev).toContainEqual(
      expect.objectContaining({ source: 'kernel-version', says: false, weight: 'default' }),
    );
    expect(r.otherReading).toBeNull();
  });
  it('a =n {2:2} lock without a name or site that tells is shown as either spinning type, never as a plain spinlock_t', () => {
    const res = explainText(read('inversion-5.17-wrapped-and-3.18-info.txt'));
    const r = ok(res.reports[0]);
    expect(r.scenario.proveRawLockNesting.value).toBe(false);
    expect(r.scenario.lock).toMatchObject({ name: '_xmit_ETHER#2', certain: false });
    expect(formatExplanation({ reports: [r], exitCode: 0 })).toMatch(
      /_xmit_ETHER#2 \(spinlock_t or raw_spinlock_t\? \{2:2\}\)/,
    );
  });
});

describe('other kinds in real layouts', () => {
  it.each([
    ['circular-syslog-ext4.txt', ['circular-dependency'], 'syz-executor.4'],
    [
      'recursive-5.2-flowed-5.11-syzbot-6.19-ci.txt',
      ['recursive-locking', 'recursive-locking', 'recursive-locking'],
      'kworker/0:3',
    ],
    [
      'inconsistent-6.7-lkp-decoded-and-5.9.txt',
      ['inconsistent-lock-state', 'inconsistent-lock-state'],
      'systemd-udevd',
    ],
    ['irq-order-syzbot-6.8-sockmap.txt', ['irq-unsafe-order'], 'syz-executor.0'],
    ['inversion-5.17-wrapped-and-3.18-info.txt', ['irq-inversion', 'irq-inversion'], 'swapper/0'],
  ] as const)('%s', (file, kinds, task) => {
    const res = explainText(read(file));
    expect(res.exitCode).toBe(0);
    expect(res.reports.map((r) => r.kind)).toEqual(kinds);
    expect(ok(res.reports[0]).scenario.task?.comm).toBe(task);
    // every report of these files replays to its own kind under its configuration
    for (const r of res.reports) expect(ok(r).reproduced).toBe(true);
    expect(formatExplanation(res)).not.toMatch(/undefined/);
    expect((explanationToJson(res) as { reports: unknown[] }).reports).toHaveLength(kinds.length);
  });
  it('circular: the chain, and syslog prefixes with a WARN() after the report that does not join it', () => {
    const r = ok(explainText(read('circular-syslog-ext4.txt')).reports[0]);
    expect(r.scenario.chain.map((c) => c.name)).toEqual(['&ei->i_data_sem', '&ei->xattr_sem']);
    expect(r.scenario.held.map((h) => h.name)).toEqual([
      'sb_writers#4',
      '&sb->s_type->i_mutex_key#7',
      '&ei->xattr_sem',
    ]);
    expect(r.scenario.lock?.type).toBe('rwsem');
  });
  it('recursive: flowed wraps, pre-v5.7 names without wait types, `<4>` levels with printk continuation lines', () => {
    const res = explainText(read('recursive-5.2-flowed-5.11-syzbot-6.19-ci.txt'));
    const [old, syz, ci] = res.reports.map(ok);
    expect(old.scenario.held.map((h) => [h.name, h.type])).toEqual([
      ['(wq_completion)krxrpcd', 'map'],
      ['(work_completion)(&rxnet->peer_keepalive_work)', 'map'],
      ['&(&rxnet->peer_hash_lock)->rlock', 'spinlock'],
    ]);
    expect(old.scenario.lock?.outer).toBeNull();
    expect(syz.scenario.held.map((h) => h.name)).toEqual([
      '&ctx->uring_lock',
      'rcu_read_lock',
      '&runtime->sleep',
      '&runtime->sleep#2',
    ]);
    expect(ci.scenario.preempt.value).toBe('voluntary');
    expect(ci.scenario.lock?.type).toBe('percpu_rwsem');
  });
  it('inconsistent: decoded `func (file.c:12)` sites; the rwlock is recognised from _raw_read_lock/_raw_write_lock', () => {
    const r = ok(explainText(read('inconsistent-6.7-lkp-decoded-and-5.9.txt')).reports[0]);
    expect(r.scenario.lock?.name).toBe('&ep->lock');
    expect(r.scenario.lock?.type).toBe('rwlock');
  });
  it('inversion: a lock name with spaces wrapped by the mail client; v3.18 `[ INFO: ]` layout without held locks', () => {
    const [a, b] = explainText(read('inversion-5.17-wrapped-and-3.18-info.txt')).reports.map(ok);
    expect(a.scenario.held[4].name).toBe('dev->qdisc_tx_busylock ?: &qdisc_tx_busylock');
    expect(a.scenario.chain.map((c) => c.name)).toEqual(['&dev->lock#2']);
    expect(b.scenario.lock?.name).toBe('((&hw->end_timer))');
    expect(b.scenario.chain.map((c) => c.name)).toEqual(['&(&priv->lock)->rlock#2']);
  });
});

describe('the other lockdep reports in real layouts (suspicious RCU usage, unlock balance, held locks, limits, DEBUG_LOCKS_WARN_ON)', () => {
  it('a suspicious-RCU report followed by the sleeping-function report it comes with: both explained, exit 0', () => {
    const res = explainText(read('rcu-suspicious-then-sleeping-ext4-kvfree-6.19.txt'));
    expect(res.exitCode).toBe(0);
    expect(res.reports.map((r) => r.kind)).toEqual(['suspicious-rcu-usage', 'sleeping-in-atomic']);
    const [rcu, sleep] = res.reports.map(ok);
    expect(rcu.scenario.detail).toMatchObject({
      site: './include/linux/rcupdate.h:409',
      message: 'Illegal context switch in RCU read-side critical section',
      debugLocks: true,
    });
    // rcu_preempt_sleep_check() exists only without PREEMPT_RCU: replayed as PREEMPT_VOLUNTARY
    expect(rcu.scenario.origin.preempt).toBe('voluntary');
    expect(rcu.scenario.held.map((h) => h.name)).toEqual(['rcu_read_lock']);
    expect(rcu.scenario.notes.join('\n')).toMatch(
      /no held locks: rcu_read_lock\(\) is assumed held/,
    );
    expect(rcu.reproduced).toBe(true);
    // not under PREEMPT_RCU, where the RCU nest depth of __might_resched() catches it instead
    expect(rcu.verdicts.find((v) => v.id === 'full/prove')!.kinds).toEqual(['sleeping-in-atomic']);
    expect(sleep.scenario.task).toEqual({ comm: 'umount', pid: 556 });
    expect(sleep.reproduced).toBe(true);
  });

  it('syzbot RCU-bh with debug_locks = 0 is the false positive the kernel names: explained, not reproducible; timestamps + caller ids; rcu_dereference_check() is explained in words', () => {
    const res = explainText(read('rcu-suspicious-syzbot-bh-lkp-afs-brcmfmac.txt'));
    expect(res.exitCode).toBe(0);
    expect(res.reports.map((r) => r.kind)).toEqual([
      'suspicious-rcu-usage',
      'suspicious-rcu-usage',
      'sleeping-in-atomic',
      'suspicious-rcu-usage',
    ]);
    const [bh, afs, sleep, deref] = res.reports.map(ok);
    // syzbot's `#0: ` alone on its line, then the inline frames without the index
    expect(bh.scenario.held.map((h) => h.name)).toEqual([
      '&acct->lock#2',
      'sb_writers#5',
      '&sb->s_type->i_mutex_key#10',
    ]);
    expect(bh.scenario.detail).toMatchObject({
      message: 'Illegal context switch in RCU-bh read-side critical section',
      debugLocks: false,
      falsePositive: true,
    });
    expect(bh.scenario.reproducible).toBe(false);
    expect(bh.reproduced).toBe(false);
    expect(formatExplanation({ reports: [bh], exitCode: 0 })).toMatch(/possible false positive/);
    expect(afs.scenario.held.map((h) => h.name)).toEqual([
      '&f->f_pos_lock',
      '&p->lock',
      'rcu_read_lock',
    ]);
    expect(afs.scenario.proveRawLockNesting.value).toBe(false);
    expect(afs.reproduced).toBe(true);
    expect(sleep.reproduced).toBe(true);
    expect(deref.scenario.detail).toMatchObject({
      site: 'net/wireless/reg.c:144',
      message: 'suspicious rcu_dereference_check() usage',
    });
    expect(deref.scenario.reproducible).toBe(false);
    expect(deref.scenario.held.map((h) => h.name)).toEqual([
      '(wq_completion)events',
      '(work_completion)(&fw_work->work)',
    ]);
    const json = explanationToJson(res) as {
      reports: { reproducible: boolean; verdicts: unknown[] }[];
    };
    expect(json.reports.map((r) => r.reproducible)).toEqual([false, true, true, false]);
    for (const r of json.reports) expect(r.verdicts).toHaveLength(8);
  });

  it('bad unlock balance, lock held when returning to user space, still has locks held, held lock freed', () => {
    const res = explainText(read('bad-unlock-held-at-exit-freed-syzbot.txt'));
    expect(res.exitCode).toBe(0);
    expect(res.reports.map((r) => r.kind)).toEqual([
      'bad-unlock-balance',
      'lock-held-at-exit',
      'lock-held-at-exit',
      'held-lock-freed',
    ]);
    const [unlock, user, pulse, freed] = res.reports.map(ok);
    expect(unlock.scenario.task).toEqual({ comm: 'kworker/u8:4', pid: 67 });
    expect(unlock.scenario.detail).toEqual({
      lockName: '&q->q_usage_counter(queue)',
      at: 'elevator_init_mq+0x1e2/0x2d0 block/elevator.c:607',
    });
    expect(unlock.scenario.held.map((h) => h.name)).toEqual([
      '(wq_completion)async',
      '(work_completion)(&entry->work)',
      '&dev->mutex',
    ]);
    expect(user.scenario.detail).toEqual({ returningToUser: true });
    expect(user.scenario.task).toEqual({ comm: 'syz-executor312', pid: 5227 });
    expect(user.scenario.held[0]).toMatchObject({ name: '&fi->i_gc_rwsem[READ]', type: 'rwsem' });
    expect(user.scenario.notes.join('\n')).toMatch(/lockdep_sys_exit/);
    expect(pulse.scenario.task).toEqual({ comm: 'pulseaudio', pid: 1297 });
    expect(pulse.scenario.detail).toEqual({ returningToUser: false });
    expect(freed.scenario.lock?.name).toBe('&uprobe->register_rwsem');
    expect(freed.scenario.detail).toEqual({
      range: { from: 'ffff88801d094000', to: 'ffff88801d0941ff' },
    });
    expect(freed.scenario.trace.events.map((e) => e.op)).toEqual(['lock', 'lock', 'init']);
    for (const r of [unlock, user, pulse, freed]) {
      expect(r.reproduced).toBe(true);
      // none of these depends on the configuration
      for (const v of r.verdicts) expect(v.kinds).toContain(r.kind);
    }
  });

  it('DEBUG_LOCKS_WARN_ON inside a `[ cut here ]` block after a scheduling-while-atomic; MAX_LOCK_DEPTH with a cut list', () => {
    const res = explainText(read('debug-locks-warn-preempt-and-max-lock-depth.txt'));
    expect(res.exitCode).toBe(0);
    expect(res.reports.map((r) => r.kind)).toEqual([
      'scheduling-while-atomic',
      'debug-locks-warning',
      'max-lock-depth',
    ]);
    const [sched, warn, depth] = res.reports.map(ok);
    expect(sched.reproduced).toBe(true);
    // the `WARNING: CPU:` line belongs to the DEBUG_LOCKS_WARN_ON message before it
    expect(warn.scenario.detail).toEqual({
      condition: 'val > preempt_count()',
      where: 'preempt_count_sub',
      file: 'kernel/sched/core.c:3203',
    });
    expect(warn.scenario.task).toEqual({ comm: 'sh', pid: 10900 });
    expect(warn.scenario.trace.events.map((e) => e.op)).toEqual(['preempt_enable']);
    expect(warn.reproduced).toBe(true);
    expect(depth.scenario.detail).toEqual({ depth: 48, max: 48 });
    expect(depth.scenario.held).toHaveLength(48);
    expect(depth.scenario.held.slice(0, 5).map((h) => h.name)).toEqual([
      '(wq_completion)netns',
      'net_cleanup_work',
      'pernet_ops_rwsem',
      'rtnl_mutex',
      '&dev_instance_lock_key#3',
    ]);
    expect(depth.scenario.notes.join('\n')).toMatch(/43 held lock\(s\) are not printed/);
    expect(depth.reproduced).toBe(true);
    expect(formatExplanation(res)).toMatch(
      /#5\.\.#47: not printed \(43 unchecked lockdep_map stand-ins\)/,
    );
  });
});
