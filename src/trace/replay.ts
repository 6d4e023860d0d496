/**
 * Replaying validated events on a Kernel. A Replayer holds one kernel and the trace's
 * locks bound to it; it keeps counters, never events, so a streamed trace replays in
 * memory that grows with lock classes and tasks only.
 */
import { ConfigError, UsageError } from '../core/errors';
import { resolveConfig, type KernelConfig, type KernelOptions } from '../core/config';
import { createKernel, type Kernel } from '../kernel';
import { LockdepViolationError } from '../report/error';
import type { Violation } from '../report/violation';
import { createReplayLock, type ReplayLock } from './locks';
import { OPS, specTable, type OpSpec, type OpTable, type ReplayState } from './ops';
import { modelResults, type ModelResults } from './modelOps';
import createDebug from 'debug';
import {
  TraceIssue,
  type DeclaredLock,
  type TraceDecls,
  type TraceEvent,
  type TraceHeader,
} from './schema';

export interface ReplayOptions {
  /** kernel options applied over the trace's `config` (what CLI flags do) */
  readonly overrides?: KernelOptions | undefined;
  /** the op table (default: core ops plus model ops) */
  readonly ops?: OpTable | undefined;
}

/** What a replay found. */
export interface ReplayResult {
  readonly config: KernelConfig;
  /** violations in the order raised (deduplicated; under `first`, one lockdep report) */
  readonly violations: readonly Violation[];
  /** lockdep reports suppressed under the `first` policy */
  readonly suppressed: number;
  /** events replayed */
  readonly events: number;
  /** under the `throw` policy: replay stopped at the event that raised the first violation */
  readonly stopped: boolean;
  /** what the kernel models did (kvfree_rcu placements, counters); null when no model op ran */
  readonly models: ModelResults | null;
}

/** The kernel options a trace and its overrides give (undefined members dropped). */
export function traceOptions(header: TraceHeader, overrides?: KernelOptions): KernelOptions {
  const out: Record<string, unknown> = { ...(header.config ?? {}) };
  for (const [k, v] of Object.entries(overrides ?? {})) if (v !== undefined) out[k] = v;
  return out;
}

/** Build the configuration, turning ConfigError into an issue at `/config/<option>`. */
export function resolveTraceConfig(options: KernelOptions): KernelConfig {
  try {
    return resolveConfig(options);
  } catch (e) {
    if (e instanceof ConfigError) {
      throw new TraceIssue({
        code: 'invalid-config',
        pointer: `/config/${e.option.split('.').join('/')}`,
        detail: e.message,
      });
    }
    throw e;
  }
}

const log = createDebug('lockdep:trace');

export class Replayer {
  readonly kernel: Kernel;
  private readonly locks = new Map<string, ReplayLock>();
  private readonly ops: OpTable;
  private readonly specs: ReadonlyMap<string, OpSpec>;
  private readonly extensions = new Map<string, unknown>();
  private readonly state: ReplayState;
  private index = -1;
  private count = 0;
  private stopped = false;

  constructor(header: TraceHeader, decls: TraceDecls, options: ReplayOptions = {}) {
    this.kernel = createKernel(resolveTraceConfig(traceOptions(header, options.overrides)));
    this.ops = options.ops ?? OPS;
    this.specs = specTable(this.ops);
    for (const d of decls.locks.values()) this.locks.set(d.name, createReplayLock(this.kernel, d));
    if (log.enabled) log('replay: %o, %d locks', this.kernel.config, this.locks.size);
    const index = () => this.index;
    this.state = {
      get index() {
        return index();
      },
      lock: (name) => this.locks.get(name)!,
      fail: (detail, field) => {
        throw new TraceIssue({
          code: 'replay',
          pointer: field ? `/events/${this.index}/${field}` : `/events/${this.index}`,
          detail,
        });
      },
      ext: <T>(key: string, create: (k: Kernel) => T): T => {
        let v = this.extensions.get(key) as T | undefined;
        if (v === undefined) {
          v = create(this.kernel);
          this.extensions.set(key, v);
        }
        return v;
      },
      forget: (comm) => {
        for (const l of this.locks.values()) l.forget(comm);
      },
    };
  }

  /** Bind a lock declared after construction (a streamed ftrace import meets locks as it goes). */
  addLock(d: DeclaredLock): void {
    if (!this.locks.has(d.name)) this.locks.set(d.name, createReplayLock(this.kernel, d));
  }

  /** Apply one validated event. Throws TraceIssue (pointer `/events/<index>`) when the model cannot. */
  apply(ev: TraceEvent, index: number): void {
    if (this.stopped) return;
    const k = this.kernel;
    this.index = index;
    k.setEvent(index);
    try {
      const task = ev.task ?? 'init';
      const cpu = ev.cpu;
      if (ev.pid !== undefined && !k.hasTask(task)) k.declareTask(task, ev.pid);
      if (k.current !== task || (cpu !== undefined && cpu !== k.cpu)) {
        if (cpu !== undefined && cpu >= k.cpus) {
          throw new TraceIssue({
            code: 'replay',
            pointer: `/events/${index}/cpu`,
            found: String(cpu),
            expected: `a CPU of this kernel, 0..${k.cpus - 1} (config cpus: ${k.cpus})`,
          });
        }
        k.switchTo(task, cpu);
      }
      const op = ev.op;
      (this.specs.get(op) ?? this.ops[op]).apply(k, ev, this.state);
      this.count++;
    } catch (e) {
      if (e instanceof LockdepViolationError) {
        // The `throw` policy: the first violation ends the run, as an exception would.
        this.count++;
        this.stopped = true;
        return;
      }
      if (e instanceof UsageError)
        throw new TraceIssue({ code: 'replay', pointer: `/events/${index}`, detail: e.message });
      throw e;
    }
  }

  result(): ReplayResult {
    const k = this.kernel;
    return {
      config: k.config,
      violations: k.violations,
      suppressed: k.suppressed.length,
      events: this.count,
      stopped: this.stopped,
      models: modelResults(this.extensions),
    };
  }
}
