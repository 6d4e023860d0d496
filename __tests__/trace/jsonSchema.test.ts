/**
 * docs/trace-v1.schema.json: generated from the op table (src/trace/jsonSchema.ts), valid
 * JSON Schema 2020-12 for a standard validator (ajv), accepting every bundled trace, and
 * agreeing with the parser on fuzzed documents.
 */
import * as fs from 'fs';
import * as path from 'path';
import Ajv2020 from 'ajv/dist/2020';
import fc from 'fast-check';
import { SCHEMA_FILE, traceJsonSchema } from '../../src/trace/jsonSchema';
import { validateEvent } from '../../src/trace/ops';
import {
  TraceIssue,
  validateHeader,
  type DeclaredLock,
  type TraceDecls,
} from '../../src/trace/schema';
import { OPS } from '../../src/trace/ops';
import { TRACE_SAMPLES } from '../fuzz/helpers';
import { runs } from '../helpers/fuzz';

const ROOT = path.join(__dirname, '..', '..');
const committed: unknown = JSON.parse(fs.readFileSync(path.join(ROOT, SCHEMA_FILE), 'utf8'));

const ajv = new Ajv2020({ strict: true, allErrors: false });
ajv.addSchema(committed as object, 'trace');
const validateDoc = ajv.getSchema('trace')!;
const validateHeaderLine = ajv.getSchema('trace#/$defs/header')!;

describe('docs/trace-v1.schema.json', () => {
  it('is what `npm run schema` generates from the op table (run it after changing an op)', () => {
    expect(committed).toEqual(traceJsonSchema());
  });

  it('describes every op of the table, each with its summary', () => {
    const defs = (committed as { $defs: Record<string, { description?: string }> }).$defs;
    for (const [name, spec] of Object.entries(OPS))
      expect(defs[`op-${name}`]?.description).toBe(spec.summary);
  });

  it.each(TRACE_SAMPLES.map((s) => [s.name, s.text] as const))(
    '%s is valid against it and names it in "$schema"',
    (name, text) => {
      const doc = JSON.parse(text) as Record<string, unknown>;
      const ok = validateDoc(doc);
      if (!ok) throw new Error(`${name}: ${ajv.errorsText(validateDoc.errors)}`);
      const rel = path.relative(path.dirname(path.join(ROOT, name)), path.join(ROOT, SCHEMA_FILE));
      expect(doc.$schema).toBe(rel);
    },
  );
});

/**
 * The parser's structural verdict on a document. Where it checks more than a schema can
 * express, the comparison is restricted: every lock name counts as declared (which names
 * are declared is data), and the cross-field lock-type check (`read` on a mutex:
 * `unsupported-field`, raised only after every member passed) counts as accepted.
 */
class EveryLockDeclared extends Map<string, DeclaredLock> {
  override has(): boolean {
    return true;
  }
  override get(name: string): DeclaredLock {
    return { name, kind: 'rwsem', decl: null };
  }
}
const ANY_LOCK: TraceDecls = { locks: new EveryLockDeclared() };

function parserAccepts(doc: unknown, jsonl = false): boolean {
  try {
    validateHeader(doc, jsonl);
    if (jsonl) return true;
    const events = (doc as { events: unknown[] }).events;
    for (let i = 0; i < events.length; i++) {
      try {
        validateEvent(events[i], ANY_LOCK, `/events/${i}`);
      } catch (e) {
        if (e instanceof TraceIssue && e.init.code === 'unsupported-field') continue;
        throw e;
      }
    }
    return true;
  } catch (e) {
    if (e instanceof TraceIssue) return false;
    throw e;
  }
}

const KEYS = [
  ...new Set([
    ...Object.values(OPS).flatMap((s) => Object.keys(s.fields)),
    ...['op', 'task', 'cpu', 'lockdep-trace', '$schema', 'description', 'config', 'locks'],
    ...['expect', 'meta', 'events', 'preempt', 'policy', 'cpus', 'limits', 'release', 'version'],
    ...['proveRawLockNesting', 'maxLockDepth', 'type', 'class', 'queued', 'wait', 'inner'],
    ...['outer', 'lockType', 'violations', 'matrix', 'kind', 'event', 'bogus', ''],
  ]),
];

const VALUES: unknown[] = [
  null,
  true,
  false,
  0,
  1,
  -1,
  2.5,
  255,
  256,
  4294967296,
  '',
  'x',
  'has space',
  'lock',
  'unlock',
  'irq_enter',
  'kvfree_cache',
  'spinlock',
  'rwlock',
  'srcu',
  'spin',
  'inv',
  'percpu',
  'wait-override',
  'full',
  'rt',
  'first',
  'mainline',
  'min',
  'rcu_read_lock',
  'invalid-wait-context',
  'invalid-wait-context A',
  'rt/prove',
  [],
  ['rt/prove'],
  [1],
  {},
  { type: 'spinlock' },
  { type: 'rwlock', queued: true },
  { wait: { inner: 'spin' } },
  { op: 'lock', lock: 'A' },
  { op: 'schedule', reason: 'x' },
  { kind: 'recursive-locking', lock: null, event: 0 },
  { maxLockDepth: 3 },
];

/** Places in a document: a container and one of its keys. */
function places(v: unknown, out: [Record<string, unknown> | unknown[], string | number][] = []) {
  if (Array.isArray(v)) {
    v.forEach((x, i) => {
      out.push([v, i]);
      places(x, out);
    });
  } else if (typeof v === 'object' && v !== null) {
    for (const [k, x] of Object.entries(v)) {
      out.push([v as Record<string, unknown>, k]);
      places(x, out);
    }
  }
  return out;
}

/**
 * Values at the edges of what each member admits, read off the schema (enum members,
 * consts, integer bounds and one past them), so edits probe every limit the parser has.
 */
const EDGES = new Map<string, unknown[]>();
(function walk(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(walk);
  if (typeof node !== 'object' || node === null) return;
  const o = node as Record<string, unknown>;
  if (typeof o.properties === 'object' && o.properties !== null) {
    for (const [k, sub] of Object.entries(
      o.properties as Record<string, Record<string, unknown>>,
    )) {
      const list = EDGES.get(k) ?? [];
      if (Array.isArray(sub.enum)) list.push(...(sub.enum as unknown[]), `${String(sub.enum[0])}x`);
      if ('const' in sub) list.push(sub.const, 2);
      for (const b of ['minimum', 'maximum'] as const)
        if (typeof sub[b] === 'number') list.push(sub[b], sub[b] - 1, sub[b] + 1, sub[b] + 0.5);
      if (sub.type === 'string') list.push('', 'x', 'two words');
      if (sub.type === 'boolean') list.push(true, 'true', 0);
      EDGES.set(k, [...new Set(list)]);
    }
  }
  Object.values(o).forEach(walk);
})(committed);

const edit = fc.record({
  kind: fc.constantFrom('replace', 'delete', 'add', 'member', 'member'),
  at: fc.nat(),
  key: fc.constantFrom(...KEYS),
  /** take the value from the edges of the member being written */
  edge: fc.boolean(),
  pick: fc.nat(),
  value: fc.oneof(fc.constantFrom(...VALUES), fc.jsonValue({ maxDepth: 2 })),
});

type Edit = typeof edit extends fc.Arbitrary<infer E> ? E : never;

function mutate(doc: unknown, edits: readonly Edit[]): unknown {
  const out: unknown = structuredClone(doc);
  for (const e of edits) {
    if (e.kind === 'member') {
      // one member of one event set to a value at the edge of what it admits
      const events = (out as { events?: unknown }).events;
      if (!Array.isArray(events) || events.length === 0) continue;
      const ev: unknown = events[e.pick % events.length];
      if (typeof ev !== 'object' || ev === null || Array.isArray(ev)) continue;
      const op = (ev as Record<string, unknown>).op;
      if (typeof op !== 'string' || !Object.prototype.hasOwnProperty.call(OPS, op)) continue;
      const keys = ['task', 'cpu', ...Object.keys(OPS[op].fields)];
      const k = keys[e.at % keys.length];
      const edges = EDGES.get(k)?.length ? EDGES.get(k)! : [e.value];
      (ev as Record<string, unknown>)[k] = edges[Math.floor(e.pick / 7) % edges.length];
      continue;
    }
    const ps = places(out);
    if (ps.length === 0) break;
    const [container, key] = ps[e.at % ps.length];
    const valueFor = (k: string | number): unknown => {
      const edges = typeof k === 'string' ? EDGES.get(k) : undefined;
      return e.edge && edges?.length ? edges[e.pick % edges.length] : e.value;
    };
    if (e.kind === 'replace') (container as Record<string | number, unknown>)[key] = valueFor(key);
    else if (e.kind === 'delete') {
      if (Array.isArray(container)) container.splice(key as number, 1);
      else delete container[key as string];
    } else {
      const target = (container as Record<string | number, unknown>)[key];
      if (typeof target === 'object' && target !== null && !Array.isArray(target)) {
        // onto an event, mostly a member its op has (so values probe that op's limits)
        const op = (target as Record<string, unknown>).op;
        const own =
          typeof op === 'string' && Object.prototype.hasOwnProperty.call(OPS, op)
            ? ['task', 'cpu', ...Object.keys(OPS[op].fields)]
            : [];
        const k = e.edge && own.length ? own[e.at % own.length] : e.key;
        (target as Record<string, unknown>)[k] = valueFor(k);
      } else if (Array.isArray(target)) target.push(e.value);
    }
  }
  return out;
}

describe('the schema and the parser agree', () => {
  const docs = TRACE_SAMPLES.map((s) => JSON.parse(s.text) as unknown);

  it('on every bundled trace, and on fuzzed edits of them (structure; lock names as data)', () => {
    const verdicts = { accepted: 0, rejected: 0 };
    fc.assert(
      fc.property(
        fc.constantFrom(...docs),
        fc.array(edit, { minLength: 1, maxLength: 3 }),
        (doc, edits) => {
          const m = mutate(doc, edits);
          const schema = validateDoc(m);
          const parser = parserAccepts(m);
          verdicts[parser ? 'accepted' : 'rejected']++;
          if (schema !== parser)
            throw new Error(
              `schema ${schema ? 'accepts' : `rejects (${ajv.errorsText(validateDoc.errors)})`}, parser ${parser ? 'accepts' : 'rejects'}: ${JSON.stringify(m).slice(0, 2000)}`,
            );
        },
      ),
      runs(400, 0x5c4e),
    );
    // both verdicts occur: the property compares something
    expect(verdicts.accepted).toBeGreaterThan(0);
    expect(verdicts.rejected).toBeGreaterThan(0);
  });

  it('on JSON Lines header lines ($defs/header)', () => {
    const headers = docs.map((d) => {
      const { events: _e, ...h } = d as Record<string, unknown>;
      void _e;
      return h;
    });
    fc.assert(
      fc.property(
        fc.constantFrom(...headers),
        fc.array(edit, { minLength: 1, maxLength: 3 }),
        (doc, edits) => {
          const m = mutate(doc, edits);
          expect([validateHeaderLine(m), m]).toEqual([parserAccepts(m, true), m]);
        },
      ),
      runs(200, 0x4ead),
    );
  });
});
