/**
 * Field validators for trace objects: each knows what it expects (for the error text)
 * and checks one JSON value. Op specs and the header schema are built from these, so
 * every field of every op reports errors the same way.
 */
import { describeValue, didYouMean, type TraceErrorCode } from './errors';
import type { TraceDecls } from './schema';

/** Why a value was rejected. */
export interface FieldIssue {
  readonly code: TraceErrorCode;
  readonly found: string;
  readonly expected: string;
  /** the member the issue is about, when not the one being validated (cross-field checks) */
  readonly field?: string;
}

export interface FieldValidator {
  /** what a valid value looks like, as error messages and docs say it: `a boolean` */
  readonly expected: string;
  /** may the field be absent? */
  readonly optional: boolean;
  /** null when `value` is valid; `decls` resolves lock names */
  validate(value: unknown, decls: TraceDecls): FieldIssue | null;
}

function wrongType(value: unknown, expected: string): FieldIssue {
  return { code: 'wrong-type', found: describeValue(value), expected };
}

function make(expected: string, test: (v: unknown) => boolean): FieldValidator {
  return {
    expected,
    optional: false,
    validate: (v) => (test(v) ? null : wrongType(v, expected)),
  };
}

/** Builders for the common field shapes. */
export const field = {
  boolean(): FieldValidator {
    return make('true or false', (v) => typeof v === 'boolean');
  },

  string(): FieldValidator {
    return make('a non-empty string', (v) => typeof v === 'string' && v.length > 0);
  },

  integer(lo: number, hi: number): FieldValidator {
    const expected =
      hi >= Number.MAX_SAFE_INTEGER ? `an integer >= ${lo}` : `an integer in ${lo}..${hi}`;
    return make(
      expected,
      (v) => typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi,
    );
  },

  oneOf(values: readonly string[]): FieldValidator {
    const expected = `one of ${values.map((x) => JSON.stringify(x)).join(', ')}`;
    const set = new Set(values);
    return make(expected, (v) => typeof v === 'string' && set.has(v));
  },

  /** The name of a declared (or predeclared) lock. */
  lock(): FieldValidator {
    return {
      expected: 'the name of a lock declared in "locks"',
      optional: false,
      validate(v, decls) {
        if (typeof v !== 'string') return wrongType(v, 'the name of a lock declared in "locks"');
        if (decls.locks.has(v)) return null;
        return {
          code: 'unknown-lock',
          found: describeValue(v),
          expected: `a lock declared in "locks"${didYouMean(v, decls.locks.keys())} (${lockList(decls)})`,
        };
      },
    };
  },

  optional(v: FieldValidator): FieldValidator {
    return { ...v, optional: true, validate: v.validate };
  },
};

/** Declared names for an "unknown lock" message, shortened when there are many. */
function lockList(decls: TraceDecls): string {
  const names = [...decls.locks.keys()];
  const shown = names.slice(0, 8).join(', ');
  return names.length > 8 ? `${shown}, ... ${names.length - 8} more` : shown;
}
