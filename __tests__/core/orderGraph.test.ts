/** renderGraph(): the learned dependency graph as DOT and Mermaid, with a reported path highlighted. */
import { createKernel, renderGraph, UsageError, type Kernel, type Violation } from '../../src';

/** A -> B, B -> C (mutexes), then C -> A is refused as a cycle; plus an unrelated raw lock. */
function threeLockCycle(): { k: Kernel; cycle: Violation } {
  const k = createKernel({ policy: 'collect' });
  const a = k.mutex('lock_A'),
    b = k.mutex('lock_B'),
    c = k.mutex('lock_C');
  const lonely = k.rawSpinlock('lonely');
  lonely.lock();
  lonely.unlock();
  a.lock();
  b.lock();
  b.unlock();
  a.unlock();
  b.lock();
  c.lock();
  c.unlock();
  b.unlock();
  c.lock();
  a.lock();
  a.unlock();
  c.unlock();
  const cycle = k.violations.find((v) => v.kind === 'circular-dependency');
  if (!cycle) throw new Error('expected a cycle');
  return { k, cycle };
}

function idOf(dot: string, name: string): string {
  const m = new RegExp(`^  (c\\d+) \\[label="${name}\\\\n`, 'm').exec(dot);
  if (!m) throw new Error(`no node ${name} in\n${dot}`);
  return m[1];
}

describe('renderGraph (DOT)', () => {
  it('draws each dependency once, labelled with its DEP_* kind, and the refused closing edge dashed', () => {
    const { k, cycle } = threeLockCycle();
    const dot = renderGraph(k, { format: 'dot', highlight: cycle });
    const [a, b, c] = ['lock_A', 'lock_B', 'lock_C'].map((n) => idOf(dot, n));
    expect(dot).toMatch(new RegExp(`  ${a} -> ${b} \\[label="EN", color="#d00000"`));
    expect(dot).toMatch(new RegExp(`  ${b} -> ${c} \\[label="EN", color="#d00000"`));
    // C -> A was never added (lockdep refuses the edge that closes a cycle): drawn dashed as "new"
    expect(dot).toMatch(new RegExp(`  ${c} -> ${a} \\[label="new", .*style=dashed\\]`));
    expect(dot.match(/ -> /g)).toHaveLength(3);
  });

  it('colours classes by wait type and leaves out classes without dependencies', () => {
    const { k } = threeLockCycle();
    const dot = renderGraph(k);
    expect(dot).toContain('{+.+.}-{4:4} sleep\\nhardirq-unsafe, softirq-unsafe');
    expect(dot).toContain('fillcolor="#cfe2f3"');
    expect(dot).not.toContain('lonely');
    expect(renderGraph(k, { includeIsolated: true })).toContain(
      'label="lonely\\n{+.+.}-{2:2} spin',
    );
  });

  it('marks irq-safe and irq-unsafe classes and highlights a safe -> unsafe path', () => {
    const k = createKernel({ policy: 'collect' });
    const a = k.spinlock('lock_A'),
      b = k.spinlock('lock_B');
    k.hardirq(() => {
      a.lock();
      a.unlock();
    });
    b.lock();
    b.unlock();
    k.localIrqDisable();
    a.lock();
    b.lock();
    b.unlock();
    a.unlock();
    k.localIrqEnable();
    const v = k.violations.find((x) => x.kind === 'irq-unsafe-order');
    expect(v).toBeDefined();
    const dot = renderGraph(k, { highlight: v });
    expect(dot).toMatch(
      /label="lock_A\\n\{-\.\.\.\}-\{3:3\} config\\nhardirq-safe", fillcolor="#fde9b8", peripheries=2/,
    );
    expect(dot).toMatch(
      /label="lock_B\\n\{\+\.\+\.\}-\{3:3\} config\\nhardirq-unsafe, softirq-unsafe"/,
    );
    // the refused A -> B dependency is the one that would connect them
    expect(dot).toMatch(/label="new", color="#d00000".*style=dashed/);
  });
});

describe('renderGraph (Mermaid)', () => {
  it('emits a flowchart whose linkStyle indices are the highlighted edges', () => {
    const { k, cycle } = threeLockCycle();
    const mm = renderGraph(k, { format: 'mermaid', highlight: cycle, title: 'ABBCCA' });
    const lines = mm.split('\n');
    expect(lines.slice(0, 4)).toEqual(['---', 'title: ABBCCA', '---', 'flowchart LR']);
    const edgeLines = lines.filter((l) => / -->\|| -\.->\|/.test(l));
    expect(edgeLines).toHaveLength(3);
    expect(edgeLines[2]).toMatch(/ -\.->\|new\| /);
    expect(lines).toContain('  linkStyle 0,1,2 stroke:#d00000,stroke-width:3px,color:#d00000');
    expect(mm).toMatch(
      /^ {2}(c\d+)\["lock_A<br\/>\{\+\.\+\.\}-\{4:4\} sleep<br\/>hardirq-unsafe, softirq-unsafe"\]$/m,
    );
    expect(lines).toContain('  class c2,c3,c4 hot');
    expect(lines).toContain('  class c2,c3,c4 sleep');
  });

  it('escapes quotes and angle brackets in class names', () => {
    const k = createKernel();
    const x = k.mutex('&"x"->lock<1>'),
      y = k.mutex('y');
    x.lock();
    y.lock();
    y.unlock();
    x.unlock();
    const mm = renderGraph(k, { format: 'mermaid' });
    expect(mm).toContain('&#quot;x#quot;-#gt;lock#lt;1#gt;');
  });
});

it('rejects an unknown format with a UsageError', () => {
  const k = createKernel();
  expect(() => renderGraph(k, { format: 'svg' as 'dot' })).toThrow(UsageError);
});

describe('lockdep graph <trace> (CLI)', () => {
  const run = async (argv: string[]): Promise<{ code: number; out: string; err: string }> => {
    // imported lazily: the CLI module is another layer's and reads package.json
    const { main } = await import('../../src/cli/main');
    let out = '';
    let err = '';
    const code = await main(argv, {
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: (s: string) => (err += s) },
    });
    return { code, out, err };
  };

  it('renders the three-lock example as Mermaid with the cycle highlighted', async () => {
    const r = await run(['graph', 'examples/traces/three-lock-cycle.json', '--format', 'mermaid']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('flowchart LR');
    expect(r.out).toMatch(/ -\.->\|new\| /);
    expect(r.out).toContain('linkStyle 0,1,2 stroke:#d00000');
  });

  it('rejects an unknown format with exit code 2', async () => {
    const r = await run(['graph', 'examples/traces/three-lock-cycle.json', '--format', 'svg']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('expected dot | mermaid');
  });
});
