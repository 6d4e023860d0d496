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

  /** Deliver what the last operation raised; under `throw`, raise the first of it. */
  flush(): void {
    if (this.pending.length === 0) return;
    const batch = this.pending.splice(0);
    for (const v of batch) for (const l of this.listeners.slice()) l(v);
    if (this.policy === 'throw') throw this.makeError(batch[0], batch);
  }
}
