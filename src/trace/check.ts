/**
 * One trace under one configuration: the library side of `lockdep check`. Traces are
 * accepted as parsed objects, as text, or as files (streamed).
 */
import type { KernelConfig } from '../core/config';
import { violationRecord, type ViolationRecord } from '../report/json';
import { TraceError } from './errors';
import type { ModelResults } from './modelOps';
import { OPS, validateEvent, type OpTable } from './ops';
import { streamTraceFile, TraceReader, type TraceConsumer } from './reader';
import { Replayer, type ReplayOptions, type ReplayResult } from './replay';
import {
  TraceIssue,
  validateHeader,
  type Trace,
  type TraceDecls,
  type TraceEvent,
  type TraceHeader,
} from './schema';

/** `lockdep check --format json`: the documented, stable shape (docs/cli.md). */
export interface CheckJson {
  readonly config: KernelConfig;
  readonly violations: readonly ViolationRecord[];
  readonly summary: {
    readonly events: number;
    readonly violations: number;
    readonly suppressed: number;
  };
  /** present when the trace ran the kernel models: kvfree_rcu placements and counters */
  readonly models?: ModelResults;
}

export function checkResultToJson(r: ReplayResult): CheckJson {
  return {
    config: r.config,
    violations: r.violations.map(violationRecord),
    summary: { events: r.events, violations: r.violations.length, suppressed: r.suppressed },
    ...(r.models ? { models: r.models } : {}),
  };
}

export interface FeedOptions {
  /** file name errors are reported against (default `<trace>`) */
  readonly file?: string | undefined;
  readonly ops?: OpTable | undefined;
}

/**
 * Hand a trace to a consumer: text is read (either format); an object is validated
 * member by member (its errors carry a pointer but no line, there is no text).
 */
export function feedTrace(
  trace: Trace | string,
  consumer: TraceConsumer,
  o: FeedOptions = {},
): void {
  const file = o.file ?? '<trace>';
  const ops = o.ops ?? OPS;
  if (typeof trace === 'string') {
    const r = new TraceReader(file, consumer, ops);
    r.push(trace);
    r.end();
    return;
  }
  try {
    const decls = validateHeader(trace, false);
    consumer.header(trace, decls);
    // an index loop, not forEach: a hole in a sparse array is an error, not a skipped event
    const events = trace.events;
    for (let i = 0; i < events.length; i++)
      consumer.event(validateEvent(events[i], decls, `/events/${i}`, ops), i);
  } catch (e) {
    if (e instanceof TraceIssue) throw new TraceError(e.init, file, null);
    throw e;
  }
}

/** Consumer that replays on one kernel (created when the header arrives). */
export class ReplayConsumer implements TraceConsumer {
  private replayer: Replayer | null = null;
  constructor(private readonly options: ReplayOptions = {}) {}
  header(h: TraceHeader, decls: TraceDecls): void {
    this.replayer = new Replayer(h, decls, this.options);
  }
  event(ev: TraceEvent, index: number): void {
    this.replayer!.apply(ev, index);
  }
  result(): ReplayResult {
    return this.replayer!.result();
  }
}

/** Replay a trace (object or text) under its config and `options.overrides`. Throws TraceError. */
export function replayTrace(
  trace: Trace | string,
  options: ReplayOptions & FeedOptions = {},
): ReplayResult {
  const c = new ReplayConsumer(options);
  feedTrace(trace, c, options);
  return c.result();
}

export interface FileOptions extends ReplayOptions {
  readonly progress?: ((bytes: number, total: number, events: number) => void) | undefined;
}

/** Replay a trace file, streaming JSON Lines. Throws TraceError. */
export async function replayTraceFile(
  path: string,
  options: FileOptions = {},
): Promise<ReplayResult> {
  const c = new ReplayConsumer(options);
  await streamTraceFile(path, c, { ops: options.ops, progress: options.progress });
  return c.result();
}
