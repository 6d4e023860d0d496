/**
 * Importing the text of the kernel's trace buffer (`/sys/kernel/tracing/trace`,
 * `trace_pipe`) or of `trace-cmd report` into trace events (docs/trace-format.md):
 *
 * - lock:lock_acquire (`try ` / `read ` flags) and lock:lock_release become lock/unlock;
 *   a lock event carries no wait type, so a class table (classTable.ts, `--classes`)
 *   says what each name is. Unknown names are declared as unchecked maps and listed.
 * - irq:irq_handler_entry/exit and irq:softirq_entry/exit become interrupt contexts;
 *   preemptirq irq_disable/irq_enable become local_irq_disable()/enable().
 * - The latency flags field (`d..1.`: irqs-off, need-resched, hardirq/softirq, preempt
 *   depth) fills in context and irq state the events do not show.
 * - Every event is attributed to its task (`comm-pid`) and CPU.
 *
 * Conversion is line by line with per-CPU and per-task state only, so a file of any
 * length converts in memory that grows with tasks and lock instances, not lines.
 */
import { createReadStream } from 'fs';
import type { KernelOptions } from '../core/config';
import { validateEvent } from '../trace/ops';
import { Replayer, type ReplayResult } from '../trace/replay';
import {
  validateHeader,
  type LockDecl,
  type Trace,
  type TraceEvent,
  type TraceHeader,
} from '../trace/schema';
import { builtinClassTable, lookupClass, type ClassTable } from './classTable';

/** What an import saw, for the output and for the user to fix their class table. */
export interface FtraceSummary {
  readonly lines: number;
  /** trace events emitted */
  readonly events: number;
  readonly lockEvents: number;
  /** lock names not in the class table: replayed as unchecked maps (wait type INV) */
  readonly unknownLocks: readonly { readonly name: string; readonly events: number }[];
  /** releases of locks the trace never showed being taken (the trace began while they were held) */
  readonly unmatchedReleases: number;
  /** lines that look like trace events but could not be read */
  readonly unreadable: readonly { readonly line: number; readonly text: string }[];
  /** contexts inferred from the latency flags rather than from irq/softirq events */
  readonly inferredContexts: number;
  /** preempt_disable/enable tracepoints seen (counted, not replayed: see docs/interop.md) */
  readonly preemptEvents: number;
  readonly tasks: number;
  readonly cpus: number;
}

// `comm-pid [cpu] flags timestamp: event: fields`, with optional `(tgid)`; flags are
// absent in plain `trace-cmd report` output.
const LINE =
  /^\s*(.+?)-(\d+)\s+(?:\(\s*[\d-]+\)\s+)?\[(\d{1,4})\]\s+(?:([.dDXNnpLbBhsHzZ0-9a-f]{4,5})\s+)?(\d+\.\d+):\s+(?:\w+:)?(\w+):\s?(.*)$/;
const ACQUIRE = /^(?:0x)?([0-9a-f]+)\s+(try\s+)?(read\s+)?(.+)$/i;
const RELEASE = /^(?:0x)?([0-9a-f]+)\s+(.+)$/i;

type Ctx = 'hardirq' | 'softirq';

interface CpuState {
  task: string | null;
  /** interrupt contexts entered on this CPU, innermost last */
  ctx: Ctx[];
  /** whether each hardirq on the stack was synthesized from the flags */
  irqsOff: boolean;
}

/** Per-CPU interrupts that are never force-threaded (timers, IPIs): hard context on every kernel. */
const HARD_IRQ_NAMES =
  /timer|hrtimer|ipi|IPI|apic|arch_timer|^LOC$|^RES$|^CAL$|^TLB$|watchdog|perf/;

const READ_OK = new Set(['rwlock', 'rwsem', 'percpu_rwsem', 'srcu', 'map', 'rcu']);
const TRY_OK = new Set([
  'raw_spinlock',
  'spinlock',
  'mutex',
  'rt_mutex',
  'rwlock',
  'local_lock',
  'rwsem',
  'percpu_rwsem',
  'map',
]);

/** Converts lines one at a time; collects lock declarations as it goes. */
export class FtraceConverter {
  readonly locks: Record<string, LockDecl> = {};
  private readonly kinds = new Map<string, string>();
  private readonly cpus = new Map<number, CpuState>();
  private readonly held = new Map<string, Map<string, number>>();
  private readonly unknown = new Map<string, number>();
  private readonly tasks = new Set<string>();
  private readonly unreadable: { line: number; text: string }[] = [];
  private lines = 0;
  private events = 0;
  private lockEvents = 0;
  private unmatched = 0;
  private inferred = 0;
  private preempt = 0;
  private maxCpu = 0;

  constructor(readonly table: ClassTable = builtinClassTable()) {}

  /** One line of trace text → the trace events it stands for (possibly none). */
  line(text: string, lineNo: number): TraceEvent[] {
    this.lines++;
    // The event regex first: header and comment lines never match it, and trimming
    // every line of a multi-GB trace up front costs more than the match itself.
    const m = text.length === 0 || text.charCodeAt(0) === 35 /* # */ ? null : LINE.exec(text);
    if (!m) {
      if (
        text.startsWith('#') ||
        text.trim() === '' ||
        /^(cpus=|CPU \d+ is empty|version = )/.test(text.trim())
      )
        return [];
      if (
        /lock_acquire|lock_release|irq_handler|softirq_/.test(text) &&
        this.unreadable.length < 20
      )
        this.unreadable.push({ line: lineNo, text: text.trim() });
      return [];
    }
    const [, comm, pid, cpuS, flags, , event, rawFields] = m;
    const fields = rawFields.trim();
    const cpu = Number(cpuS);
    const task = `${comm.trim()}-${pid}`;
    this.tasks.add(task);
    if (cpu > this.maxCpu) this.maxCpu = cpu;
    let st = this.cpus.get(cpu);
    if (!st) {
      st = { task: null, ctx: [], irqsOff: false };
      this.cpus.set(cpu, st);
    }
    const out: TraceEvent[] = [];
    const emit = (op: string, f: Record<string, unknown> = {}) => {
      out.push({ op, task, cpu, ...f });
      this.events++;
    };
    // The idle task and a task switched in start with no interrupt context of their own.
    if (st.task !== task) {
      if (st.ctx.length && st.task !== null) {
        // An interrupt that was still open on the old task's line: close it there.
        for (let k = st.ctx.length - 1; k >= 0; k--)
          out.push({
            op: st.ctx[k] === 'hardirq' ? 'irq_exit' : 'softirq_exit',
            task: st.task,
            cpu,
          });
        st.ctx = [];
      }
      st.task = task;
      st.irqsOff = false;
    }
    if (flags) this.applyFlags(flags, st, event, emit);
    switch (event) {
      case 'lock_acquire': {
        const a = ACQUIRE.exec(fields);
        if (!a) {
          this.bad(lineNo, text);
          break;
        }
        this.acquire(task, `${a[4].trim()}`, a[1], !!a[2], !!a[3], emit);
        break;
      }
      case 'lock_release': {
        const r = RELEASE.exec(fields);
        if (!r) {
          this.bad(lineNo, text);
          break;
        }
        this.release(task, r[2].trim(), r[1], emit);
        break;
      }
      case 'irq_handler_entry': {
        const name = /name=(\S+)/.exec(fields)?.[1] ?? '';
        if (st.ctx[st.ctx.length - 1] !== 'hardirq') {
          emit('irq_enter', { threaded: !HARD_IRQ_NAMES.test(name) });
          st.ctx.push('hardirq');
          st.irqsOff = true;
        }
        break;
      }
      case 'irq_handler_exit':
        // Flags (if any) still show the hardirq; leave it when the next line says so.
        if (!flags && st.ctx[st.ctx.length - 1] === 'hardirq') {
          emit('irq_exit');
          st.ctx.pop();
        }
        break;
      case 'softirq_entry':
        if (st.ctx[st.ctx.length - 1] !== 'softirq') {
          emit('softirq_enter');
          st.ctx.push('softirq');
        }
        break;
      case 'softirq_exit':
        if (st.ctx[st.ctx.length - 1] === 'softirq') {
          emit('softirq_exit');
          st.ctx.pop();
        }
        break;
      case 'irq_disable':
        if (!st.irqsOff) {
          emit('irq_disable');
          st.irqsOff = true;
        }
        break;
      case 'irq_enable':
        if (st.irqsOff && st.ctx[st.ctx.length - 1] !== 'hardirq') {
          emit('irq_enable');
          st.irqsOff = false;
        }
        break;
      case 'preempt_disable':
      case 'preempt_enable':
        this.preempt++;
        break;
      default:
        break;
    }
    return out;
  }

  /** Bring the CPU's context and irq state in line with what the flags field shows. */
  private applyFlags(
    flags: string,
    st: CpuState,
    event: string,
    emit: (op: string, f?: Record<string, unknown>) => void,
  ): void {
    const c = flags[2];
    const wantHard = c === 'h' || c === 'H' || c === 'Z';
    const wantSoft = c === 's' || c === 'H';
    const top = () => st.ctx[st.ctx.length - 1];
    // Leave contexts the flags no longer show (irq_handler_exit lines still show them).
    while ((top() === 'hardirq' && !wantHard) || (top() === 'softirq' && !wantSoft && !wantHard)) {
      emit(top() === 'hardirq' ? 'irq_exit' : 'softirq_exit');
      if (st.ctx.pop() === 'hardirq') st.irqsOff = false;
    }
    if (wantSoft && !st.ctx.includes('softirq') && event !== 'softirq_entry') {
      emit('softirq_enter');
      st.ctx.push('softirq');
      this.inferred++;
    }
    if (wantHard && top() !== 'hardirq' && event !== 'irq_handler_entry') {
      emit('irq_enter', { threaded: true });
      st.ctx.push('hardirq');
      st.irqsOff = true;
      this.inferred++;
    }
    const off = flags[0] === 'd' || flags[0] === 'D';
    if (top() !== 'hardirq' && !(event === 'irq_handler_entry')) {
      if (off && !st.irqsOff && event !== 'irq_disable') {
        emit('irq_disable');
        st.irqsOff = true;
      } else if (!off && flags[0] === '.' && st.irqsOff && event !== 'irq_enable') {
        emit('irq_enable');
        st.irqsOff = false;
      }
    }
  }

  private bad(lineNo: number, text: string): void {
    if (this.unreadable.length < 20) this.unreadable.push({ line: lineNo, text: text.trim() });
  }

  /** The trace lock for a (name, address): its kind, declared on first use. */
  private declare(name: string, addr: string): { lock: string; kind: string } {
    const e = lookupClass(this.table, name);
    if (e && e.kind === 'pseudo' && e.type !== 'local_bh') return { lock: e.type, kind: 'rcu' };
    // One trace lock per instance (address), all in the class of their name: lockdep
    // keys classes by name here, and instances matter for recursion.
    const inst = `${name}@${addr}`;
    let kind = this.kinds.get(inst);
    if (!kind) {
      let decl: LockDecl;
      if (!e) {
        decl = { wait: { inner: 'inv' }, class: name };
        kind = 'map';
      } else if (e.kind === 'pseudo') {
        decl = { wait: { inner: 'config', outer: 'free' }, lockType: 'percpu', class: name };
        kind = 'map';
      } else if (e.kind === 'map') {
        decl = { ...e.decl, class: name } as LockDecl;
        kind = 'map';
      } else {
        decl = { type: e.type, class: name };
        kind = e.type;
      }
      this.locks[inst] = decl;
      this.kinds.set(inst, kind);
    }
    return { lock: inst, kind };
  }

  private acquire(
    task: string,
    name: string,
    addr: string,
    trylock: boolean,
    read: boolean,
    emit: (op: string, f?: Record<string, unknown>) => void,
  ): void {
    this.lockEvents++;
    if (!lookupClass(this.table, name)) this.unknown.set(name, (this.unknown.get(name) ?? 0) + 1);
    const { lock, kind } = this.declare(name, addr);
    const f: Record<string, unknown> = { lock };
    if (read && READ_OK.has(kind)) f.read = true;
    if (kind === 'rcu' || kind === 'srcu') f.read = true;
    if (trylock && TRY_OK.has(kind) && !(read && (kind === 'percpu_rwsem' || kind === 'srcu')))
      f.try = true;
    emit('lock', f);
    const h = this.held.get(task) ?? new Map<string, number>();
    h.set(lock, (h.get(lock) ?? 0) + 1);
    this.held.set(task, h);
  }

  private release(
    task: string,
    name: string,
    addr: string,
    emit: (op: string, f?: Record<string, unknown>) => void,
  ): void {
    this.lockEvents++;
    const e = lookupClass(this.table, name);
    const lock = e && e.kind === 'pseudo' && e.type !== 'local_bh' ? e.type : `${name}@${addr}`;
    const h = this.held.get(task);
    const n = h?.get(lock) ?? 0;
    if (!h || n === 0) {
      this.unmatched++;
      return;
    }
    if (n === 1) h.delete(lock);
    else h.set(lock, n - 1);
    if (!lookupClass(this.table, name)) this.unknown.set(name, (this.unknown.get(name) ?? 0) + 1);
    emit('unlock', { lock });
  }

  summary(): FtraceSummary {
    return {
      lines: this.lines,
      events: this.events,
      lockEvents: this.lockEvents,
      unknownLocks: [...this.unknown.entries()]
        .map(([name, events]) => ({ name, events }))
        .sort((a, b) => b.events - a.events || a.name.localeCompare(b.name)),
      unmatchedReleases: this.unmatched,
      unreadable: this.unreadable,
      inferredContexts: this.inferred,
      preemptEvents: this.preempt,
      tasks: this.tasks.size,
      cpus: this.maxCpu + 1,
    };
  }

  /** The trace header for what was converted so far. */
  header(description: string): TraceHeader {
    return {
      'lockdep-trace': 1,
      description,
      config: { cpus: Math.max(2, this.maxCpu + 1) },
      locks: { ...this.locks },
      meta: { source: 'ftrace', importer: 'lockdep interop' },
    };
  }
}

/** Convert trace text held in memory (tests, small files). */
export function ftraceToTrace(
  text: string,
  table: ClassTable = builtinClassTable(),
): { trace: Trace; summary: FtraceSummary } {
  const c = new FtraceConverter(table);
  const events: TraceEvent[] = [];
  text.split('\n').forEach((l, i) => events.push(...c.line(l.replace(/\r$/, ''), i + 1)));
  return { trace: { ...c.header('imported from ftrace text'), events }, summary: c.summary() };
}

/** Progress while streaming: lines read so far. */
export type ProgressFn = (lines: number, pass: 1 | 2) => void;

export interface FtraceCheckOptions {
  readonly classes?: ClassTable | undefined;
  /** kernel options over the imported trace's config (what `check` flags do) */
  readonly overrides?: KernelOptions | undefined;
  readonly onProgress?: ProgressFn | undefined;
  /** call onProgress every this many lines (default 1<<16) */
  readonly progressEvery?: number | undefined;
}

export interface FtraceCheckResult {
  readonly result: ReplayResult;
  readonly summary: FtraceSummary;
  readonly header: TraceHeader;
}

/**
 * Call `fn` for every line of a file, streamed in chunks. Lines are handed over
 * synchronously within each chunk: an async iterator per line (readline's) costs a
 * promise per line, which dominated the import of large traces.
 */
function forEachLine(path: string, fn: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const input = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
    let rest = '';
    input.on('data', (chunk: string | Buffer) => {
      const text = rest + (typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
      let from = 0;
      for (let nl = text.indexOf('\n', from); nl >= 0; nl = text.indexOf('\n', from)) {
        const end = nl > from && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
        fn(text.slice(from, end));
        from = nl + 1;
      }
      rest = text.slice(from);
    });
    input.on('error', reject);
    input.on('end', () => {
      if (rest !== '') fn(rest.endsWith('\r') ? rest.slice(0, -1) : rest);
      resolve();
    });
  });
}

/**
 * Replay an ftrace text file in two streamed passes: the first declares the locks (the
 * trace header needs them), the second replays event by event. Memory holds lock
 * instances, tasks and CPUs, never the events.
 */
export async function checkFtraceFile(
  path: string,
  options: FtraceCheckOptions = {},
): Promise<FtraceCheckResult> {
  const table = options.classes ?? builtinClassTable();
  const every = options.progressEvery ?? 1 << 16;
  const first = new FtraceConverter(table);
  let n = 0;
  await forEachLine(path, (l) => {
    first.line(l, ++n);
    if (options.onProgress && n % every === 0) options.onProgress(n, 1);
  });
  const header = first.header(`imported from ${path}`);
  const decls = validateHeader({ ...header, events: [] }, false);
  const replayer = new Replayer(header, decls, { overrides: options.overrides });
  const second = new FtraceConverter(table);
  let index = 0;
  n = 0;
  await forEachLine(path, (l) => {
    for (const ev of second.line(l, ++n)) {
      replayer.apply(validateEvent(ev, decls, `/events/${index}`), index);
      index++;
    }
    if (options.onProgress && n % every === 0) options.onProgress(n, 2);
  });
  return { result: replayer.result(), summary: second.summary(), header };
}

/** Human-readable lines about the import (printed after the violations). */
export function formatFtraceSummary(s: FtraceSummary): string[] {
  const out = [
    `ftrace import: ${s.lines} lines, ${s.lockEvents} lock events, ${s.events} trace events, ${s.tasks} tasks on ${s.cpus} CPUs`,
  ];
  if (s.unknownLocks.length) {
    out.push(
      `unknown lock names (replayed as unchecked maps, wait type INV; add them to --classes): ${s.unknownLocks.length}`,
    );
    for (const u of s.unknownLocks.slice(0, 50)) out.push(`  ${u.name} (${u.events} events)`);
    if (s.unknownLocks.length > 50) out.push(`  ... and ${s.unknownLocks.length - 50} more`);
  }
  if (s.unmatchedReleases)
    out.push(`releases of locks taken before the trace began (skipped): ${s.unmatchedReleases}`);
  if (s.inferredContexts)
    out.push(`interrupt contexts inferred from the latency flags: ${s.inferredContexts}`);
  if (s.preemptEvents)
    out.push(`preempt_disable/enable tracepoints (not replayed): ${s.preemptEvents}`);
  for (const u of s.unreadable) out.push(`unreadable line ${u.line}: ${u.text}`);
  return out;
}
