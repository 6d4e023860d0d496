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
import type { KernelOptions } from '../core/config';
import { validateEvent } from '../trace/ops';
import { Replayer, type ReplayResult } from '../trace/replay';
import {
  TraceIssue,
  validateHeader,
  type DeclaredLock,
  type TraceDecls,
  type LockDecl,
  type Trace,
  type TraceEvent,
  type TraceHeader,
} from '../trace/schema';
import { builtinClassTable, lookupClass, type ClassEntry, type ClassTable } from './classTable';
import { InteropError } from './errors';
import { asError, forEachLine } from './lineReader';

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

/** NR_CPUS can be set up to 8192 (CONFIG_NR_CPUS_RANGE_END with MAXSMP). */
const FTRACE_MAX_CPUS = 8192;

/** The columns of one event line, as offsets into it (no substring is made until needed). */
interface EventLine {
  comm: string;
  pid: number;
  cpu: number;
  /** latency flags (`d..1.`), or '' when the line has none (`trace-cmd report`) */
  flags: string;
  event: string;
  /** where the event's fields start */
  fields: number;
}

const isWs = (c: number): boolean => c === 32 || (c >= 9 && c <= 13);
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isWord = (c: number): boolean =>
  (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || isDigit(c) || c === 95;
// the latency-format flag characters: irqs-off, need-resched, hardirq/softirq, preempt depth
const FLAG_CHARS = new Uint8Array(128);
for (const ch of '.dDXNnpLbBhsHzZ0123456789abcdef') FLAG_CHARS[ch.charCodeAt(0)] = 1;

function skipWs(s: string, i: number): number {
  while (i < s.length && isWs(s.charCodeAt(i))) i++;
  return i;
}

/**
 * `-pid [(tgid)] [cpu]` after a comm, starting at the `-`: the offset after `]`, or -1.
 * Scans digits, blanks and the tgid only, none of which holds the next candidate `-`
 * except inside the tgid, so trying every `-` of a line stays linear.
 */
function taskColumns(s: string, dash: number, out: EventLine): number {
  let j = dash + 1;
  const pidStart = j;
  let pid = 0;
  for (let c = s.charCodeAt(j); isDigit(c); c = s.charCodeAt(++j)) pid = pid * 10 + c - 48;
  if (j === pidStart || j - pidStart > 10) return -1;
  const ws = j;
  j = skipWs(s, j);
  if (j === ws) return -1;
  if (s.charCodeAt(j) === 40 /* ( */) {
    j = skipWs(s, j + 1);
    const t = j;
    while (j < s.length && (isDigit(s.charCodeAt(j)) || s.charCodeAt(j) === 45)) j++;
    if (j === t || s.charCodeAt(j) !== 41 /* ) */) return -1;
    const w = ++j;
    j = skipWs(s, j);
    if (j === w) return -1;
  }
  if (s.charCodeAt(j) !== 91 /* [ */) return -1;
  const c = ++j;
  let cpu = 0;
  for (let d = s.charCodeAt(j); isDigit(d); d = s.charCodeAt(++j)) cpu = cpu * 10 + d - 48;
  if (j === c || j - c > 5 || s.charCodeAt(j) !== 93 /* ] */) return -1;
  out.pid = pid;
  out.cpu = cpu;
  return j + 1;
}

/** The events the converter reads, interned: no substring per line for them. */
const KNOWN_EVENTS = [
  'lock_acquire',
  'lock_release',
  'irq_handler_entry',
  'irq_handler_exit',
  'softirq_entry',
  'softirq_exit',
  'irq_disable',
  'irq_enable',
  'preempt_disable',
  'preempt_enable',
];

function sameAt(s: string, at: number, word: string): boolean {
  for (let i = 0; i < word.length; i++)
    if (s.charCodeAt(at + i) !== word.charCodeAt(i)) return false;
  return true;
}

function eventName(s: string, start: number, end: number): string {
  const n = end - start;
  for (const e of KNOWN_EVENTS) if (e.length === n && sameAt(s, start, e)) return e;
  return s.slice(start, end);
}

/** `flags timestamp: [system:]event:` after the CPU column; false when it is not that. */
function eventColumns(s: string, i: number, out: EventLine): boolean {
  let j = skipWs(s, i);
  if (j === i) return false;
  // a 4-5 character token of flag characters followed by a blank is the flags column
  let k = j;
  while (k < s.length && k - j <= 5) {
    const c = s.charCodeAt(k);
    if (c >= 128 || !FLAG_CHARS[c]) break;
    k++;
  }
  out.flags = '';
  if (k - j >= 4 && k - j <= 5 && k < s.length && isWs(s.charCodeAt(k))) {
    out.flags = s.slice(j, k);
    j = skipWs(s, k);
  }
  // timestamp \d+\.\d+:
  k = j;
  while (k < s.length && isDigit(s.charCodeAt(k))) k++;
  if (k === j || s.charCodeAt(k) !== 46 /* . */) return false;
  const frac = ++k;
  while (k < s.length && isDigit(s.charCodeAt(k))) k++;
  if (k === frac || s.charCodeAt(k) !== 58 /* : */) return false;
  j = skipWs(s, k + 1);
  if (j === k + 1) return false;
  // [system:]event:
  k = j;
  while (k < s.length && isWord(s.charCodeAt(k))) k++;
  if (k === j || s.charCodeAt(k) !== 58) return false;
  let evStart = j;
  let evEnd = k;
  let m = k + 1;
  while (m < s.length && isWord(s.charCodeAt(m))) m++;
  if (m > k + 1 && s.charCodeAt(m) === 58) {
    evStart = k + 1;
    evEnd = m;
  }
  out.event = eventName(s, evStart, evEnd);
  let f = evEnd + 1;
  if (f < s.length && isWs(s.charCodeAt(f))) f++;
  out.fields = f;
  return true;
}

/**
 * Read `comm-pid [(tgid)] [cpu] [flags] timestamp: [system:]event: fields`. A comm may
 * itself hold `-` (`kworker/u8:3-events`) and blanks: the task is split at the first `-`
 * whose pid, CPU and event columns all follow. Linear in the line's length: each
 * candidate `-` is tried once and a failed try never scans past the next one.
 */
export function readEventLine(s: string, out: EventLine): boolean {
  const start = skipWs(s, 0);
  for (let dash = s.indexOf('-', start + 1); dash >= 0; dash = s.indexOf('-', dash + 1)) {
    const after = taskColumns(s, dash, out);
    if (after < 0 || !eventColumns(s, after, out)) continue;
    out.comm = s.slice(start, dash).trim();
    return true;
  }
  return false;
}

/** `<addr> [try ][read ]<name>` (lock_acquire) or `<addr> <name>` (lock_release). */
interface LockFields {
  addr: string;
  trylock: boolean;
  read: boolean;
  name: string;
  /** offset of the name in the line */
  nameAt: number;
}

function readLockFields(s: string, from: number, acquire: boolean, out: LockFields): boolean {
  let i = skipWs(s, from);
  if (s.charCodeAt(i) === 48 && (s.charCodeAt(i + 1) | 32) === 120 /* 0x */) i += 2;
  const a = i;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i) | 32;
    if (!(isDigit(c) || (c >= 97 && c <= 102))) break;
  }
  if (i === a) return false;
  out.addr = s.slice(a, i);
  const w = i;
  i = skipWs(s, i);
  if (i === w) return false;
  out.trylock = false;
  out.read = false;
  if (acquire) {
    if (s.startsWith('try', i) && isWs(s.charCodeAt(i + 3)) && skipWs(s, i + 3) < s.length) {
      out.trylock = true;
      i = skipWs(s, i + 3);
    }
    if (s.startsWith('read', i) && isWs(s.charCodeAt(i + 4)) && skipWs(s, i + 4) < s.length) {
      out.read = true;
      i = skipWs(s, i + 4);
    }
  }
  const name = s.slice(i).trimEnd();
  if (name === '') return false;
  out.name = name;
  out.nameAt = i;
  return true;
}

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

type Emit = (op: string, f?: Record<string, unknown>) => void;

/** A lock name's class table entry, its instances by address, its events if unknown. */
interface NameRecord {
  readonly entry: ClassEntry | null;
  readonly byAddr: Map<string, Instance>;
  unknownEvents: number;
}

/** A lock instance of the trace: its name there and its kind. */
interface Instance {
  readonly lock: string;
  readonly kind: string;
}

/** Lines that are not events and need no word: comments, blank lines, trace-cmd headers. */
const QUIET_LINE = /^(?:cpus=|CPU \d+ is empty|version = )/;
const EVENTISH = /lock_acquire|lock_release|irq_handler|softirq_/;

/** Converts lines one at a time; collects lock declarations as it goes. */
export class FtraceConverter {
  readonly locks: Record<string, LockDecl> = {};
  /** name → address → trace lock: one lookup per event, no key string built per event */
  private readonly names = new Map<string, NameRecord>();
  private readonly cpus = new Map<number, CpuState>();
  private readonly held = new Map<string, Map<string, number>>();
  /** pid → task name: a task is its pid, named by the comm it was first seen with */
  private readonly tasks = new Map<number, string>();
  /** tasks met whose first event has not yet carried their pid */
  private readonly pendingPid = new Map<string, number>();
  private readonly unreadable: { line: number; text: string }[] = [];
  private lines = 0;
  private events = 0;
  private lockEvents = 0;
  private unmatched = 0;
  private inferred = 0;
  private preempt = 0;
  private maxCpu = 0;
  /** CPU count from a `cpus=N` (trace-cmd) or `#P:N` (trace buffer) header line, 0 if none */
  private cpuHint = 0;
  // the line being converted: its events go to `out`
  private out: TraceEvent[] = [];
  private curTask = '';
  private curCpu = 0;
  private readonly ev: EventLine = { comm: '', pid: 0, cpu: 0, flags: '', event: '', fields: 0 };
  private readonly lf: LockFields = { addr: '', trylock: false, read: false, name: '', nameAt: 0 };
  private readonly emitFn: Emit = (op, f) => this.emit(op, f);

  /**
   * `source` names the text in errors (`<source>:<line>:<col>`); `onLock` hears each new
   * lock declaration as it is made, so a streamed replay needs no declaration pass.
   */
  constructor(
    readonly table: ClassTable = builtinClassTable(),
    private readonly source = '<ftrace>',
    private readonly onLock?: (name: string, decl: LockDecl) => void,
  ) {}

  private emit(op: string, f?: Record<string, unknown>): void {
    const e: Record<string, unknown> = { op, task: this.curTask, cpu: this.curCpu };
    if (f) for (const k in f) e[k] = f[k];
    this.out.push(e as TraceEvent);
    this.events++;
  }

  /** The number of CPUs the text's header declares (`cpus=N`, `#P:N`), 0 when it has none. */
  get declaredCpus(): number {
    return this.cpuHint;
  }

  /** Highest CPU number seen on an event line so far. */
  get highestCpu(): number {
    return this.maxCpu;
  }

  private noteHeader(text: string): void {
    const t = text.trim();
    const m = /^cpus=(\d{1,5})$/.exec(t) ?? /#P:(\d{1,5})$/.exec(t);
    if (m) {
      const n = Number(m[1]);
      if (n >= 1 && n <= FTRACE_MAX_CPUS && n > this.cpuHint) this.cpuHint = n;
    }
  }

  /** One line of trace text → the trace events it stands for (possibly none). */
  line(text: string, lineNo: number): TraceEvent[] {
    this.lines++;
    const ev = this.ev;
    // Header and comment lines start with '#'; everything else is tried as an event line.
    if (text.length === 0 || text.charCodeAt(0) === 35 /* # */ || !readEventLine(text, ev)) {
      if (text.length && text.charCodeAt(0) === 35) {
        if (this.lines < 64) this.noteHeader(text);
        return [];
      }
      const t = text.trim();
      if (t === '') return [];
      if (QUIET_LINE.test(t)) {
        this.noteHeader(t);
        return [];
      }
      if (EVENTISH.test(text)) this.bad(lineNo, text);
      return [];
    }
    const { cpu, flags, event } = ev;
    if (cpu >= FTRACE_MAX_CPUS) {
      this.bad(lineNo, text);
      return [];
    }
    let task = this.tasks.get(ev.pid);
    if (task === undefined) {
      task = `${ev.comm}-${ev.pid}`;
      this.tasks.set(ev.pid, task);
      // pid 0 is the idle task (swapper), which the model has already
      if (ev.pid > 0 && ev.pid <= 4194304) this.pendingPid.set(task, ev.pid);
    }
    if (cpu > this.maxCpu) this.maxCpu = cpu;
    let st = this.cpus.get(cpu);
    if (!st) {
      st = { task: null, ctx: [], irqsOff: false };
      this.cpus.set(cpu, st);
    }
    const out: TraceEvent[] = [];
    this.out = out;
    this.curCpu = cpu;
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
    this.curTask = task;
    const emit = this.emitFn;
    if (flags) this.applyFlags(flags, st, event, emit);
    switch (event) {
      case 'lock_acquire':
      case 'lock_release': {
        const acquire = event === 'lock_acquire';
        const lf = this.lf;
        if (!readLockFields(text, ev.fields, acquire, lf)) {
          this.bad(lineNo, text);
          break;
        }
        const nul = lf.name.indexOf('\0');
        if (nul >= 0)
          throw new InteropError(
            `${this.source}:${lineNo}:${lf.nameAt + nul + 1}`,
            `found a NUL byte in lock name ${JSON.stringify(lf.name.slice(0, 80))}, expected text (a NUL means a binary or corrupted file)`,
          );
        if (acquire) this.acquire(task, lf.name, lf.addr, lf.trylock, lf.read);
        else this.release(task, lf.name, lf.addr);
        break;
      }
      case 'irq_handler_entry': {
        const fields = text.slice(ev.fields);
        const name = /name=(\S+)/.exec(fields)?.[1] ?? '';
        const irq = /irq=(\d{1,7})\b/.exec(fields)?.[1];
        if (st.ctx[st.ctx.length - 1] !== 'hardirq') {
          // With forced threading the replay runs the body in irq/<irq>-<name>.
          const threaded = !HARD_IRQ_NAMES.test(name);
          emit(
            'irq_enter',
            threaded && irq && name ? { threaded, irq: Number(irq), name } : { threaded },
          );
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
    if (this.pendingPid.size) this.attachPids(out);
    return out;
  }

  /** The first event of a task carries its real pid, so splats and JSON print it. */
  private attachPids(out: TraceEvent[]): void {
    for (let i = 0; i < out.length; i++) {
      const task = out[i].task;
      if (task === undefined) continue;
      const pid = this.pendingPid.get(task);
      if (pid === undefined) continue;
      out[i] = { ...out[i], pid };
      this.pendingPid.delete(task);
    }
  }

  /** Bring the CPU's context and irq state in line with what the flags field shows. */
  private applyFlags(flags: string, st: CpuState, event: string, emit: Emit): void {
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
    // the first 200 characters are enough to recognise a line; the list is printed
    if (this.unreadable.length < 20)
      this.unreadable.push({ line: lineNo, text: text.trim().slice(0, 200) });
  }

  /** What is known about a lock name: one map lookup per event finds all of it. */
  private record(name: string): NameRecord {
    let r = this.names.get(name);
    if (r === undefined) {
      r = { entry: lookupClass(this.table, name), byAddr: new Map(), unknownEvents: 0 };
      this.names.set(name, r);
    }
    return r;
  }

  /** The trace lock for a (name, address): its kind, declared on first use. */
  private declare(name: string, addr: string, rec: NameRecord): Instance {
    const e = rec.entry;
    const byAddr = rec.byAddr;
    let it = byAddr.get(addr);
    if (it) return it;
    if (e && e.kind === 'pseudo' && e.type !== 'local_bh') {
      it = { lock: e.type, kind: 'rcu' };
      byAddr.set(addr, it);
      return it;
    }
    // One trace lock per instance (address), all in the class of their name: lockdep
    // keys classes by name here, and instances matter for recursion.
    const inst = `${name}@${addr}`;
    let kind: string;
    let decl: LockDecl;
    if (!e) {
      decl = { wait: { inner: 'inv' }, class: name };
      kind = 'map';
    } else if (e.kind === 'pseudo') {
      decl = { wait: { inner: 'config', outer: 'free' }, lockType: 'percpu', class: name };
      kind = 'map';
    } else if (e.kind === 'map') {
      decl = { ...e.decl, class: name };
      kind = 'map';
    } else {
      decl = { type: e.type, class: name };
      kind = e.type;
    }
    this.locks[inst] = decl;
    it = { lock: inst, kind };
    byAddr.set(addr, it);
    this.onLock?.(inst, decl);
    return it;
  }

  private heldBy(task: string): Map<string, number> {
    let h = this.held.get(task);
    if (!h) {
      h = new Map();
      this.held.set(task, h);
    }
    return h;
  }

  private acquire(task: string, name: string, addr: string, trylock: boolean, read: boolean): void {
    this.lockEvents++;
    const rec = this.record(name);
    if (!rec.entry) rec.unknownEvents++;
    const { lock, kind } = this.declare(name, addr, rec);
    const ev: { op: string; task: string; cpu: number; lock: string; read?: true; try?: true } = {
      op: 'lock',
      task,
      cpu: this.curCpu,
      lock,
    };
    if ((read && READ_OK.has(kind)) || kind === 'rcu' || kind === 'srcu') ev.read = true;
    if (trylock && TRY_OK.has(kind) && !(read && (kind === 'percpu_rwsem' || kind === 'srcu')))
      ev.try = true;
    this.out.push(ev);
    this.events++;
    const h = this.heldBy(task);
    h.set(lock, (h.get(lock) ?? 0) + 1);
  }

  private release(task: string, name: string, addr: string): void {
    this.lockEvents++;
    const rec = this.record(name);
    const e = rec.entry;
    const lock =
      e && e.kind === 'pseudo' && e.type !== 'local_bh' ? e.type : rec.byAddr.get(addr)?.lock;
    const h = this.held.get(task);
    const n = lock === undefined || !h ? 0 : (h.get(lock) ?? 0);
    if (n === 0) {
      this.unmatched++;
      return;
    }
    if (n === 1) h!.delete(lock!);
    else h!.set(lock!, n - 1);
    if (!e) rec.unknownEvents++;
    this.out.push({ op: 'unlock', task, cpu: this.curCpu, lock });
    this.events++;
  }

  summary(): FtraceSummary {
    return {
      lines: this.lines,
      events: this.events,
      lockEvents: this.lockEvents,
      unknownLocks: [...this.names.entries()]
        .filter(([, r]) => r.unknownEvents > 0)
        .map(([name, r]) => ({ name, events: r.unknownEvents }))
        .sort((a, b) => b.events - a.events || a.name.localeCompare(b.name)),
      unmatchedReleases: this.unmatched,
      unreadable: this.unreadable,
      inferredContexts: this.inferred,
      preemptEvents: this.preempt,
      tasks: this.tasks.size,
      cpus: this.maxCpu + 1,
    };
  }

  /** The trace header for what was converted so far (`cpus`: the replay's CPU count, if known). */
  header(description: string, cpus = Math.max(2, this.maxCpu + 1)): TraceHeader {
    return {
      'lockdep-trace': 1,
      description,
      config: { cpus },
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
  let from = 0;
  for (let n = 1; from <= text.length; n++) {
    const nl = text.indexOf('\n', from);
    const stop = nl < 0 ? text.length : nl;
    const end = stop > from && text.charCodeAt(stop - 1) === 13 ? stop - 1 : stop;
    for (const ev of c.line(text.slice(from, end), n)) events.push(ev);
    if (nl < 0) break;
    from = nl + 1;
  }
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
  /** longest line accepted, in bytes (default 64 MiB); a longer one is a located error */
  readonly maxLineLength?: number | undefined;
  /**
   * lines converted before the CPU count is fixed when no header declares it (default
   * 65,536); a higher CPU after them costs a second read of the file
   */
  readonly lookaheadLines?: number | undefined;
}

export interface FtraceCheckResult {
  readonly result: ReplayResult;
  readonly summary: FtraceSummary;
  readonly header: TraceHeader;
}

/** Event lines converted before the CPU count is fixed (when no header declares it). */
const LOOKAHEAD_LINES = 1 << 16;

/** An event on a CPU the kernel being replayed lacks: start over with the file's CPU count. */
class MoreCpus extends Error {}

function issueText(e: TraceIssue): string {
  const i = e.init;
  return [i.detail, i.found && `found ${i.found}`, i.expected && `expected ${i.expected}`]
    .filter(Boolean)
    .join('; ');
}

/** Predeclared locks (the RCU maps) and one new declaration, validated as a header would be. */
function declared(name?: string, decl?: LockDecl): ReadonlyMap<string, DeclaredLock> {
  const header = { 'lockdep-trace': 1, events: [], ...(name ? { locks: { [name]: decl } } : {}) };
  return validateHeader(header, false).locks;
}

async function replayOnce(
  path: string,
  options: FtraceCheckOptions,
  table: ClassTable,
  knownCpus: number,
): Promise<FtraceCheckResult> {
  const every = options.progressEvery ?? 1 << 16;
  const lookaheadLines = options.lookaheadLines ?? LOOKAHEAD_LINES;
  const locks = new Map(declared());
  const decls: TraceDecls = { locks };
  let replayer: Replayer | null = null;
  let cpus = 0;
  let index = 0;
  let lineNo = 0;
  const lookahead: TraceEvent[] = [];
  const conv = new FtraceConverter(table, path, (name, decl) => {
    const d = declared(name, decl).get(name)!;
    locks.set(name, d);
    replayer?.addLock(d);
  });
  const apply = (r: Replayer, ev: TraceEvent): void => {
    if ((ev.cpu ?? 0) >= cpus) throw new MoreCpus();
    try {
      r.apply(validateEvent(ev, decls, `/events/${index}`), index);
    } catch (e) {
      if (!(e instanceof TraceIssue)) throw e;
      throw new InteropError(
        `${path}:${lineNo}`,
        `the event ${JSON.stringify(ev)} cannot be replayed: ${issueText(e)}`,
      );
    }
    index++;
  };
  const start = (): Replayer => {
    cpus = Math.max(2, knownCpus, conv.declaredCpus, conv.highestCpu + 1);
    const r = new Replayer({ 'lockdep-trace': 1, config: { cpus } }, decls, {
      overrides: options.overrides,
    });
    replayer = r;
    for (const ev of lookahead) apply(r, ev);
    lookahead.length = 0;
    return r;
  };
  await forEachLine(
    path,
    (l, n) => {
      lineNo = n;
      const evs = conv.line(l, n);
      const r = replayer ?? (knownCpus || n >= lookaheadLines ? start() : null);
      if (r) for (const ev of evs) apply(r, ev);
      else for (const ev of evs) lookahead.push(ev);
      if (options.onProgress && n % every === 0) options.onProgress(n, 1);
    },
    { maxLineLength: options.maxLineLength },
  );
  const r = replayer ?? start();
  return {
    result: r.result(),
    summary: conv.summary(),
    header: conv.header(`imported from ${path}`, cpus),
  };
}

/** What an import failed with, as an Error: a trace issue (a bad option) names the file. */
function failure(e: unknown, path: string): Error {
  if (e instanceof TraceIssue) return new InteropError(path, issueText(e));
  return asError(e);
}

/**
 * Replay an ftrace text file in one streamed pass: locks are declared to the replay as the
 * converter meets them. The CPU count comes from the text's header (`cpus=N`, `#P:N`) or
 * from the first 65,536 lines; an event on a higher CPU later (a `trace_pipe` capture
 * without header) makes a second read that counts CPUs, then a replay. Memory holds lock
 * instances, tasks and CPUs, never the events. Rejects only with Error objects.
 */
export async function checkFtraceFile(
  path: string,
  options: FtraceCheckOptions = {},
): Promise<FtraceCheckResult> {
  const table = options.classes ?? builtinClassTable();
  try {
    return await replayOnce(path, options, table, 0);
  } catch (e) {
    if (!(e instanceof MoreCpus)) throw failure(e, path);
  }
  const scan = new FtraceConverter(table, path);
  await forEachLine(path, (l, n) => void scan.line(l, n), {
    maxLineLength: options.maxLineLength,
  });
  try {
    return await replayOnce(path, options, table, Math.max(scan.declaredCpus, scan.highestCpu + 1));
  } catch (e) {
    throw failure(e, path);
  }
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
