/**
 * Replaying a trace document that the interop layer built, through the trace layer's
 * validator and Replayer, so that `explain`'s verdicts are exactly what
 * `lockdep check` / `lockdep matrix` give on the emitted trace.
 */
import type { KernelOptions, PreemptModel } from '../core/config';
import { PREEMPT_MODELS } from '../core/config';
import type { Kernel } from '../kernel';
import type { Violation } from '../report/violation';
import { violationLock } from '../report/violation';
import { validateEvent } from '../trace/ops';
import { Replayer } from '../trace/replay';
import { TraceIssue, validateHeader, type Trace, type TraceHeader } from '../trace/schema';

/** One of the 8 configurations of `lockdep matrix`. */
export interface MatrixConfig {
  readonly preempt: PreemptModel;
  readonly proveRawLockNesting: boolean;
}

/** preempt none|voluntary|full|rt × PROVE_RAW_LOCK_NESTING on/off, in `matrix` order. */
export const MATRIX_CONFIGS: readonly MatrixConfig[] = PREEMPT_MODELS.flatMap((preempt) => [
  { preempt, proveRawLockNesting: true },
  { preempt, proveRawLockNesting: false },
]);

export function configId(c: MatrixConfig): string {
  return `${c.preempt}/${c.proveRawLockNesting ? 'prove' : 'noprove'}`;
}

export interface ReplayOutcome {
  readonly kernel: Kernel;
  readonly violations: readonly Violation[];
}

/** An event the model refused: the trace we built is wrong, which is our bug to report, not to hide. */
export class ScenarioError extends Error {
  constructor(
    readonly pointer: string,
    message: string,
  ) {
    super(message);
    this.name = 'ScenarioError';
  }
}

function issueText(e: TraceIssue): string {
  const i = e.init;
  return [i.detail, i.found && `found ${i.found}`, i.expected && `expected ${i.expected}`]
    .filter(Boolean)
    .join('; ');
}

/**
 * Replay `trace` (optionally only its first `upTo` events) with `overrides` over its
 * config. Debug-atomic-sleep is on and every violation is collected.
 */
export function replayTrace(
  trace: Trace,
  overrides: KernelOptions = {},
  upTo = trace.events.length,
): ReplayOutcome {
  try {
    const decls = validateHeader(trace, false);
    const header: TraceHeader = trace;
    const r = new Replayer(header, decls, {
      overrides: { debugAtomicSleep: true, policy: 'collect', ...overrides },
    });
    for (let i = 0; i < upTo; i++)
      r.apply(validateEvent(trace.events[i], decls, `/events/${i}`), i);
    return { kernel: r.kernel, violations: r.result().violations };
  } catch (e) {
    if (e instanceof TraceIssue)
      throw new ScenarioError(
        e.init.pointer,
        `the reconstructed trace is invalid at ${e.init.pointer}: ${issueText(e)}`,
      );
    throw e;
  }
}

/** One configuration's verdict: the kinds (and kind + lock pairs) that fire. */
export interface Verdict {
  readonly config: MatrixConfig;
  readonly id: string;
  readonly kinds: readonly string[];
  readonly violations: readonly { readonly kind: string; readonly lock: string | null }[];
}

export function verdictOf(config: MatrixConfig, violations: readonly Violation[]): Verdict {
  const rows = new Map<string, { kind: string; lock: string | null }>();
  for (const v of violations) {
    const lock = violationLock(v);
    rows.set(`${v.kind} ${lock ?? '-'}`, { kind: v.kind, lock });
  }
  const kinds = [...new Set(violations.map((v) => v.kind))];
  return { config, id: configId(config), kinds, violations: [...rows.values()] };
}

/** The trace under all 8 configurations. */
export function matrixVerdicts(trace: Trace): Verdict[] {
  return MATRIX_CONFIGS.map((c) =>
    verdictOf(
      c,
      replayTrace(trace, { preempt: c.preempt, proveRawLockNesting: c.proveRawLockNesting })
        .violations,
    ),
  );
}
