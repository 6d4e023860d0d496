/**
 * Field validators for trace objects: each knows what it expects (for the error text),
 * the JSON Schema that says the same (for docs/trace-v1.schema.json), the TypeScript
 * type of a valid value (so op handlers read typed events), and checks one JSON value.
 * Op specs are built from these, so every field of every op reports errors the same way.
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

/** A JSON Schema (2020-12) fragment. */
export type JsonSchema = { readonly [keyword: string]: unknown };

/**
 * One field: `T` is the type of a valid value, `O` whether the field may be absent. The
 * cheap `test` runs on every event; `validate` runs only to explain a rejected one.
 */
export interface FieldValidator<T = unknown, O extends boolean = boolean> {
  /** what a valid value looks like, as error messages and docs say it: `a boolean` */
  readonly expected: string;
  /** may the field be absent? */
  readonly optional: O;
  /** the same rule as JSON Schema (a lock name is only a string there: declarations are data) */
  readonly schema: JsonSchema;
  /** true when `value` is valid */
  test(value: unknown, decls: TraceDecls): boolean;
  /** null when `value` is valid, else why not; `decls` resolves lock names */
  validate(value: unknown, decls: TraceDecls): FieldIssue | null;
  /** never set: carries `T` for the event types */
  readonly valueType?: T;
}

/** The type a validator admits. */
export type FieldType<V> = V extends FieldValidator<infer T, boolean> ? T : never;

/**
 * What a builder's `test` checks, as data, so an op's compiled check (defineOp) tests the
 * common shapes inline rather than through one closure call per member. A validator
 * made some other way has no rule and is called through `test`.
 */
export type FieldRule =
  | { readonly kind: 'boolean' }
  | { readonly kind: 'string' }
  | { readonly kind: 'integer'; readonly lo: number; readonly hi: number }
  | { readonly kind: 'oneOf'; readonly values: ReadonlySet<unknown> }
  | { readonly kind: 'lock' };

/** validator -> its rule, and the `test` the rule stands for */
const rules = new WeakMap<FieldValidator, { readonly rule: FieldRule; readonly test: unknown }>();

/** The rule `v` was built with, if a builder made it and its `test` is still the builder's. */
export function ruleOf(v: FieldValidator): FieldRule | undefined {
  const r = rules.get(v);
  return r !== undefined && r.test === testOf(v) ? r.rule : undefined;
}

function testOf(v: FieldValidator): unknown {
  return Object.getOwnPropertyDescriptor(v, 'test')?.value;
}

function withRule<V extends FieldValidator>(v: V, rule: FieldRule): V {
  rules.set(v, { rule, test: testOf(v) });
  return v;
}

function wrongType(value: unknown, expected: string): FieldIssue {
  return { code: 'wrong-type', found: describeValue(value), expected };
}

function make<T>(
  expected: string,
  schema: JsonSchema,
  test: (v: unknown) => boolean,
): FieldValidator<T, false> {
  return {
    expected,
    optional: false,
    schema,
    test,
    validate: (v) => (test(v) ? null : wrongType(v, expected)),
  };
}

/** Builders for the common field shapes. */
export const field = {
  boolean(): FieldValidator<boolean, false> {
    return withRule(
      make('true or false', { type: 'boolean' }, (v) => typeof v === 'boolean'),
      { kind: 'boolean' },
    );
  },

  string(): FieldValidator<string, false> {
    return withRule(
      make(
        'a non-empty string',
        { type: 'string', minLength: 1 },
        (v) => typeof v === 'string' && v.length > 0,
      ),
      { kind: 'string' },
    );
  },

  integer(lo: number, hi: number): FieldValidator<number, false> {
    const unbounded = hi >= Number.MAX_SAFE_INTEGER;
    const expected = unbounded ? `an integer >= ${lo}` : `an integer in ${lo}..${hi}`;
    const schema = unbounded
      ? { type: 'integer', minimum: lo }
      : { type: 'integer', minimum: lo, maximum: hi };
    return withRule(
      make(
        expected,
        schema,
        (v) => typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi,
      ),
      { kind: 'integer', lo, hi },
    );
  },

  oneOf<const V extends string>(values: readonly V[]): FieldValidator<V, false> {
    const expected = `one of ${values.map((x) => JSON.stringify(x)).join(', ')}`;
    const set = new Set<unknown>(values);
    return withRule(
      make(expected, { enum: [...values] }, (v) => typeof v === 'string' && set.has(v)),
      { kind: 'oneOf', values: set },
    );
  },

  /** The name of a declared (or predeclared) lock. */
  lock(): FieldValidator<string, false> {
    const expected = 'the name of a lock declared in "locks"';
    return withRule<FieldValidator<string, false>>(
      {
        expected,
        optional: false,
        // which names are declared is the document's data, beyond what a schema can say
        schema: { type: 'string', description: expected },
        test: (v, decls) => typeof v === 'string' && decls.locks.has(v),
        validate(v, decls) {
          if (typeof v !== 'string') return wrongType(v, expected);
          if (decls.locks.has(v)) return null;
          return {
            code: 'unknown-lock',
            found: describeValue(v),
            expected: `a lock declared in "locks"${didYouMean(v, decls.locks.keys())} (${lockList(decls)})`,
          };
        },
      },
      { kind: 'lock' },
    );
  },

  optional<T>(v: FieldValidator<T, false>): FieldValidator<T, true> {
    const o: FieldValidator<T, true> = { ...v, optional: true };
    const rule = ruleOf(v);
    return rule ? withRule(o, rule) : o;
  },
};

/** Declared names for an "unknown lock" message, shortened when there are many. */
function lockList(decls: TraceDecls): string {
  const names = [...decls.locks.keys()];
  const shown = names.slice(0, 8).join(', ');
  return names.length > 8 ? `${shown}, ... ${names.length - 8} more` : shown;
}
