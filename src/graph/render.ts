/**
 * The learned lock dependency graph as a picture: Graphviz DOT or Mermaid.
 *
 * Nodes are lock classes (what /proc/lockdep shows), coloured by wait type (the
 * wait_type_inner a class presents to locks nested in it), with their `{....}` usage
 * string, `{outer:inner}` wait types and irq safety marks: "hardirq-safe" when a
 * USED_IN_HARDIRQ bit is set, "hardirq-unsafe" when an ENABLED_HARDIRQ bit is set (and
 * the same for softirq). Edges are locks_after entries, labelled with the DEP_* kinds
 * seen (E/S = exclusive/shared holder, N/R = non-recursive/recursive acquirer).
 *
 * Given a violation, the path it reports is highlighted: the existing chain of a
 * circular dependency plus the closing edge that was refused (dashed, since lockdep
 * never adds it), the safe -> ... -> unsafe path of an irq-order report, or the
 * dependency path of an irq inversion.
 *
 * It reads the engine's state and never changes it; rendering costs O(classes + edges).
 */
import type { LockClass } from '../core/lockClass';
import { UsageError } from '../core/errors';
import { LD_LOCK } from '../core/waitType';
import type { Kernel } from '../kernel';
import type { Violation } from '../report/violation';
import { escapeText } from '../report/escape';

export type GraphFormat = 'dot' | 'mermaid';

export interface GraphOptions {
  /** output language; default `dot` */
  readonly format?: GraphFormat | undefined;
  /** a violation whose dependency path is highlighted */
  readonly highlight?: Violation | null | undefined;
  /** also draw classes that have no dependency at all (default false: only connected ones and highlighted ones) */
  readonly includeIsolated?: boolean | undefined;
  /** graph title (DOT label / Mermaid title); default none */
  readonly title?: string | undefined;
}

/** Wait-type names as the graph legend shows them. */
type WaitName = 'inv' | 'free' | 'spin' | 'config' | 'sleep';

const FILL: Readonly<Record<WaitName, string>> = {
  inv: '#e0e0e0',
  free: '#d9f2d9',
  spin: '#f8cccc',
  config: '#fde9b8',
  sleep: '#cfe2f3',
};

const DEP_BITS: readonly [number, string][] = [
  [8, 'EN'],
  [4, 'SN'],
  [2, 'ER'],
  [1, 'SR'],
];

interface Node {
  readonly id: string;
  readonly cls: LockClass;
  readonly wait: WaitName;
  readonly marks: readonly string[];
}

interface Edge {
  readonly from: string;
  readonly to: string;
  readonly label: string;
  highlighted: boolean;
  /** the closing edge of a reported cycle: shown, but not in the graph */
  readonly refused: boolean;
}

function depLabel(dep: number): string {
  return DEP_BITS.filter(([bit]) => dep & bit)
    .map(([, s]) => s)
    .join('|');
}

function marksOf(c: LockClass): string[] {
  const m = c.usageMask;
  const out: string[] = [];
  // LOCKF_USED_IN_HARDIRQ(_READ) = bits 0,1; LOCKF_ENABLED_HARDIRQ(_READ) = bits 2,3; softirq +4
  if (m & 0x03) out.push('hardirq-safe');
  if (m & 0x0c) out.push('hardirq-unsafe');
  if (m & 0x30) out.push('softirq-safe');
  if (m & 0xc0) out.push('softirq-unsafe');
  if (c.lockType === LD_LOCK.PERCPU) out.push('per-cpu');
  if (c.lockType === LD_LOCK.WAIT_OVERRIDE) out.push('wait-override');
  return out;
}

function usageChars(mask: number): string {
  const ch = (bit: number): string => {
    const enabled = mask & (1 << (bit + 2));
    if (mask & (1 << bit)) return enabled ? '?' : '-';
    return enabled ? '+' : '.';
  };
  return ch(0) + ch(1) + ch(4) + ch(5);
}

/** Names of the classes and edges the violation's report is about. */
function highlightOf(v: Violation | null | undefined): {
  nodes: Set<string>;
  edges: [string, string][];
  refused: [string, string] | null;
} {
  const nodes = new Set<string>();
  const edges: [string, string][] = [];
  let refused: [string, string] | null = null;
  if (!v) return { nodes, edges, refused };
  switch (v.kind) {
    case 'circular-dependency': {
      // chain[0] is the held lock's class (#N), chain[last] the new lock's (#0); the
      // existing path runs #0 -> ... -> #N and the new edge #N -> #0 would close it.
      const names = v.chain.map((e) => e.class.name);
      names.forEach((n) => nodes.add(n));
      for (let i = names.length - 1; i > 0; i--) edges.push([names[i], names[i - 1]]);
      refused = [v.prev.name, v.lock.name];
      nodes.add(v.prev.name).add(v.lock.name);
      break;
    }
    case 'irq-unsafe-order': {
      const back = v.backwardPath.map((e) => e.class.name); // safe ... prev
      const fwd = v.forwardPath.map((e) => e.class.name); // unsafe ... next
      [...back, ...fwd].forEach((n) => nodes.add(n));
      for (let i = 0; i + 1 < back.length; i++) edges.push([back[i], back[i + 1]]);
      for (let i = fwd.length - 1; i > 0; i--) edges.push([fwd[i], fwd[i - 1]]);
      refused = [v.prev.name, v.lock.name];
      break;
    }
    case 'irq-inversion': {
      const p = v.path.map((e) => e.class.name); // other ... root
      p.forEach((n) => nodes.add(n));
      for (let i = p.length - 1; i > 0; i--) {
        if (v.forwards) edges.push([p[i], p[i - 1]]);
        else edges.push([p[i - 1], p[i]]);
      }
      break;
    }
    case 'recursive-locking':
      nodes.add(v.lock.name);
      break;
    default:
      break;
  }
  return { nodes, edges, refused };
}

/** Collect nodes and edges from the engine's classes. */
function collect(kernel: Kernel, o: GraphOptions): { nodes: Node[]; edges: Edge[] } {
  const d = kernel.graphSnapshot();
  const waitName = (w: number): WaitName => {
    if (w === 0) return 'inv';
    if (w === 1) return 'free';
    // with PROVE_RAW_LOCK_NESTING off CONFIG == SPIN: the class really is a spin-level lock
    if (w === d.waitSpin) return 'spin';
    if (w === d.waitConfig) return 'config';
    return 'sleep';
  };
  const hl = highlightOf(o.highlight);
  const classes = d.classes;
  const connected = new Set<LockClass>();
  for (const c of classes) {
    if (c.after.length) {
      connected.add(c);
      for (const e of c.after) connected.add(e.cls);
    }
  }
  const nodes: Node[] = [];
  const idOf = new Map<LockClass, string>();
  const byName = new Map<string, string>();
  for (const c of classes) {
    if (!o.includeIsolated && !connected.has(c) && !hl.nodes.has(c.name)) continue;
    const id = `c${c.id}`;
    idOf.set(c, id);
    byName.set(c.name, id);
    nodes.push({ id, cls: c, wait: waitName(c.inner), marks: marksOf(c) });
  }
  const edges: Edge[] = [];
  const edgeAt = new Map<string, Edge>();
  for (const c of classes) {
    const from = idOf.get(c);
    if (!from) continue;
    for (const e of c.after) {
      const to = idOf.get(e.cls);
      if (!to) continue;
      const edge: Edge = { from, to, label: depLabel(e.dep), highlighted: false, refused: false };
      edges.push(edge);
      edgeAt.set(`${from}>${to}`, edge);
    }
  }
  for (const [a, b] of hl.edges) {
    const e = edgeAt.get(`${byName.get(a)}>${byName.get(b)}`);
    if (e) e.highlighted = true;
  }
  if (hl.refused) {
    const [a, b] = hl.refused;
    const from = byName.get(a);
    const to = byName.get(b);
    if (from && to && !edgeAt.has(`${from}>${to}`))
      edges.push({ from, to, label: 'new', highlighted: true, refused: true });
  }
  return { nodes, edges };
}

function nodeLines(n: Node): string[] {
  const c = n.cls;
  const lines = [c.name, `{${usageChars(c.usageMask)}}-{${c.printedOuter}:${c.inner}} ${n.wait}`];
  if (n.marks.length) lines.push(n.marks.join(', '));
  return lines;
}

/**
 * A name inside a DOT quoted string: control characters and newlines become visible
 * escapes first (escapeText), then `\` and `"` are escaped, so nothing can close the
 * string or start a new statement.
 */
function dotEscape(s: string): string {
  return escapeText(s).replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

function dotString(s: string): string {
  return `"${dotEscape(s)}"`;
}

function renderDot(
  nodes: readonly Node[],
  edges: readonly Edge[],
  hlNodes: Set<string>,
  title?: string,
): string {
  const out = [
    'digraph lockdep {',
    '  rankdir=LR;',
    '  node [shape=box, style="rounded,filled", fontname="monospace"];',
    '  edge [fontname="monospace", fontsize=10];',
  ];
  if (title) out.push(`  label=${dotString(title)};`, '  labelloc=t;');
  for (const n of nodes) {
    const attrs = [
      `label="${nodeLines(n).map(dotEscape).join('\\n')}"`,
      `fillcolor=${dotString(FILL[n.wait])}`,
    ];
    const safe = n.marks.some((m) => m.endsWith('irq-safe'));
    const unsafe = n.marks.some((m) => m.endsWith('irq-unsafe'));
    // irq-safe classes get a double border; irq-unsafe ones a dashed one; both: bold dashed
    if (safe && unsafe) attrs.push('peripheries=2', 'style="rounded,filled,dashed"');
    else if (safe) attrs.push('peripheries=2');
    else if (unsafe) attrs.push('style="rounded,filled,dashed"');
    if (hlNodes.has(n.cls.name)) attrs.push('color="#d00000"', 'penwidth=2.5');
    out.push(`  ${n.id} [${attrs.join(', ')}];`);
  }
  for (const e of edges) {
    const attrs = [`label=${dotString(e.label)}`];
    if (e.highlighted) attrs.push('color="#d00000"', 'fontcolor="#d00000"', 'penwidth=2.5');
    if (e.refused) attrs.push('style=dashed');
    out.push(`  ${e.from} -> ${e.to} [${attrs.join(', ')}];`);
  }
  out.push('}');
  return out.join('\n');
}

/**
 * A name inside a Mermaid quoted label or edge label: one line (escapeText), and every
 * character Mermaid gives a meaning there as an entity code (`#` first, so a name cannot
 * spell an entity itself; `|` would end an edge label, `"` a node label).
 */
const MERMAID_ENTITY: Readonly<Record<string, string>> = {
  '"': '#quot;',
  '<': '#lt;',
  '>': '#gt;',
};

function mermaidText(s: string): string {
  return escapeText(s).replace(/[#"<>|`]/g, (c) => MERMAID_ENTITY[c] ?? `#${c.charCodeAt(0)};`);
}

/**
 * The title in Mermaid's YAML front matter: a double-quoted YAML scalar (JSON's string
 * syntax is a subset of it), of one escaped line, so it cannot end the front matter.
 */
function mermaidTitle(s: string): string {
  // a plain file name stays as it was; anything else is quoted
  return /^\w[\w ./+-]*$/.test(s) && !s.endsWith(' ') ? s : JSON.stringify(escapeText(s));
}

function renderMermaid(
  nodes: readonly Node[],
  edges: readonly Edge[],
  hlNodes: Set<string>,
  title?: string,
): string {
  const out: string[] = [];
  if (title) out.push('---', `title: ${mermaidTitle(title)}`, '---');
  out.push('flowchart LR');
  for (const w of Object.keys(FILL) as WaitName[])
    out.push(`  classDef ${w} fill:${FILL[w]},stroke:#555,color:#000`);
  out.push(
    '  classDef irqsafe stroke-width:4px',
    '  classDef irqunsafe stroke-dasharray:5 3',
    '  classDef hot stroke:#d00000,stroke-width:3px',
  );
  // `class a,b name` statements (one per class) rather than `:::`, which takes one class only
  const members = new Map<string, string[]>();
  const addTo = (cls: string, id: string): void => {
    const l = members.get(cls);
    if (l) l.push(id);
    else members.set(cls, [id]);
  };
  for (const n of nodes) {
    out.push(`  ${n.id}["${nodeLines(n).map(mermaidText).join('<br/>')}"]`);
    addTo(n.wait, n.id);
    if (n.marks.some((m) => m.endsWith('irq-safe'))) addTo('irqsafe', n.id);
    if (n.marks.some((m) => m.endsWith('irq-unsafe'))) addTo('irqunsafe', n.id);
    if (hlNodes.has(n.cls.name)) addTo('hot', n.id);
  }
  for (const [cls, ids] of members) out.push(`  class ${ids.join(',')} ${cls}`);
  const hot: number[] = [];
  edges.forEach((e, i) => {
    const arrow = e.refused ? '-.->' : '-->';
    out.push(`  ${e.from} ${arrow}|${mermaidText(e.label)}| ${e.to}`);
    if (e.highlighted) hot.push(i);
  });
  if (hot.length)
    out.push(`  linkStyle ${hot.join(',')} stroke:#d00000,stroke-width:3px,color:#d00000`);
  return out.join('\n');
}

/**
 * Render the dependency graph the kernel's lockdep has learned so far.
 *
 * @example
 * const k = createKernel({ policy: 'collect' });
 * // ... run code ...
 * const cycle = k.violations.find((v) => v.kind === 'circular-dependency');
 * console.log(renderGraph(k, { format: 'mermaid', highlight: cycle }));
 */
export function renderGraph(kernel: Kernel, options: GraphOptions = {}): string {
  const format = options.format ?? 'dot';
  if (format !== 'dot' && format !== 'mermaid')
    throw new UsageError(
      `renderGraph: format must be "dot" or "mermaid", got ${JSON.stringify(format)}`,
    );
  const { nodes, edges } = collect(kernel, options);
  const hlNodes = highlightOf(options.highlight).nodes;
  return format === 'dot'
    ? renderDot(nodes, edges, hlNodes, options.title)
    : renderMermaid(nodes, edges, hlNodes, options.title);
}
