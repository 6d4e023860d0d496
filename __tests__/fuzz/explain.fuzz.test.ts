/**
 * Property: `lockdep explain` (explainText) on any mutation of the kernel report fixtures
 * never throws and always returns at least one entry: explained, or a parse error located
 * at a line of the input, with a one-line message. Its text and JSON renderings never
 * throw either.
 */
import fc from 'fast-check';
import { parseClassTable, PRIMITIVE_TYPES, type ClassTable } from '../../src/interop/classTable';
import { explainText, explanationToJson, formatExplanation } from '../../src/interop/explain';
import { LockdepError } from '../../src/core/errors';
import { REPORT_SAMPLES, runs } from './helpers';

type LineEdit = {
  kind: 'delete' | 'swap' | 'dup' | 'truncate' | 'quote' | 'stamp' | 'insert' | 'cut';
  at: number;
  n: number;
  text: string;
};

const STAMPS = [
  '[   12.345678] ',
  '<4>[ 1.000000] ',
  'Jan  1 00:00:00 host kernel: ',
  '[  T1234] ',
  '> ',
  '>> ',
  '> > ',
  '    ',
  '\t',
  '=20',
  '[ 0.1][ C0] ',
];

function mutate(text: string, edits: readonly LineEdit[]): string {
  let lines = text.split('\n');
  for (const e of edits) {
    if (lines.length === 0) lines = [''];
    const i = e.at % lines.length;
    const span = Math.min(lines.length - i, 1 + (e.n % 6));
    switch (e.kind) {
      case 'delete':
        lines.splice(i, span);
        break;
      case 'swap':
        if (i + span < lines.length)
          lines = [
            ...lines.slice(0, i),
            ...lines.slice(i + span, i + 2 * span),
            ...lines.slice(i, i + span),
            ...lines.slice(i + 2 * span),
          ];
        break;
      case 'dup':
        lines.splice(i, 0, ...lines.slice(i, i + span));
        break;
      case 'truncate':
        lines = lines.slice(0, i);
        break;
      case 'cut':
        lines[i] = lines[i].slice(0, e.n % (lines[i].length + 1));
        break;
      case 'quote':
        for (let j = i; j < i + span; j++) lines[j] = STAMPS[e.n % STAMPS.length] + lines[j];
        break;
      case 'stamp':
        for (let j = 0; j < lines.length; j++)
          lines[j] = STAMPS[(e.n + (j % 2)) % STAMPS.length] + lines[j];
        break;
      case 'insert':
        lines.splice(i, 0, e.text);
        break;
    }
  }
  return lines.join(e0(edits) ? '\r\n' : '\n');
}

/** Some runs use CRLF line ends. */
function e0(edits: readonly LineEdit[]): boolean {
  return edits.length > 0 && edits[0].n % 5 === 0;
}

const lineEdit: fc.Arbitrary<LineEdit> = fc.record({
  kind: fc.constantFrom('delete', 'swap', 'dup', 'truncate', 'quote', 'stamp', 'insert', 'cut'),
  at: fc.nat(),
  n: fc.nat(),
  text: fc.oneof(
    fc.constantFrom(
      '',
      '=============================',
      '[ BUG: Invalid wait context ]',
      'WARNING: possible circular locking dependency detected',
      '1 lock held by swapper/0/1:',
      ' #0: ffff (&zone->lock){....}-{2:2}, at: foo+0x1/0x2',
      'other info that might help us debug this:',
      'stack backtrace:',
      'Call Trace:',
      ' <TASK>',
      ' </TASK>',
      '-> #1 (&rq->lock){-.-.}-{2:2}:',
      'no locks held by init/1.',
      '=20',
      'BUG: sleeping function called from invalid context at kernel/x.c:1',
      'in_atomic(): 1, irqs_disabled(): 0, non_block: 0, pid: 1, name: x',
      '{-1:-1}',
      '(null)',
      '9999999999999999999999 locks held by x/-1:',
      'context-{5:5}',
      'context-{99:99}',
    ),
    fc.string({ maxLength: 30 }),
  ),
});

const sample = fc.nat({ max: REPORT_SAMPLES.length - 1 });

function checkResult(text: string, ctx: string, classes?: ClassTable): void {
  let r;
  try {
    r = explainText(text, { classes });
  } catch (e) {
    throw new Error(
      `explainText threw for ${ctx}: ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e)}`,
    );
  }
  const nLines = text.split('\n').length;
  if (r.reports.length === 0) throw new Error(`no entries for ${ctx}`);
  for (const rep of r.reports) {
    if (!(rep.line >= 1 && rep.line <= Math.max(1, nLines)))
      throw new Error(`entry line ${rep.line} outside 1..${nLines} for ${ctx}`);
    if (!rep.ok && (rep.message.length === 0 || rep.message.includes('\n')))
      throw new Error(`bad message ${JSON.stringify(rep.message)} for ${ctx}`);
  }
  expect(r.exitCode).toBe(r.reports.every((x) => x.ok) ? 0 : 2);
  try {
    formatExplanation(r);
    JSON.stringify(explanationToJson(r));
  } catch (e) {
    throw new Error(
      `rendering threw for ${ctx}: ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e)}`,
    );
  }
}

describe('fuzz: explain on mutated kernel reports', () => {
  it('line deletions, swaps, duplicates, truncation, quoting and timestamps', () => {
    fc.assert(
      fc.property(sample, fc.array(lineEdit, { minLength: 1, maxLength: 5 }), (si, edits) => {
        checkResult(
          mutate(REPORT_SAMPLES[si].text, edits),
          `${REPORT_SAMPLES[si].name} with ${JSON.stringify(edits)}`,
        );
      }),
      runs(120, 0xe4b1),
    );
  });

  it('arbitrary text and character-level damage', () => {
    fc.assert(
      fc.property(
        sample,
        fc.nat(),
        fc.nat(),
        fc.string({ unit: 'binary', maxLength: 4 }),
        (si, at, len, ins) => {
          const t = REPORT_SAMPLES[si].text;
          const i = at % (t.length + 1);
          checkResult(
            t.slice(0, i) + ins + t.slice(i + (len % 40)),
            `${REPORT_SAMPLES[si].name} at ${i} cut ${len % 40} insert ${JSON.stringify(ins)}`,
          );
        },
      ),
      runs(80, 0xc4a2),
    );
  });

  it('any class table: lock names of the fixtures bound to every type, map and pseudo lock', () => {
    const names = [
      '&zone->lock',
      '&pcp->lock',
      '&stab->lock',
      '&q->irq_lock',
      '&host->lock',
      'cpu_hotplug_lock',
      '&ctx->lock',
      '&rq->__lock',
      '&mm->mmap_lock',
      'rcu_read_lock',
      '&p->lock',
      '&u->lock',
    ];
    const wait = fc.constantFrom('inv', 'free', 'spin', 'config', 'sleep');
    // every type a class table names, and one it does not
    const types = [
      ...PRIMITIVE_TYPES,
      'rcu_read_lock',
      'rcu_read_lock_bh',
      'rcu_read_lock_sched',
      'local_bh',
    ];
    const entry = fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom(...types) },
      fc.constantFrom(...types, 'bogus'),
      {
        weight: 4,
        arbitrary: fc.record({
          wait: fc.record({ inner: wait, outer: fc.option(wait, { nil: undefined }) }),
          lockType: fc.option(fc.constantFrom('normal', 'percpu', 'wait-override'), {
            nil: undefined,
          }),
        }),
      },
      fc.constantFrom(null, 1, [], {}, { type: 7 }, { wait: null }, { wait: { inner: 'x' } }),
    );
    const table = fc.dictionary(fc.constantFrom(...names), entry, { maxKeys: 6 });
    const patterns = fc.array(
      fc.record({
        match: fc.constantFrom('lock$', '^&', '(', '.*', 'zone'),
        type: fc.constantFrom('mutex', 'raw_spinlock', 'spinlock', 'rwsem', 'nope'),
      }),
      { maxLength: 2 },
    );
    fc.assert(
      fc.property(sample, table, fc.option(patterns, { nil: undefined }), (si, t, p) => {
        const json = p === undefined ? t : { classes: t, patterns: p };
        let classes: ClassTable;
        try {
          classes = parseClassTable(JSON.parse(JSON.stringify(json)));
        } catch (e) {
          if (e instanceof LockdepError && !e.message.includes('\n')) return;
          throw e;
        }
        checkResult(
          REPORT_SAMPLES[si].text,
          `${REPORT_SAMPLES[si].name} with classes ${JSON.stringify(json)}`,
          classes,
        );
      }),
      runs(60, 0xc1a5),
    );
  });
});
