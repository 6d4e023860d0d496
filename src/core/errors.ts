/**
 * Typed errors. These are for programming mistakes and bad input (a wrong option, a
 * lock from another kernel); what the modelled kernel would report is a Violation,
 * never an exception, unless the `throw` policy asks for one.
 */
export type LockdepErrorCode =
  'invalid-config' | 'invalid-argument' | 'foreign-object' | 'violation' | 'invalid-trace';

export class LockdepError extends Error {
  readonly code: LockdepErrorCode;
  constructor(code: LockdepErrorCode, message: string) {
    super(message);
    this.name = 'LockdepError';
    this.code = code;
  }
}

/** Thrown by createKernel() for unknown, mistyped or contradictory options. */
export class ConfigError extends LockdepError {
  /** dotted path of the offending option, e.g. `limits.maxLockDepth` */
  readonly option: string;
  constructor(option: string, message: string) {
    super('invalid-config', `invalid kernel config: ${option}: ${message}`);
    this.name = 'ConfigError';
    this.option = option;
  }
}

/** Thrown for arguments a caller could not have meant (NaN subclass, a lock of another kernel). */
export class UsageError extends LockdepError {
  constructor(message: string, code: LockdepErrorCode = 'invalid-argument') {
    super(code, message);
    this.name = 'UsageError';
  }
}
