/**
 * The published JSON Schema (2020-12) of trace format version 1, generated from the op
 * table and the header rules, so it cannot drift from the parser: `npm run schema`
 * writes docs/trace-v1.schema.json and a test checks the committed file is current.
 *
 * A schema sees structure only. What it cannot say, the parser still checks: that a
 * `lock` names a declared lock, which members a lock type accepts on `lock` (`read` on
 * a mutex), and the contradictions between kernel options found at replay.
 */
import { DEFAULT_LIMITS, POLICIES, PREEMPT_MODELS } from '../core/config';
import { LOCK_TYPE_NAMES, WAIT_TYPE_NAMES } from '../core/waitType';
import { VIOLATION_KINDS } from '../report/violation';
import type { JsonSchema } from './fields';
import { OPS } from './ops';
import { CPU_FIELD, PID_FIELD, TASK_FIELD, type OpTable } from './opTable';
import {
  BOOL_OPTIONS,
  LOCK_TYPE_TAGS,
  MATRIX_CONFIG_IDS,
  RCU_LOCKS,
  TRACE_VERSION,
  VERSION_KEY,
} from './schema';

/** Where the schema is published, relative to an example trace (examples/<dir>/x.json). */
export const SCHEMA_FILE = 'docs/trace-v1.schema.json';

const DIALECT = 'https://json-schema.org/draft/2020-12/schema';

const strictObject = (
  properties: Record<string, JsonSchema>,
  required: readonly string[] = [],
  extra: JsonSchema = {},
): JsonSchema => ({
  type: 'object',
  ...extra,
  properties,
  ...(required.length ? { required: [...required] } : {}),
  additionalProperties: false,
});

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function configSchema(): JsonSchema {
  const props: Record<string, JsonSchema> = {
    preempt: { enum: [...PREEMPT_MODELS], description: 'the preemption model; "rt" is PREEMPT_RT' },
  };
  for (const k of BOOL_OPTIONS) props[k] = { type: 'boolean' };
  props.policy = { enum: [...POLICIES] };
  props.cpus = { type: 'integer', minimum: 1, maximum: 256 };
  props.limits = strictObject(
    Object.fromEntries(
      Object.keys(DEFAULT_LIMITS).map((k) => [k, { type: 'integer', minimum: 1 }]),
    ),
  );
  props.release = { type: 'string', pattern: '^\\S+$' };
  props.version = { type: 'string', pattern: '^\\S+$' };
  return strictObject(props, [], { description: 'kernel options (KernelOptions)' });
}

function locksSchema(): JsonSchema {
  const cls = { type: 'string', minLength: 1, description: 'lock class key (default: the name)' };
  return {
    type: 'object',
    description: 'lock declarations, by name',
    propertyNames: { type: 'string', minLength: 1, not: { enum: [...RCU_LOCKS] } },
    additionalProperties: {
      oneOf: [
        strictObject({ type: { const: 'rwlock' }, class: cls, queued: { type: 'boolean' } }, [
          'type',
        ]),
        strictObject({ type: { enum: LOCK_TYPE_TAGS.filter((t) => t !== 'rwlock') }, class: cls }, [
          'type',
        ]),
        strictObject(
          {
            wait: strictObject(
              { inner: { enum: [...WAIT_TYPE_NAMES] }, outer: { enum: [...WAIT_TYPE_NAMES] } },
              ['inner'],
            ),
            lockType: { enum: [...LOCK_TYPE_NAMES] },
            class: cls,
          },
          ['wait'],
        ),
      ],
    },
  };
}

function expectSchema(): JsonSchema {
  const kinds = VIOLATION_KINDS.map(escapeRegExp).join('|');
  return strictObject({
    violations: {
      type: 'array',
      items: strictObject(
        {
          kind: { enum: [...VIOLATION_KINDS] },
          lock: { oneOf: [{ type: 'string' }, { type: 'null' }] },
          event: { type: 'integer', minimum: 0 },
        },
        ['kind'],
      ),
    },
    matrix: {
      type: 'object',
      propertyNames: { type: 'string', pattern: `^(?:${kinds}) [^ ]*$` },
      additionalProperties: { type: 'array', items: { enum: [...MATRIX_CONFIG_IDS] } },
    },
  });
}

function headerProperties(): Record<string, JsonSchema> {
  return {
    $schema: { type: 'string', description: 'where editors find this schema' },
    [VERSION_KEY]: { const: TRACE_VERSION, description: 'the format version' },
    description: { type: 'string' },
    config: { $ref: '#/$defs/config' },
    locks: { $ref: '#/$defs/locks' },
    expect: { $ref: '#/$defs/expect' },
    meta: { type: 'object', description: 'free-form data for tools; never interpreted' },
  };
}

function opSchema(name: string, ops: OpTable): JsonSchema {
  const spec = ops[name];
  const props: Record<string, JsonSchema> = {
    op: { const: name, description: spec.summary },
    task: { ...TASK_FIELD.schema, description: 'the task performing the event (default "init")' },
    cpu: { ...CPU_FIELD.schema, description: 'the CPU it runs on' },
    pid: {
      ...PID_FIELD.schema,
      description:
        "the task's pid when it first appears (a name ending in -<pid> prints as the comm before it)",
    },
  };
  const required = ['op'];
  for (const [k, f] of Object.entries(spec.fields)) {
    props[k] = f.schema;
    if (!f.optional) required.push(k);
  }
  return strictObject(props, required, { description: spec.summary });
}

/** The schema of a trace document; `$defs/header` is a JSON Lines header line, `$defs/event` one event. */
export function traceJsonSchema(ops: OpTable = OPS): JsonSchema {
  const names = Object.keys(ops).sort();
  const defs: Record<string, JsonSchema> = {
    config: configSchema(),
    locks: locksSchema(),
    expect: expectSchema(),
    header: strictObject(headerProperties(), [VERSION_KEY], {
      description: 'the first line of a JSON Lines trace',
    }),
    event: { oneOf: names.map((n) => ({ $ref: `#/$defs/op-${n}` })) },
  };
  for (const n of names) defs[`op-${n}`] = opSchema(n, ops);
  return {
    $schema: DIALECT,
    title: `lockdep trace, version ${TRACE_VERSION}`,
    description:
      'A JSON trace document (docs/trace-format.md). The parser also checks what a schema cannot: lock names are declared, the members a lock type accepts, contradictory kernel options.',
    ...strictObject(
      {
        ...headerProperties(),
        events: { type: 'array', items: { $ref: '#/$defs/event' } },
      },
      [VERSION_KEY, 'events'],
    ),
    $defs: defs,
  };
}
