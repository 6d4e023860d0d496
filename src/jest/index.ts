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
// the module whose Matchers interface the augmentation below extends (@jest/globals' expect)
import type {} from 'expect';
import type { Kernel } from '../kernel';
import { formatViolation } from '../report/format';
import { violationLock, type Violation, type ViolationKind } from '../report/violation';

/** What a matcher accepts: a kernel, its violations, or a scenario that builds one. */
export type Scenario = Kernel | readonly Violation[] | (() => Kernel);

/**
 * Fields a violation must match, compared with Jest's equality (so asymmetric matchers
 * work): `lock` is the name of the lock the report is about, `task` the task's comm;
 * any other key is compared with the violation's field of that name.
 */
export interface ViolationMatch {
  readonly lock?: unknown;
  readonly task?: unknown;
  readonly [field: string]: unknown;
}

/**
 * The part of Jest's matcher context the matchers use. `equals` is Jest's own deep
 * equality, which understands asymmetric matchers (`expect.any(Number)`,
 * `expect.objectContaining(...)`); when a matcher is called outside `expect` it is absent
 * and a structural comparison stands in.
 */
interface MatcherContext {
  readonly isNot?: boolean | undefined;
  readonly equals?: ((a: unknown, b: unknown) => boolean) | undefined;
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

/** Structural equality for data (what JSON can hold), used when Jest's is not at hand. */
function plainEquals(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) =>
    plainEquals((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
  );
}

function matches(
  ctx: MatcherContext,
  v: Violation,
  kind: ViolationKind,
  m: ViolationMatch | undefined,
): boolean {
  if (v.kind !== kind) return false;
  if (!m) return true;
  const equals = ctx.equals ?? plainEquals;
  for (const [key, want] of Object.entries(m)) {
    if (want === undefined) continue;
    const got =
      key === 'lock'
        ? violationLock(v)
        : key === 'task'
          ? v.task.comm
          : (v as unknown as Record<string, unknown>)[key];
    if (!equals(got, want)) return false;
  }
  return true;
}

function withoutTrailingNewlines(s: string): string {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 10) end--;
  return s.slice(0, end);
}

function describeAll(vs: readonly Violation[]): string {
  if (vs.length === 0) return 'no violations were raised';
  // a blank line between splats, as `lockdep check` prints them
  const splats = vs.map((v) => withoutTrailingNewlines(formatViolation(v)));
  return `${vs.length} violation${vs.length > 1 ? 's were' : ' was'} raised:\n${splats.join('\n\n')}`;
}

function describeMatch(kind: ViolationKind, m?: ViolationMatch): string {
  // asymmetric matchers print as what they are, not as their internals
  const show = (x: unknown): unknown => {
    const a = x as { asymmetricMatch?: unknown; toAsymmetricMatcher?: () => string } | null;
    if (typeof a?.asymmetricMatch !== 'function') return x;
    return a.toAsymmetricMatcher?.() ?? (a as { toString(): string }).toString();
  };
  return m
    ? `${kind} ${JSON.stringify(Object.fromEntries(Object.entries(m).map(([k, x]) => [k, show(x)])))}`
    : kind;
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
    const hit = vs.find((v) => matches(this ?? {}, v, kind, match));
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
  toHaveInvalidWaitContext(
    this: MatcherContext,
    received: Scenario,
    lock?: unknown,
  ): MatcherResult {
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

/** The matchers as Jest sees them on `expect(x)`: typed for both `expect`s below. */
export interface LockdepMatchers<R> {
  /** The scenario raised a violation of `kind` whose fields match `match` (Jest equality). */
  toHaveViolation(kind: ViolationKind, match?: ViolationMatch): R;
  /** The scenario raised no violation at all. */
  toBeLockdepClean(): R;
  /** The scenario raised an invalid-wait-context report (about `lock`). */
  toHaveInvalidWaitContext(lock?: unknown): R;
}

// The global `expect` (@types/jest) ...
declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace jest {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface Matchers<R> extends LockdepMatchers<R> {}
  }
}

// ... and `import { expect } from '@jest/globals'`, whose matchers are the `expect`
// package's.
declare module 'expect' {
  // the type parameters must be the augmented interface's own, T included
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unused-vars
  interface Matchers<R extends void | Promise<void>, T = unknown> extends LockdepMatchers<R> {}
}
