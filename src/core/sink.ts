/**
 * Where violations go. The engine reports everything it finds; the sink applies the
 * policy (`collect`, `first`, `throw`), deduplicates, counts, and dispatches to
 * listeners only once the operation that raised them has finished and the model's
 * state is consistent again.
 */
import type { ViolationPolicy } from './config';
import { isLockdepReport, violationSignature, type Violation } from './violation';

export type ViolationListener = (v: Violation) => void;

export class ViolationSink {
  /** violations as the user sees them (deduplicated; under `first`, lockdep reports stop after one) */
  readonly list: Violation[] = [];
  /** under `first`: lockdep reports raised after debug_locks went off (counted, not shown) */
  readonly suppressed: Violation[] = [];
  /** occurrences per signature, including the first */
  private readonly seen = new Map<string, number>();
  /** duplicates folded into an earlier identical report */
  duplicates = 0;
  /** lockdep's debug_locks: cleared by the first lockdep report */
  debugLocks = true;
  private readonly pending: Violation[] = [];
  private readonly listeners: ViolationListener[] = [];
  /** listeners are running: what their own operations raise joins the batch being delivered */
  private delivering = false;

  constructor(
    private readonly policy: ViolationPolicy,
    private readonly makeError: (v: Violation, all: readonly Violation[]) => Error,
  ) {}

  report(v: Violation): void {
    const sig = violationSignature(v);
    const n = this.seen.get(sig) ?? 0;
    this.seen.set(sig, n + 1);
    if (n > 0) {
      this.duplicates++;
      return;
    }
    if (isLockdepReport(v)) {
      if (!this.debugLocks && this.policy === 'first') {
        this.suppressed.push(v);
        return;
      }
      this.debugLocks = false;
    }
    this.list.push(v);
    this.pending.push(v);
  }

  /** How many times a report with this violation's signature was raised. */
  occurrences(v: Violation): number {
    return this.seen.get(violationSignature(v)) ?? 0;
  }

  on(listener: ViolationListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /**
   * Deliver what the last operation raised; under `throw`, raise the first of it.
   *
   * Listeners are isolated from the model and from each other: each sees every
   * violation even when one before it threw, and a listener that runs operations of its
   * own (taking and releasing locks) finishes them, because what they raise is queued
   * behind the current batch rather than thrown into the listener. Once everything is
   * delivered, the `throw` policy throws the first violation; otherwise the first error
   * a listener threw is rethrown, with the model already consistent.
   */
  flush(): void {
    // the common case, nothing raised, stays small enough to inline into every operation
    if (this.pending.length !== 0 && !this.delivering) this.deliver();
  }

  private deliver(): void {
    this.delivering = true;
    let first: Violation | undefined;
    const all: Violation[] = [];
    let failed = false;
    let failure: unknown;
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0);
        first ??= batch[0];
        for (const v of batch) {
          all.push(v);
          for (const l of this.listeners.slice()) {
            try {
              l(v);
            } catch (e) {
              if (!failed) {
                failed = true;
                failure = e;
              }
            }
          }
        }
      }
    } finally {
      this.delivering = false;
    }
    if (this.policy === 'throw' && first) {
      const err = this.makeError(first, all);
      if (failed && err.cause === undefined) err.cause = failure;
      throw err;
    }
    if (failed) throw failure;
  }
}
