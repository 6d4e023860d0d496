/**
 * Names from a hostile trace or log (lock, class, task, call site, file name) reach a
 * terminal or a picture escaped: no control sequence, no forged line, no way out of a DOT
 * or Mermaid string. JSON output stays JSON-escaped and keeps the names exact.
 */
import { runs } from '../helpers/fuzz';
import * as fc from 'fast-check';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCli } from './helpers';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lockdep-names-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const FORGED = '\nINJECTED LINE: no violations';
const CLEAR = '\x1b[2J\x1b[H';
const OSC8 = '\x1b]8;;https://evil.example/\x07click\x1b]8;;\x07';

/** raw_spinlock_t <raw> then spinlock_t <spin> inside it: an invalid wait context. */
function trace(raw: string, spin: string, task: string, site: string, cls?: string): string {
  return JSON.stringify({
    'lockdep-trace': 1,
    config: { preempt: 'full', proveRawLockNesting: true },
    locks: {
      [raw]: { type: 'raw_spinlock' },
      [spin]: cls === undefined ? { type: 'spinlock' } : { type: 'spinlock', class: cls },
    },
    events: [
      { op: 'lock', lock: raw, task, at: site },
      { op: 'lock', lock: spin, task, at: site },
      { op: 'unlock', lock: spin, task },
      { op: 'unlock', lock: raw, task },
    ],
  });
}

/** No control character but the line breaks the output itself is made of. */
function expectTerminalSafe(text: string): void {
  // eslint-disable-next-line no-control-regex
  expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/);
  expect(text).not.toMatch(/^INJECTED/m);
}

const TEXT_COMMANDS: [string, string[]][] = [
  ['check', ['check', '-']],
  ['matrix', ['matrix', '-']],
];

describe('hostile names in text output are escaped', () => {
  const hostile = `lock${CLEAR}${OSC8}${FORGED}`;
  const input = trace(`raw${hostile}`, `spin${hostile}`, `task${hostile}`, `site${hostile}`);

  it.each(TEXT_COMMANDS)('%s', async (_name, argv) => {
    const r = await runCli(argv, { stdin: input });
    expect(r.code).toBe(1);
    expectTerminalSafe(r.stdout);
    expect(r.stdout).toContain('\\x1b[2J');
    // matrix cuts a long label, check prints it whole
    if (argv[0] === 'check') expect(r.stdout).toContain('\\nINJECTED LINE');
  });

  it('check: the class name and the file name too', async () => {
    const file = path.join(dir, `trace${CLEAR}${FORGED}.json`);
    fs.writeFileSync(file, trace('raw', 'spin', 'task', 'site', `cls${FORGED}`));
    for (const cmd of ['check', 'matrix']) {
      const r = await runCli([cmd, file]);
      expect(r.code).toBe(1);
      expectTerminalSafe(r.stdout);
      expect(r.stdout).toContain('trace\\x1b[2J\\x1b[H\\nINJECTED');
    }
  });

  it.each([
    ['check', ['check', '-', '--format', 'json']],
    ['matrix', ['matrix', '-', '--format', 'json']],
  ])('%s --format json keeps the names exact, JSON-escaped', async (_name, argv) => {
    const r = await runCli(argv, { stdin: input });
    expectTerminalSafe(r.stdout);
    expect(r.stdout).toContain(JSON.stringify(`spin${hostile}`).slice(1, -1));
    expect(() => JSON.parse(r.stdout) as unknown).not.toThrow();
  });

  it('explain: a name in a kernel log cannot drive the terminal', async () => {
    const log = fs.readFileSync(
      path.join(__dirname, '..', 'fixtures', 'kernel-reports', 'iwc-raw-spinlock.txt'),
      'utf8',
    );
    const evil = log.replace(/zone->lock/g, `zone->lock${CLEAR}${OSC8}`);
    expect(evil).not.toBe(log);
    const r = await runCli(['explain', '-'], { stdin: evil });
    expectTerminalSafe(r.stdout);
    expectTerminalSafe(r.stderr);
  });

  it('matrix caps the label column: a 10 MB lock name does not print megabytes', async () => {
    const huge = 'x'.repeat(10 * 1024 * 1024);
    const r = await runCli(['matrix', '-'], { stdin: trace('raw', huge, 'task', 'site') });
    expect(r.code).toBe(1);
    expect(r.stdout.length).toBeLessThan(4096);
    expect(r.stdout).toContain('…');
    const width = Math.max(...r.stdout.split('\n').map((l) => l.length));
    expect(width).toBeLessThan(300);
  });
});

describe('graph: a name cannot break out of a DOT or Mermaid string', () => {
  const breakout = [
    'a"]; evil [label="x',
    'b\\',
    `c\nclick c1 "javascript:alert(1)"\nflowchart TD`,
    'd|x| c1\n  c1 --> c2',
    '"]\n---\ntitle: x',
  ];

  async function graph(format: 'dot' | 'mermaid', file: string): Promise<string> {
    const r = await runCli(['graph', file, '--format', format]);
    expect(r.code).toBe(0);
    return r.stdout;
  }

  function traceFile(name: string, a: string, b: string): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, trace(a, b, 'task', 'site'));
    return file;
  }

  it('DOT: every statement stays one line with balanced quotes', async () => {
    for (const [i, name] of breakout.entries()) {
      const out = await graph(
        'dot',
        traceFile(`t${i}${name.replace(/\//g, '')}.json`, name, `${name}2`),
      );
      expectTerminalSafe(out);
      const lines = out.trimEnd().split('\n');
      expect(lines[0]).toBe('digraph lockdep {');
      expect(lines[lines.length - 1]).toBe('}');
      for (const line of lines.slice(4, -1)) {
        // a statement: `label=...;`, `labelloc=t;`, a node or an edge, strings closed
        expect(line).toMatch(
          /^ {2}(?:label="(?:[^"\\]|\\.)*";|labelloc=t;|c\d+ (?:-> c\d+ )?\[(?:[^"\\\]]|"(?:[^"\\]|\\.)*")*\];)$/,
        );
      }
    }
  });

  it('Mermaid: the title stays in the front matter, labels in their strings', async () => {
    for (const [i, name] of breakout.entries()) {
      const file = traceFile(
        `m${i}\nclick c1 "javascript:alert(1)"\n${name.replace(/\//g, '')}`,
        name,
        `${name}2`,
      );
      const out = await graph('mermaid', file);
      expectTerminalSafe(out);
      const lines = out.trimEnd().split('\n');
      expect(lines[0]).toBe('---');
      expect(lines[1]).toMatch(/^title: "(?:[^"\\]|\\.)*"$/);
      expect(lines[2]).toBe('---');
      expect(lines.filter((l) => l.startsWith('---'))).toHaveLength(2);
      expect(lines.filter((l) => /^\s*flowchart/.test(l))).toHaveLength(1);
      expect(lines.filter((l) => /^\s*click/.test(l))).toHaveLength(0);
      for (const line of lines.slice(4)) {
        expect(line).toMatch(
          /^ {2}(?:classDef |class |linkStyle |c\d+\["[^"]*"\]$|c\d+ -\.?->\|[^|]*\| c\d+$)/,
        );
      }
    }
  });
});

describe('fuzz: any name, every output format', () => {
  // control characters, line breaks, quotes and the characters DOT and Mermaid give a meaning
  const nameChar = fc.constantFrom(
    ...'\x00\x07\x08\t\n\r\x1b\x7f\x85\x9b\u2028\u2029\u202e"\'\\<>|#`;[]{}:-'.split(''),
    'a',
    'Z',
    '-',
    '>',
  );
  const name = fc.string({ unit: nameChar, minLength: 1, maxLength: 24 });

  const FORMATS: [string, string[]][] = [
    ['check text', ['check', '-']],
    ['check json', ['check', '-', '--format', 'json']],
    ['matrix text', ['matrix', '-']],
    ['matrix json', ['matrix', '-', '--format', 'json']],
    ['graph dot', ['graph', '-', '--format', 'dot']],
    ['graph mermaid', ['graph', '-', '--format', 'mermaid']],
  ];

  it.each(FORMATS)('%s', async (_f, argv) => {
    await fc.assert(
      fc.asyncProperty(name, name, name, async (a, b, task) => {
        fc.pre(a !== b);
        const r = await runCli(argv, { stdin: trace(`r${a}`, `s${b}`, `t${task}`, `at${a}`) });
        if (r.code === 2) return; // a name the trace format refuses is a located error
        expect(r.code === 0 || r.code === 1).toBe(true);
        expectTerminalSafe(r.stdout);
        if (argv.includes('json')) expect(() => JSON.parse(r.stdout) as unknown).not.toThrow();
      }),
      runs(25, 0x10cd),
    );
  });
});

describe('errors quoting a hostile name stay one terminal-safe line', () => {
  it.each([
    ['check', path.join(os.tmpdir(), `no${CLEAR}such${FORGED}.json`)],
    ['matrix', path.join(os.tmpdir(), `no${OSC8}such${FORGED}.json`)],
    ['explain', path.join(os.tmpdir(), `no${CLEAR}such${FORGED}.txt`)],
  ])('%s', async (cmd, file) => {
    const r = await runCli([cmd, file]);
    expect(r.code).toBe(2);
    expectTerminalSafe(r.stderr);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});
