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
 *
 * A file is read once, each line in place (ftraceLine.ts): an ASCII chunk as its bytes,
 * undecoded, a lock met before found by a hash of its bytes (the whole fields of a lock
 * event line met before: one lookup), so that most lines make no string at all; other
 * chunks are decoded (strict UTF-8) and read as text, the same way.
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
import {
  type EventScan,
  newScan,
  scanEventLine,
  scanEventBytesMemo,
  newTaskMemo,
  skipBlanks,
  blankIn,
  at,
  skipWs,
  skipWsB,
  isDigit,
  isWs,
  LOCK_ACQUIRE,
  LOCK_RELEASE,
  IRQ_HANDLER_ENTRY,
  IRQ_HANDLER_EXIT,
  SOFTIRQ_ENTRY,
  SOFTIRQ_EXIT,
  IRQ_DISABLE,
  IRQ_ENABLE,
  PREEMPT_DISABLE,
  PREEMPT_ENABLE,
  detach,
  findField,
  nonBlanks,
  irqNumber,
  nulIn,
} from './ftraceLine';
import { ByteKeys, fmix, mixBytes, sameBytes } from './byteKeys';
import { asError, forEachLineRange, type LineReadOptions } from './lineReader';
export { readEventLine } from './ftraceLine';

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

type Ctx = 'hardirq' | 'softirq';

/** A task of the trace: a pid, named by the comm it was first seen with. */
interface Task {
  readonly name: string;
  readonly pid: number;
}

/**
 * Who holds a trace lock and how many times: one task, the common case, in two fields (a
 * Map per task costs more than the rest of the event); other tasks holding it at the same
 * time (read locks, RCU) in a map, each until it lets go.
 */
interface Holders {
  task: Task | null;
  count: number;
  others: Map<Task, number> | null;
}

function heldBy(hs: Holders, task: Task): number {
  return hs.task === task ? hs.count : (hs.others?.get(task) ?? 0);
}

interface CpuState {
  task: Task | null;
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

/** A lock name's class table entry and its events if unknown. */
interface NameRecord {
  readonly entry: ClassEntry | null;
  unknownEvents: number;
}

/**
 * A lock instance of the trace (a name at an address): its trace lock, and what its kind
 * allows decided once rather than per event.
 */
interface Instance {
  readonly rec: NameRecord;
  readonly lock: string;
  readonly holders: Holders;
  /** `read` always (RCU, SRCU) */
  readonly alwaysRead: boolean;
  readonly readOk: boolean;
  readonly tryOk: boolean;
  /** a read trylock is no trylock for this kind */
  readonly noReadTry: boolean;
}

/** What the fields of a lock event line say, once read: its instance and flags. */
interface LockTail {
  readonly it: Instance;
  readonly trylock: boolean;
  readonly read: boolean;
}

/**
 * Tails remembered, and the longest remembered: the memory they take stays bounded
 * whatever the file (a hostile one could vary its blanks forever).
 */
const MAX_TAILS = 1 << 16;
const MAX_TAIL_BYTES = 256;

/** What irq_handler_entry says: the handler's name ('' if none), irq number (-1 if none). */
interface IrqFields {
  readonly name: string;
  readonly irq: number;
  /** whether forced threading would run it in a thread (not a per-CPU interrupt) */
  readonly threaded: boolean;
}

/** `irq=N name=NAME` in s[from, end), as `/name=(\S+)/` and `/irq=(\d{1,7})\b/` read it. */
function irqFields(s: string, from: number, end: number): IrqFields {
  const nm = findField(s, from, end, 'name=', nonBlanks);
  const name = nm ? detach(s.slice(nm[0], nm[1])) : '';
  const irq = findField(s, from, end, 'irq=', irqNumber);
  // With forced threading the replay runs the body in irq/<irq>-<name>.
  const threaded = !HARD_IRQ_NAMES.test(name);
  return { name, irq: irq ? Number(s.slice(irq[0], irq[1])) : -1, threaded };
}

/** irq_handler_entry fields met before, by the hash of their bytes. */
interface IrqCacheEntry {
  readonly hash: number;
  readonly bytes: Uint8Array;
  readonly dv: DataView;
  readonly fields: IrqFields;
}

/** Lines that are not events and need no word: comments, blank lines, trace-cmd headers. */
const QUIET_LINE = /^(?:cpus=|CPU \d+ is empty|version = )/;
const EVENTISH = /lock_acquire|lock_release|irq_handler|softirq_/;

/** One line of text, text[start, end): its events are written to out[0, n) and n returned. */
let convertText: (
  c: FtraceConverter,
  text: string,
  start: number,
  end: number,
  lineNo: number,
  out: TraceEvent[],
) => number;
/** One ASCII line as the bytes b[start, end) (dv views b): as convertText. */
let convertBytes: (
  c: FtraceConverter,
  b: Buffer,
  dv: DataView,
  start: number,
  end: number,
  lineNo: number,
  out: TraceEvent[],
) => number;

/** Converts lines one at a time; collects lock declarations as it goes. */
export class FtraceConverter {
  readonly locks: Record<string, LockDecl> = {};
  private readonly names = new Map<string, NameRecord>();
  /** `address name` → instance, for lines read as text */
  private readonly byKey = new Map<string, Instance>();
  /** the same instances (ASCII keys) by their bytes, for lines read as bytes */
  private readonly byBytes = new ByteKeys<Instance>();
  /**
   * lock_acquire / lock_release fields met before (`<addr> [try ][read ]<name>`, the bytes
   * from the first non-blank after the event's name to the end of the line) → what they
   * say: one lookup of the whole tail instead of reading the address, the flags and the
   * name and looking up the instance (a trace repeats few tails many times)
   */
  private readonly acquireTails = new ByteKeys<LockTail>();
  private readonly releaseTails = new ByteKeys<LockTail>();
  private tailCount = 0;
  private readonly irqCache = new Array<IrqCacheEntry | undefined>(64).fill(undefined);
  private readonly seed = (Math.random() * 0x7fffffff) | 0;
  private readonly cpus: (CpuState | undefined)[] = [];
  /** pid → task: a task is its pid, named by the comm it was first seen with */
  private readonly tasks = new Map<number, Task>();
  /** trace lock → who holds it */
  private readonly held = new Map<string, Holders>();
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
  // the line being converted: its events go to out[n...]
  private out: TraceEvent[] = [];
  private n = 0;
  private curTask = '';
  private curCpu = 0;
  private readonly sc: EventScan = newScan();
  private readonly taskMemo = newTaskMemo();
  /** the fields of the lock event being read (bytes) */
  private readonly lf = { trylock: false, read: false, nameAt: 0, nameEnd: 0 };

  static {
    convertText = (c, text, start, end, lineNo, out) => {
      c.out = out;
      c.n = 0;
      c.textLine(text, start, end, lineNo);
      return c.n;
    };
    convertBytes = (c, b, dv, start, end, lineNo, out) => {
      c.out = out;
      c.n = 0;
      c.byteLine(b, dv, start, end, lineNo);
      return c.n;
    };
  }

  /**
   * `source` names the text in errors (`<source>:<line>:<col>`); `onLock` hears each new
   * lock declaration as it is made, so a streamed replay needs no declaration pass.
   */
  constructor(
    readonly table: ClassTable = builtinClassTable(),
    private readonly source = '<ftrace>',
    private readonly onLock?: (name: string, decl: LockDecl) => void,
  ) {}

  private emit(op: string): void {
    this.out[this.n++] = { op, task: this.curTask, cpu: this.curCpu };
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
    const out: TraceEvent[] = [];
    convertText(this, text, 0, text.length, lineNo, out);
    return out;
  }

  /** A line that is not an event line: a header, a comment, or something to report. */
  private otherLine(text: string, lineNo: number): void {
    if (text.length && text.charCodeAt(0) === 35 /* # */) {
      if (this.lines < 64) this.noteHeader(text);
      return;
    }
    const t = text.trim();
    if (t === '') return;
    if (QUIET_LINE.test(t)) {
      this.noteHeader(t);
      return;
    }
    if (EVENTISH.test(text)) this.bad(lineNo, text);
  }

  /** The task of an event line whose pid was not on this CPU's previous line. */
  private task(pid: number, comm: string): Task {
    let task = this.tasks.get(pid);
    if (task === undefined) {
      const name = detach(`${comm.trim()}-${pid}`);
      task = { name, pid };
      this.tasks.set(pid, task);
      // pid 0 is the idle task (swapper), which the model has already
      if (pid > 0 && pid <= 4194304) this.pendingPid.set(name, pid);
    }
    return task;
  }

  /** The CPU's state with `task` on it: a task switched in starts with no irq context. */
  private cpuWith(cpu: number, task: Task): CpuState {
    if (cpu > this.maxCpu) this.maxCpu = cpu;
    let st = this.cpus[cpu];
    if (st === undefined) {
      st = { task: null, ctx: [], irqsOff: false };
      this.cpus[cpu] = st;
    }
    this.curCpu = cpu;
    this.curTask = task.name;
    if (st.task !== task) {
      if (st.ctx.length && st.task !== null) {
        // An interrupt that was still open on the old task's line: close it there.
        for (let k = st.ctx.length - 1; k >= 0; k--)
          this.out[this.n++] = {
            op: st.ctx[k] === 'hardirq' ? 'irq_exit' : 'softirq_exit',
            task: st.task.name,
            cpu,
          };
        st.ctx = [];
      }
      st.task = task;
      st.irqsOff = false;
    }
    return st;
  }

  /** The line s[start, end) → its events, written to this.out from this.n. */
  private textLine(s: string, start: number, end: number, lineNo: number): void {
    this.lines++;
    const sc = this.sc;
    // Header and comment lines start with '#'; everything else is tried as an event line.
    if (start === end || s.charCodeAt(start) === 35 /* # */ || !scanEventLine(s, start, end, sc)) {
      this.otherLine(s.slice(start, end), lineNo);
      return;
    }
    const cpu = sc.cpu;
    if (cpu >= FTRACE_MAX_CPUS) {
      this.bad(lineNo, s.slice(start, end));
      return;
    }
    const last = this.cpus[cpu]?.task;
    const task =
      last && last.pid === sc.pid
        ? last
        : (this.tasks.get(sc.pid) ?? this.task(sc.pid, s.slice(sc.commStart, sc.dash)));
    const st = this.cpuWith(cpu, task);
    const event = sc.event;
    const flags = sc.flags;
    if (flags >= 0) this.applyFlags(s.charCodeAt(flags), s.charCodeAt(flags + 2), st, event);
    if (event === LOCK_ACQUIRE || event === LOCK_RELEASE)
      this.lockText(s, start, end, event === LOCK_ACQUIRE, task, lineNo);
    else if (event === IRQ_HANDLER_ENTRY) {
      if (st.ctx[st.ctx.length - 1] !== 'hardirq') this.irqEnter(st, irqFields(s, sc.fields, end));
    } else this.otherEvent(event, st, flags >= 0);
    if (this.pendingPid.size) this.attachPids();
  }

  /** The ASCII line b[start, end) → its events: textLine reading bytes, no string made. */
  private byteLine(b: Buffer, dv: DataView, start: number, end: number, lineNo: number): void {
    this.lines++;
    const sc = this.sc;
    if (
      start === end ||
      b[start] === 35 /* # */ ||
      !scanEventBytesMemo(b, dv, start, end, sc, this.taskMemo)
    ) {
      this.otherLine(latin1(b, start, end), lineNo);
      return;
    }
    const cpu = sc.cpu;
    if (cpu >= FTRACE_MAX_CPUS) {
      this.bad(lineNo, latin1(b, start, end));
      return;
    }
    const last = this.cpus[cpu]?.task;
    const task =
      last && last.pid === sc.pid
        ? last
        : (this.tasks.get(sc.pid) ?? this.task(sc.pid, latin1(b, sc.commStart, sc.dash)));
    const st = this.cpuWith(cpu, task);
    const event = sc.event;
    const flags = sc.flags;
    if (flags >= 0) this.applyFlags(b[flags], b[flags + 2], st, event);
    if (event === LOCK_ACQUIRE || event === LOCK_RELEASE)
      this.lockBytes(b, dv, start, end, event === LOCK_ACQUIRE, task, lineNo);
    else if (event === IRQ_HANDLER_ENTRY) {
      if (st.ctx[st.ctx.length - 1] !== 'hardirq')
        this.irqEnter(st, this.irqFieldsBytes(b, dv, sc.fields, end));
    } else this.otherEvent(event, st, flags >= 0);
    if (this.pendingPid.size) this.attachPids();
  }

  /** An irq handler entered (irq_handler_entry) on a CPU not already in one. */
  private irqEnter(st: CpuState, f: IrqFields): void {
    const { curTask: task, curCpu: cpu } = this;
    const { threaded, irq, name } = f;
    this.out[this.n++] =
      threaded && irq >= 0 && name
        ? { op: 'irq_enter', task, cpu, threaded, irq, name }
        : { op: 'irq_enter', task, cpu, threaded };
    this.events++;
    st.ctx.push('hardirq');
    st.irqsOff = true;
  }

  /**
   * irqFields of an ASCII line's bytes, remembered: a few interrupts fire over and over,
   * so their fields are read once each (only short fields are kept: memory stays small).
   */
  private irqFieldsBytes(b: Buffer, dv: DataView, from: number, end: number): IrqFields {
    const len = end - from;
    const h = fmix(mixBytes(dv, b, from, len, this.seed));
    const slot = h & (this.irqCache.length - 1);
    const c = this.irqCache[slot];
    if (
      c &&
      c.hash === h &&
      c.bytes.length === len &&
      sameBytes(c.dv, c.bytes, 0, dv, b, from, len)
    )
      return c.fields;
    const fields = irqFields(latin1(b, from, end), 0, len);
    if (len <= 256) {
      const bytes = Uint8Array.from(b.subarray(from, end));
      this.irqCache[slot] = { hash: h, bytes, dv: new DataView(bytes.buffer), fields };
    }
    return fields;
  }

  /** Every event but a lock event and irq_handler_entry: they need no fields. */
  private otherEvent(event: number, st: CpuState, hasFlags: boolean): void {
    switch (event) {
      case IRQ_HANDLER_EXIT:
        // Flags (if any) still show the hardirq; leave it when the next line says so.
        if (!hasFlags && st.ctx[st.ctx.length - 1] === 'hardirq') {
          this.emit('irq_exit');
          st.ctx.pop();
        }
        break;
      case SOFTIRQ_ENTRY:
        if (st.ctx[st.ctx.length - 1] !== 'softirq') {
          this.emit('softirq_enter');
          st.ctx.push('softirq');
        }
        break;
      case SOFTIRQ_EXIT:
        if (st.ctx[st.ctx.length - 1] === 'softirq') {
          this.emit('softirq_exit');
          st.ctx.pop();
        }
        break;
      case IRQ_DISABLE:
        if (!st.irqsOff) {
          this.emit('irq_disable');
          st.irqsOff = true;
        }
        break;
      case IRQ_ENABLE:
        if (st.irqsOff && st.ctx[st.ctx.length - 1] !== 'hardirq') {
          this.emit('irq_enable');
          st.irqsOff = false;
        }
        break;
      case PREEMPT_DISABLE:
      case PREEMPT_ENABLE:
        this.preempt++;
        break;
      default:
        break;
    }
  }

  /** The first event of a task carries its real pid, so splats and JSON print it. */
  private attachPids(): void {
    const out = this.out;
    for (let i = 0; i < this.n; i++) {
      const task = out[i].task;
      if (task === undefined) continue;
      const pid = this.pendingPid.get(task);
      if (pid === undefined) continue;
      out[i] = { ...out[i], pid };
      this.pendingPid.delete(task);
    }
  }

  /**
   * Bring the CPU's context and irq state in line with what the flags field shows: its
   * first (irqs-off) and third (hardirq/softirq) characters.
   */
  private applyFlags(f0: number, f2: number, st: CpuState, event: number): void {
    const wantHard = f2 === 104 /* h */ || f2 === 72 /* H */ || f2 === 90; /* Z */
    const wantSoft = f2 === 115 /* s */ || f2 === 72; /* H */
    const ctx = st.ctx;
    // Leave contexts the flags no longer show (irq_handler_exit lines still show them).
    for (;;) {
      const top = ctx[ctx.length - 1];
      if (!((top === 'hardirq' && !wantHard) || (top === 'softirq' && !wantSoft && !wantHard)))
        break;
      this.emit(top === 'hardirq' ? 'irq_exit' : 'softirq_exit');
      if (ctx.pop() === 'hardirq') st.irqsOff = false;
    }
    if (wantSoft && !ctx.includes('softirq') && event !== SOFTIRQ_ENTRY) {
      this.emit('softirq_enter');
      ctx.push('softirq');
      this.inferred++;
    }
    if (wantHard && ctx[ctx.length - 1] !== 'hardirq' && event !== IRQ_HANDLER_ENTRY) {
      this.out[this.n++] = {
        op: 'irq_enter',
        task: this.curTask,
        cpu: this.curCpu,
        threaded: true,
      };
      this.events++;
      ctx.push('hardirq');
      st.irqsOff = true;
      this.inferred++;
    }
    const off = f0 === 100 /* d */ || f0 === 68; /* D */
    if (ctx[ctx.length - 1] !== 'hardirq' && event !== IRQ_HANDLER_ENTRY) {
      if (off && !st.irqsOff && event !== IRQ_DISABLE) {
        this.emit('irq_disable');
        st.irqsOff = true;
      } else if (!off && f0 === 46 /* . */ && st.irqsOff && event !== IRQ_ENABLE) {
        this.emit('irq_enable');
        st.irqsOff = false;
      }
    }
  }

  private bad(lineNo: number, text: string): void {
    // the first 200 characters are enough to recognise a line; the list is printed
    if (this.unreadable.length < 20)
      this.unreadable.push({ line: lineNo, text: detach(text.trim().slice(0, 200)) });
  }

  private nulError(lineNo: number, col: number, name: string): never {
    throw new InteropError(
      `${this.source}:${lineNo}:${col}`,
      `found a NUL byte in lock name ${JSON.stringify(name.slice(0, 80))}, expected text (a NUL means a binary or corrupted file)`,
    );
  }

  /** `<addr> [try ][read ]<name>` (lock_acquire) or `<addr> <name>` (lock_release). */
  private lockText(
    s: string,
    start: number,
    end: number,
    acquire: boolean,
    task: Task,
    lineNo: number,
  ): void {
    let i = skipWs(s, this.sc.fields, end);
    if (at(s, i, end) === 48 && (at(s, i + 1, end) | 32) === 120 /* 0x */) i += 2;
    const a = i;
    for (; i < end; i++) {
      const c = s.charCodeAt(i) | 32;
      if (!(isDigit(c) || (c >= 97 && c <= 102))) break;
    }
    const addrEnd = i;
    if (i === a) return this.bad(lineNo, s.slice(start, end));
    const w = i;
    i = skipWs(s, i, end);
    if (i === w) return this.bad(lineNo, s.slice(start, end));
    let trylock = false;
    let read = false;
    if (acquire) {
      if (s.startsWith('try', i) && isWs(at(s, i + 3, end)) && skipWs(s, i + 3, end) < end) {
        trylock = true;
        i = skipWs(s, i + 3, end);
      }
      if (s.startsWith('read', i) && isWs(at(s, i + 4, end)) && skipWs(s, i + 4, end) < end) {
        read = true;
        i = skipWs(s, i + 4, end);
      }
    }
    const name = s.slice(i, end).trimEnd();
    if (name === '') return this.bad(lineNo, s.slice(start, end));
    const nul = name.indexOf('\0');
    if (nul >= 0) this.nulError(lineNo, i - start + nul + 1, name);
    const addr = s.slice(a, addrEnd);
    this.lockEvents++;
    const it = this.byKey.get(`${addr} ${name}`);
    if (acquire) this.acquire(task, it ?? this.declare(name, addr), trylock, read);
    else this.release(task, it, name);
  }

  /** lockText over the bytes of an ASCII line: the instance found by its bytes' hash. */
  private lockBytes(
    b: Buffer,
    dv: DataView,
    start: number,
    end: number,
    acquire: boolean,
    task: Task,
    lineNo: number,
  ): void {
    // the fields from their first non-blank: all that the reading below depends on
    const from = skipBlanks(b, dv, this.sc.fields, end);
    const tails = acquire ? this.acquireTails : this.releaseTails;
    const t = end - from <= MAX_TAIL_BYTES ? tails.get(dv, b, from, end - from, end, 0) : undefined;
    if (t !== undefined) {
      this.lockEvents++;
      if (acquire) this.acquire(task, t.it, t.trylock, t.read);
      else this.release(task, t.it, '');
      return;
    }
    let a = from;
    if (a + 1 < end && b[a] === 48 && (b[a + 1] | 32) === 120 /* 0x */) a += 2;
    const lf = this.lf;
    // Most lines name a lock met before: its address ends at a blank, and its digits were
    // checked when it was declared. So the key up to the first blank is looked up first,
    // found four bytes at a time; only a key not found is read digit by digit.
    let addrEnd = blankIn(b, dv, a, end);
    let k =
      addrEnd > a && this.lockTail(b, addrEnd, end, acquire)
        ? this.findKey(b, dv, a, addrEnd)
        : undefined;
    if (k === undefined) {
      addrEnd = a;
      while (addrEnd < end && HEX[b[addrEnd]]) addrEnd++;
      if (addrEnd === a || !this.lockTail(b, addrEnd, end, acquire))
        return this.bad(lineNo, latin1(b, start, end));
      k = this.findKey(b, dv, a, addrEnd);
      if (k === undefined) {
        // a name met before has no NUL: only a new one is searched for one
        const nul = nulIn(dv, b, lf.nameAt, lf.nameEnd - lf.nameAt);
        if (nul >= 0) this.nulError(lineNo, nul - start + 1, latin1(b, lf.nameAt, lf.nameEnd));
      }
    }
    this.lockEvents++;
    const { trylock, read } = lf;
    if (acquire) {
      const it = k ?? this.declare(latin1(b, lf.nameAt, lf.nameEnd), latin1(b, a, addrEnd));
      this.acquire(task, it, trylock, read);
      k = it;
    } else this.release(task, k, k ? '' : latin1(b, lf.nameAt, lf.nameEnd));
    // the same bytes read the same way next time: an instance, once declared, stays
    if (k !== undefined && end - from <= MAX_TAIL_BYTES && this.tailCount < MAX_TAILS) {
      this.tailCount++;
      tails.add(latin1(b, from, end), '', { it: k, trylock, read });
    }
  }

  /**
   * After an address ending at addrEnd: blanks, `try ` and `read ` (lock_acquire), then the
   * name to the end of the line less trailing blanks, into this.lf; false if there is none.
   */
  private lockTail(b: Buffer, addrEnd: number, end: number, acquire: boolean): boolean {
    let i = skipWsB(b, addrEnd, end);
    if (i === addrEnd) return false;
    const lf = this.lf;
    lf.trylock = false;
    lf.read = false;
    if (acquire) {
      // `try ` then `read `, spelled out byte by byte: this runs for every lock_acquire
      // line; a shared helper with a loop was no faster in the ftrace bench (within noise)
      if (
        i + 3 < end &&
        b[i] === 116 &&
        b[i + 1] === 114 &&
        b[i + 2] === 121 /* try */ &&
        isWs(b[i + 3]) &&
        skipWsB(b, i + 3, end) < end
      ) {
        lf.trylock = true;
        i = skipWsB(b, i + 3, end);
      }
      if (
        i + 4 < end &&
        b[i] === 114 &&
        b[i + 1] === 101 &&
        b[i + 2] === 97 &&
        b[i + 3] === 100 /* read */ &&
        isWs(b[i + 4]) &&
        skipWsB(b, i + 4, end) < end
      ) {
        lf.read = true;
        i = skipWsB(b, i + 4, end);
      }
    }
    // the name runs to the end of the line, less trailing blanks (ASCII: all trimEnd takes)
    let e = end;
    while (e > i && isWs(b[e - 1])) e--;
    lf.nameAt = i;
    lf.nameEnd = e;
    return e > i;
  }

  /** The instance of address b[a, addrEnd) and name this.lf, if it was met before. */
  private findKey(b: Buffer, dv: DataView, a: number, addrEnd: number): Instance | undefined {
    const { nameAt, nameEnd } = this.lf;
    return this.byBytes.get(dv, b, a, addrEnd - a, nameAt, nameEnd - nameAt);
  }

  /** What is known about a lock name. */
  private record(name: string): NameRecord {
    let r = this.names.get(name);
    if (r === undefined) {
      r = { entry: lookupClass(this.table, name), unknownEvents: 0 };
      this.names.set(detach(name), r);
    }
    return r;
  }

  /** The trace lock for a (name, address) seen for the first time: declared now. */
  private declare(nameIn: string, addrIn: string): Instance {
    const name = detach(nameIn);
    const addr = detach(addrIn);
    const rec = this.record(name);
    const e = rec.entry;
    let lock: string;
    let kind: string;
    if (e && e.kind === 'pseudo' && e.type !== 'local_bh') {
      lock = e.type;
      kind = 'rcu';
    } else {
      // One trace lock per instance (address), all in the class of their name: lockdep
      // keys classes by name here, and instances matter for recursion.
      lock = `${name}@${addr}`;
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
      this.locks[lock] = decl;
      this.onLock?.(lock, decl);
    }
    const it: Instance = {
      rec,
      lock,
      holders: this.holdersOf(lock),
      alwaysRead: kind === 'rcu' || kind === 'srcu',
      readOk: READ_OK.has(kind),
      tryOk: TRY_OK.has(kind),
      noReadTry: kind === 'percpu_rwsem' || kind === 'srcu',
    };
    this.byKey.set(`${addr} ${name}`, it);
    if (isAsciiText(addr) && isAsciiText(name)) this.byBytes.add(addr, name, it);
    return it;
  }

  private acquire(task: Task, it: Instance, trylock: boolean, read: boolean): void {
    const rec = it.rec;
    if (!rec.entry) rec.unknownEvents++;
    const lock = it.lock;
    const r = (read && it.readOk) || it.alwaysRead;
    const t = trylock && it.tryOk && !(read && it.noReadTry);
    // each shape whole: a property added later costs an allocation
    this.out[this.n++] = r
      ? t
        ? { op: 'lock', task: task.name, cpu: this.curCpu, lock, read: true, try: true }
        : { op: 'lock', task: task.name, cpu: this.curCpu, lock, read: true }
      : t
        ? { op: 'lock', task: task.name, cpu: this.curCpu, lock, try: true }
        : { op: 'lock', task: task.name, cpu: this.curCpu, lock };
    this.events++;
    const hs = it.holders;
    if (hs.task === task) hs.count++;
    else if (hs.task === null && !hs.others?.has(task)) {
      hs.task = task;
      hs.count = 1;
    } else {
      const others = (hs.others ??= new Map());
      others.set(task, (others.get(task) ?? 0) + 1);
    }
  }

  /** The holders of a trace lock (one per lock: RCU's is shared by every address). */
  private holdersOf(lock: string): Holders {
    let hs = this.held.get(lock);
    if (hs === undefined) {
      hs = { task: null, count: 0, others: null };
      this.held.set(lock, hs);
    }
    return hs;
  }

  /** A release of instance `it`, or of a (name, address) never taken in the trace. */
  private release(task: Task, it: Instance | undefined, name: string): void {
    let rec: NameRecord;
    let lock: string | undefined;
    let hs: Holders | undefined;
    if (it !== undefined) {
      rec = it.rec;
      lock = it.lock;
      hs = it.holders;
    } else {
      // unmatched, unless the name is one lock at every address (RCU)
      rec = this.record(name);
      const e = rec.entry;
      lock = e && e.kind === 'pseudo' && e.type !== 'local_bh' ? e.type : undefined;
      hs = lock === undefined ? undefined : this.held.get(lock);
    }
    const n = hs === undefined ? 0 : heldBy(hs, task);
    if (n === 0) {
      this.unmatched++;
      return;
    }
    if (hs!.task === task) {
      if (--hs!.count === 0) hs!.task = null;
    } else if (n === 1) hs!.others!.delete(task);
    else hs!.others!.set(task, n - 1);
    if (!rec.entry) rec.unknownEvents++;
    this.out[this.n++] = { op: 'unlock', task: task.name, cpu: this.curCpu, lock };
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

/** What lockText's address loop takes: `c | 32` a hex digit (so also a few control bytes). */
const HEX = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const l = c | 32;
  HEX[c] = (l >= 48 && l <= 57) || (l >= 97 && l <= 102) ? 1 : 0;
}

/** The string of ASCII bytes b[start, end): a copy, keeping nothing of the chunk alive. */
const latin1 = (b: Buffer, start: number, end: number): string => b.toString('latin1', start, end);

const isAsciiText = (s: string): boolean => Buffer.byteLength(s) === s.length;

/** Convert trace text held in memory (tests, small files). */
export function ftraceToTrace(
  text: string,
  table: ClassTable = builtinClassTable(),
): { trace: Trace; summary: FtraceSummary } {
  const c = new FtraceConverter(table);
  const events: TraceEvent[] = [];
  const out: TraceEvent[] = [];
  let from = 0;
  for (let n = 1; from <= text.length; n++) {
    const nl = text.indexOf('\n', from);
    const stop = nl < 0 ? text.length : nl;
    const end = stop > from && text.charCodeAt(stop - 1) === 13 ? stop - 1 : stop;
    const k = convertText(c, text, from, end, n, out);
    for (let i = 0; i < k; i++) events.push(out[i]);
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
  await convertFtraceFile(
    path,
    conv,
    (evs, count, n) => {
      lineNo = n;
      const r = replayer ?? (knownCpus || n >= lookaheadLines ? start() : null);
      if (r) for (let i = 0; i < count; i++) apply(r, evs[i]);
      else for (let i = 0; i < count; i++) lookahead.push(evs[i]);
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

/**
 * Convert a file in one streamed pass: each line is read in place, an ASCII line in the
 * bytes of its chunk (no decoding, no string per line), and its events handed to `onLine` in an array reused for the next
 * line: events[0, count). Resolves with the number of lines.
 */
export function convertFtraceFile(
  path: string,
  conv: FtraceConverter,
  onLine: (events: readonly TraceEvent[], count: number, lineNo: number) => void,
  options: LineReadOptions = {},
): Promise<number> {
  const out: TraceEvent[] = [];
  return forEachLineRange(
    path,
    (text, start, end, n) => onLine(out, convertText(conv, text, start, end, n, out), n),
    (b, dv, start, end, n) => onLine(out, convertBytes(conv, b, dv, start, end, n, out), n),
    options,
  );
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
  await convertFtraceFile(path, scan, () => {}, { maxLineLength: options.maxLineLength });
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
