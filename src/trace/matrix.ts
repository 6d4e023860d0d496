/**
 * One trace under every preemption model x CONFIG_PROVE_RAW_LOCK_NESTING on/off, in one
 * pass over the input: each event goes to eight kernels in turn, so a streamed trace is
 * still read once and never held in memory.
 */
import { PREEMPT_MODELS, type KernelOptions, type PreemptModel } from '../core/config';
import { violationLock, type ViolationKind } from '../report/violation';
import { feedTrace, type FeedOptions } from './check';
import { streamTraceFile, type TraceConsumer } from './reader';
import { Replayer, traceOptions, type ReplayOptions, type ReplayResult } from './replay';
import type { MatrixConfigId, Trace, TraceDecls, TraceEvent, TraceHeader } from './schema';

export interface MatrixColumnSpec {
  readonly id: MatrixConfigId;
  readonly preempt: PreemptModel;
  readonly proveRawLockNesting: boolean;
}

/** The eight configurations, in table order. */
export const MATRIX_COLUMNS: readonly MatrixColumnSpec[] = PREEMPT_MODELS.flatMap((preempt) =>
  [true, false].map((prove) => ({
    id: `${preempt}/${prove ? 'prove' : 'noprove'}`,
    preempt,
    proveRawLockNesting: prove,
  })),
);

export interface MatrixColumn extends MatrixColumnSpec {
  readonly result: ReplayResult;
}

/** One distinct violation (kind + lock) and the configurations it fires in. */
export interface MatrixRow {
  /** `<kind> <lock>`, lock `-` for reports about no particular lock */
  readonly key: string;
  readonly kind: ViolationKind;
  readonly lock: string | null;
  /** configuration ids, in table order */
  readonly fires: readonly MatrixConfigId[];
  /** the pattern in words: `PROVE_RAW_LOCK_NESTING=y only`, `PREEMPT_RT only`, `always`, ... */
  readonly when: string;
  /** the earliest event raising it in any configuration */
  readonly firstEvent: number;
}

export interface MatrixResult {
  readonly events: number;
  readonly columns: readonly MatrixColumn[];
  readonly rows: readonly MatrixRow[];
}

export interface MatrixOptions extends Omit<ReplayOptions, 'overrides'> {
  /** options applied over the trace's config in every column (preempt and raw nesting are the column's) */
  readonly overrides?: Omit<KernelOptions, 'preempt' | 'proveRawLockNesting'> | undefined;
}

/** Kernel options of one column: the trace's, the overrides, then the column's. */
function columnOptions(
  header: TraceHeader,
  col: MatrixColumnSpec,
  overrides: KernelOptions | undefined,
): KernelOptions {
  const o: Record<string, unknown> = {
    ...traceOptions(header, overrides),
    preempt: col.preempt,
    proveRawLockNesting: col.proveRawLockNesting,
    debugAtomicSleep: true,
  };
  // PREEMPT_RT forces threaded interrupts: a trace written for !RT with threadirqs off still runs there.
  if (col.preempt === 'rt' && o.threadirqs === false) delete o.threadirqs;
  return o;
}

class MatrixConsumer implements TraceConsumer {
  private replayers: Replayer[] = [];
  private count = 0;
  constructor(private readonly options: MatrixOptions) {}

  header(h: TraceHeader, decls: TraceDecls): void {
    this.replayers = MATRIX_COLUMNS.map(
      (col) =>
        new Replayer({ ...h, config: columnOptions(h, col, this.options.overrides) }, decls, {
          ops: this.options.ops,
        }),
    );
  }

  event(ev: TraceEvent, index: number): void {
    for (const r of this.replayers) r.apply(ev, index);
    this.count = index + 1;
  }

  result(): MatrixResult {
    const columns = MATRIX_COLUMNS.map((spec, i) => ({
      ...spec,
      result: this.replayers[i].result(),
    }));
    return { events: this.count, columns, rows: matrixRows(columns) };
  }
}

/** Rows of the table: distinct (kind, lock) pairs, ordered by the event that first raises them. */
export function matrixRows(columns: readonly MatrixColumn[]): MatrixRow[] {
  const rows = new Map<
    string,
    { kind: ViolationKind; lock: string | null; fires: Set<MatrixConfigId>; firstEvent: number }
  >();
  for (const col of columns) {
    for (const v of col.result.violations) {
      const lock = violationLock(v);
      const key = `${v.kind} ${lock ?? '-'}`;
      let row = rows.get(key);
      if (!row)
        rows.set(key, (row = { kind: v.kind, lock, fires: new Set(), firstEvent: v.event }));
      row.fires.add(col.id);
      row.firstEvent = Math.min(row.firstEvent, v.event);
    }
  }
  return [...rows.entries()]
    .sort((a, b) => a[1].firstEvent - b[1].firstEvent || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([key, r]) => {
      const fires = MATRIX_COLUMNS.filter((c) => r.fires.has(c.id)).map((c) => c.id);
      return {
        key,
        kind: r.kind,
        lock: r.lock,
        fires,
        when: describeFires(fires),
        firstEvent: r.firstEvent,
      };
    });
}

/**
 * The set of configurations in words, when it is a product of a set of preemption
 * models and a set of raw-nesting settings (which is what a reader looks for).
 */
export function describeFires(fires: readonly MatrixConfigId[]): string {
  if (fires.length === 0) return 'never';
  if (fires.length === MATRIX_COLUMNS.length) return 'always';
  const set = new Set(fires);
  const models = PREEMPT_MODELS.filter((p) => set.has(`${p}/prove`) || set.has(`${p}/noprove`));
  const proves = [true, false].filter((y) =>
    PREEMPT_MODELS.some((p) => set.has(`${p}/${y ? 'prove' : 'noprove'}`)),
  );
  if (models.length * proves.length !== fires.length)
    return `${fires.length} of ${MATRIX_COLUMNS.length} configurations`;
  const parts: string[] = [];
  const name: Record<PreemptModel, string> = {
    none: 'PREEMPT_NONE',
    voluntary: 'PREEMPT_VOLUNTARY',
    full: 'PREEMPT',
    rt: 'PREEMPT_RT',
  };
  if (models.length < PREEMPT_MODELS.length) {
    const others = PREEMPT_MODELS.filter((p) => !models.includes(p));
    parts.push(
      models.length <= others.length
        ? models.map((p) => name[p]).join(' or ')
        : `not ${others.map((p) => name[p]).join(' or ')}`,
    );
  }
  if (proves.length === 1) parts.push(`PROVE_RAW_LOCK_NESTING=${proves[0] ? 'y' : 'n'}`);
  return `${parts.join(', ')} only`;
}

/** Replay a trace (object or text) under the eight configurations. Throws TraceError. */
export function runMatrix(
  trace: Trace | string,
  options: MatrixOptions & FeedOptions = {},
): MatrixResult {
  const c = new MatrixConsumer(options);
  feedTrace(trace, c, options);
  return c.result();
}

/** Replay a trace file under the eight configurations, reading it once. Throws TraceError. */
export async function runMatrixFile(
  path: string,
  options: MatrixOptions & {
    readonly progress?: (bytes: number, total: number, events: number) => void;
  } = {},
): Promise<MatrixResult> {
  const c = new MatrixConsumer(options);
  await streamTraceFile(path, c, { ops: options.ops, progress: options.progress });
  return c.result();
}
