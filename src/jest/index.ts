/**
 * Jest matchers for lockdep scenarios (the `lockdep/jest` entry).
 *
 *   import { lockdepMatchers } from 'lockdep/jest';
 *   expect.extend(lockdepMatchers);
 *
 *   expect(kernel).toHaveViolation('invalid-wait-context', { lock: 'zone->lock' });
 *   expect(kernel).toBeLockdepClean();
 *
 * Failure messages show the kernel-style splats, so a failing test reads like dmesg.
 * Nothing here imports Jest: the matchers are plain functions over the library's data.
 */
import type { Kernel } from '../kernel';
import { formatViolation } from '../report/format';
import { violationLock, type Violation, type ViolationKind } from '../report/violation';

/** What a matcher accepts: a kernel, its violations, or a scenario that builds one. */
export type Scenario = Kernel | readonly Violation[] | (() => Kernel);

/** Fields a violation must match: `lock` is the lock name the report is about; others compare by equality. */
export interface ViolationMatch {
  readonly lock?: string;
  readonly task?: string;
  readonly [field: string]: unknown;
}

interface MatcherContext {
  readonly isNot?: boolean;
}

interface MatcherResult {
  pass: boolean;
  message: () => string;
}

function violationsOf(received: unknown): readonly Violation[] {
  if (typeof received === 'function') return violationsOf((received as () => unknown)());
  if (Array.isArray(received)) return received as Violation[];
  if (received && typeof received === 'object' && 'violations' in received)
    return (received as Kernel).violations;
  throw new TypeError(
    `expected a Kernel, an array of violations or a function returning a Kernel, got ${typeof received}`,
  );
}

function matches(v: Violation, kind: ViolationKind, m: ViolationMatch | undefined): boolean {
  if (v.kind !== kind) return false;
  if (!m) return true;
  for (const [key, want] of Object.entries(m)) {
    if (want === undefined) continue;
    if (key === 'lock') {
      if (violationLock(v) !== want) return false;
    } else if (key === 'task') {
      if (v.task.comm !== want) return false;
    } else if (
      JSON.stringify((v as unknown as Record<string, unknown>)[key]) !== JSON.stringify(want)
    )
      return false;
  }
  return true;
}

function describeAll(vs: readonly Violation[]): string {
  if (vs.length === 0) return 'no violations were raised';
  return `${vs.length} violation${vs.length > 1 ? 's were' : ' was'} raised:\n${vs.map((v) => formatViolation(v)).join('\n')}`;
}

function describeMatch(kind: ViolationKind, m?: ViolationMatch): string {
  return m ? `${kind} ${JSON.stringify(m)}` : kind;
}

export const lockdepMatchers = {
  /** The scenario raised a violation of `kind` (matching `match`). */
  toHaveViolation(
    this: MatcherContext,
    received: Scenario,
    kind: ViolationKind,
    match?: ViolationMatch,
  ): MatcherResult {
    const vs = violationsOf(received);
    const hit = vs.find((v) => matches(v, kind, match));
    return {
      pass: hit !== undefined,
      message: () =>
        hit
          ? `expected no ${describeMatch(kind, match)}, but got:\n${formatViolation(hit)}`
          : `expected ${describeMatch(kind, match)}, but ${describeAll(vs)}`,
    };
  },

  /** The scenario raised no violation at all. */
  toBeLockdepClean(this: MatcherContext, received: Scenario): MatcherResult {
    const vs = violationsOf(received);
    return {
      pass: vs.length === 0,
      message: () =>
        vs.length
          ? `expected a clean run, but ${describeAll(vs)}`
          : 'expected violations, but the run was clean',
    };
  },

  /** Shorthand: an invalid-wait-context report about `lock`. */
  toHaveInvalidWaitContext(this: MatcherContext, received: Scenario, lock?: string): MatcherResult {
    return lockdepMatchers.toHaveViolation.call(
      this,
      received,
      'invalid-wait-context',
      lock === undefined ? undefined : { lock },
    );
  },
};

/** Thrown by assertNoLocksHeld(): which task holds what. */
export class LocksHeldError extends Error {
  constructor(
    readonly tasks: readonly string[],
    detail: string,
  ) {
    super(detail);
    this.name = 'LocksHeldError';
  }
}

/**
 * Teardown helper: fails when any live task still holds locks (as the kernel's
 * debug_check_no_locks_held() at exit would), listing the held locks.
 *
 *   afterEach(() => assertNoLocksHeld(kernel));
 */
export function assertNoLocksHeld(kernel: Kernel): void {
  const tasks = kernel.tasksHoldingLocks();
  if (tasks.length === 0) return;
  const lines: string[] = [];
  for (const t of tasks) {
    const held = kernel.heldLocks(t);
    lines.push(`${t} still holds ${held.length} lock${held.length > 1 ? 's' : ''}:`);
    held.forEach((h, i) => lines.push(` #${i}: ${h.name} (${h.instance}), at: ${h.at}`));
  }
  throw new LocksHeldError(tasks, lines.join('\n'));
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace jest {
    interface Matchers<R> {
      /** The scenario raised a violation of `kind` (matching `match`). */
      toHaveViolation(kind: ViolationKind, match?: ViolationMatch): R;
      /** The scenario raised no violation. */
      toBeLockdepClean(): R;
      /** The scenario raised an invalid-wait-context report (about `lock`). */
      toHaveInvalidWaitContext(lock?: string): R;
    }
  }
}
