/**
 * The rest of the kernel the models need around the lock primitives: a clock, hrtimers
 * (fired in hard interrupt context), workqueues (work items run by kworker tasks in
 * process context) and a way to run code as another task on a CPU and come back.
 *
 * Everything is deterministic: time moves only when a scenario says so, timers and work
 * run only from runPending()/advance(). Code run here is plain primitive calls, so
 * whatever it does wrong is reported by the validator like any other code.
 */
import type { Kernel } from '../kernel';
import { UsageError } from '../core/errors';

/** A workqueue as the models use it (system_wq, system_highpri_wq, rcu_reclaim_wq...). */
export interface WorkqueueDef {
  readonly name: string;
  /** kworker name pattern: per-CPU `kworker/N:1` (+`H` for highpri) or unbound `kworker/uN:1` */
  readonly kind: 'percpu' | 'highpri' | 'unbound';
}

export const SYSTEM_WQ: WorkqueueDef = { name: 'events', kind: 'percpu' };
export const SYSTEM_HIGHPRI_WQ: WorkqueueDef = { name: 'events_highpri', kind: 'highpri' };

/** struct delayed_work (a plain work_struct is one with delay 0). */
export class DelayedWork {
  pending = false;
  /** expiry time in ms */
  expires = 0;
  cpu = 0;
  wq: WorkqueueDef = SYSTEM_WQ;
  /** times the work function ran */
  runs = 0;
  constructor(
    readonly name: string,
    readonly fn: () => void,
  ) {}
}

/** struct hrtimer: the callback runs in hard interrupt context on the CPU that armed it. */
export class HrTimer {
  armed = false;
  expires = 0;
  cpu = 0;
  fires = 0;
  constructor(
    readonly name: string,
    readonly fn: () => void,
  ) {}
}

/** Something deferred to softirq context on a CPU (RCU callback invocation). */
interface SoftirqItem {
  readonly cpu: number;
  readonly fn: () => void;
}

export class ModelEnv {
  /** milliseconds since boot (HZ=1000: one jiffy is one ms) */
  now = 0;
  private readonly works: DelayedWork[] = [];
  private readonly timers: HrTimer[] = [];
  private readonly softirqs: SoftirqItem[] = [];
  /** hooks run by runPending() before work items (kswapd and the like) */
  private readonly daemons: Array<() => boolean> = [];

  constructor(readonly kernel: Kernel) {}

  /** msecs_to_jiffies() */
  msToJiffies(ms: number): number {
    return Math.max(0, Math.round(ms));
  }

  // ---------------------------------------------------------------------------------
  // Work items

  /**
   * queue_delayed_work() / mod_delayed_work(): returns false if already pending (queue) —
   * `mod` re-arms it with the new delay instead.
   */
  queueDelayedWork(wq: WorkqueueDef, w: DelayedWork, delayMs: number, mod = false): boolean {
    if (w.pending && !mod) return false;
    const was = w.pending;
    w.pending = true;
    w.wq = wq;
    w.cpu = this.kernel.cpu;
    w.expires = this.now + Math.max(0, delayMs);
    if (!was) this.works.push(w);
    return !was;
  }

  queueWork(wq: WorkqueueDef, w: DelayedWork): boolean {
    return this.queueDelayedWork(wq, w, 0);
  }

  /** delayed_work_pending() */
  isPending(w: DelayedWork): boolean {
    return w.pending;
  }

  // ---------------------------------------------------------------------------------
  // hrtimers

  /** hrtimer_start(timer, delay, HRTIMER_MODE_REL) on the current CPU. */
  hrtimerStart(t: HrTimer, delayMs: number): void {
    t.expires = this.now + Math.max(0, delayMs);
    t.cpu = this.kernel.cpu;
    if (!t.armed) this.timers.push(t);
    t.armed = true;
  }

  /** Defer `fn` to softirq context on the current CPU (raise_softirq()). */
  raiseSoftirq(fn: () => void, cpu = this.kernel.cpu): void {
    this.softirqs.push({ cpu, fn });
  }

  /** Register something that runs with the workers (kswapd); returns true if it did work. */
  addDaemon(fn: () => boolean): void {
    this.daemons.push(fn);
  }

  // ---------------------------------------------------------------------------------
  // Running code elsewhere

  /** Can `cpu` be taken over now (its current task preemptible: no preempt count, irqs on)? */
  cpuAvailable(cpu: number, needIrqsOn = false): boolean {
    return this.kernel.host.cpuAvailable(cpu, needIrqsOn);
  }

  /**
   * Run `fn` as task `comm` on `cpu`, then put back what ran there and the CPU the caller
   * was on. The task being replaced must be preemptible (callers check cpuAvailable()).
   */
  runAsTask<T>(comm: string, cpu: number, fn: () => T): T {
    return this.kernel.host.runAsTask(comm, cpu, fn);
  }

  /** Run `fn` in hard interrupt context on `cpu` (on top of whatever runs there). */
  runInHardirq(cpu: number, fn: () => void): void {
    this.kernel.host.onCpu(cpu, () => this.kernel.hardirq(fn));
  }

  private workerName(w: DelayedWork): string {
    switch (w.wq.kind) {
      case 'percpu':
        return `kworker/${w.cpu}:1`;
      case 'highpri':
        return `kworker/${w.cpu}:1H`;
      default:
        return `kworker/u${this.kernel.cpus * 2}:1`;
    }
  }

  /**
   * Fire expired hrtimers, raised softirqs, daemons and due work items until nothing is
   * left to do at the current time. Items whose CPU is busy (atomic) stay queued.
   * Returns the number of items run.
   */
  runPending(maxRounds = 10000): number {
    return this.kernel.host.op(() => {
      let ran = 0;
      for (let round = 0; round < maxRounds; round++) {
        let progress = false;
        for (const t of this.timers.slice()) {
          if (!t.armed || t.expires > this.now || !this.cpuAvailable(t.cpu, true)) continue;
          this.timers.splice(this.timers.indexOf(t), 1);
          t.armed = false;
          t.fires++;
          this.runInHardirq(t.cpu, t.fn);
          ran++;
          progress = true;
        }
        for (const s of this.softirqs.slice()) {
          if (!this.cpuAvailable(s.cpu)) continue;
          this.softirqs.splice(this.softirqs.indexOf(s), 1);
          this.runAsTask(`ksoftirqd/${s.cpu}`, s.cpu, () => this.kernel.softirq(s.fn));
          ran++;
          progress = true;
        }
        for (const d of this.daemons)
          if (d()) {
            ran++;
            progress = true;
          }
        for (const w of this.works.slice()) {
          if (!w.pending || w.expires > this.now) continue;
          const cpu = w.wq.kind === 'unbound' ? this.firstAvailableCpu(w.cpu) : w.cpu;
          if (cpu < 0 || !this.cpuAvailable(cpu)) continue;
          this.works.splice(this.works.indexOf(w), 1);
          w.pending = false;
          w.runs++;
          this.runAsTask(this.workerName(w), cpu, w.fn);
          ran++;
          progress = true;
        }
        if (!progress) break;
      }
      return ran;
    });
  }

  private firstAvailableCpu(preferred: number): number {
    if (this.cpuAvailable(preferred)) return preferred;
    for (let c = 0; c < this.kernel.cpus; c++) if (this.cpuAvailable(c)) return c;
    return -1;
  }

  /** The earliest pending timer or work expiry after now, or null. */
  nextEvent(): number | null {
    let next: number | null = null;
    for (const t of this.timers)
      if (t.armed && (next === null || t.expires < next)) next = t.expires;
    for (const w of this.works)
      if (w.pending && (next === null || w.expires < next)) next = w.expires;
    return next;
  }

  /** Move time forward by `ms`, running everything that falls due on the way. */
  advance(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0)
      throw new UsageError(`advance: expected a non-negative number of ms, got ${ms}`);
    const end = this.now + ms;
    let ran = this.runPending();
    for (;;) {
      const next = this.nextEvent();
      if (next === null || next > end) break;
      if (next > this.now) this.now = next;
      const r = this.runPending();
      ran += r;
      if (r === 0 && next <= this.now) break;
    }
    this.now = end;
    return ran + this.runPending();
  }

  /** Items still queued (timers, softirq items, works). */
  pendingCount(): number {
    return (
      this.timers.filter((t) => t.armed).length +
      this.softirqs.length +
      this.works.filter((w) => w.pending).length
    );
  }
}
