/** The error the `throw` policy raises: it carries the violation, and its message is the splat. */
import { LockdepError } from '../core/errors';
import { formatViolation } from './format';
import type { Violation } from './violation';

export class LockdepViolationError extends LockdepError {
  readonly violation: Violation;
  /** every violation the failing operation raised */
  readonly violations: readonly Violation[];
  constructor(violation: Violation, violations: readonly Violation[] = [violation]) {
    super('violation', formatViolation(violation));
    this.name = 'LockdepViolationError';
    this.violation = violation;
    this.violations = violations;
  }
}
