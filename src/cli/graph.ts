/**
 * `lockdep graph`: replay a trace and print the dependency graph lockdep learned, as
 * Graphviz DOT or Mermaid (src/graph/render.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import type { KernelOptions } from '../core/config';
import { renderGraph } from '../graph/render';
import { feedTrace } from '../trace/check';
import { Replayer } from '../trace/replay';
import type { TraceDecls, TraceEvent, TraceHeader } from '../trace/schema';
import { UsageMistake } from './args';
import { EXIT_CLEAN, onePath, type CliIO } from './common';

export const GRAPH_HELP = `Usage: lockdep graph <trace> [options]

Replay <trace> and print the lock dependency graph lockdep learned: one node per lock
class, coloured by wait type, irq-safe/unsafe classes marked, edges labelled with their
dependency kinds; the path of the first reported cycle (or irq-order problem) is drawn
in red, the refused closing edge dashed. See docs/graph.md.

Options:
  --format dot|mermaid               output language (default dot)
  --preempt none|voluntary|full|rt   preemption model (overrides the trace's "config")
  --prove-raw-lock-nesting           CONFIG_PROVE_RAW_LOCK_NESTING=y
  --no-prove-raw-lock-nesting        CONFIG_PROVE_RAW_LOCK_NESTING=n
  -h, --help                         show this help

Exit codes: 0 graph printed (whatever the trace contains), 2 bad input or usage.
`;

export async function graphCommand(argv: readonly string[], io: CliIO): Promise<number> {
  let format: 'dot' | 'mermaid' = 'dot';
  const overrides: { preempt?: KernelOptions['preempt']; proveRawLockNesting?: boolean } = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [name, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (allowed: readonly string[]): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || !allowed.includes(v)) throw new UsageMistake(`lockdep graph: option ${name}: found ${JSON.stringify(v ?? '')}, expected ${allowed.join(' | ')}`);
      return v;
    };
    if (name === '--help' || name === '-h') {
      io.stdout.write(GRAPH_HELP);
      return EXIT_CLEAN;
    } else if (name === '--format') format = value(['dot', 'mermaid']) as 'dot' | 'mermaid';
    else if (name === '--preempt') overrides.preempt = value(['none', 'voluntary', 'full', 'rt']) as KernelOptions['preempt'];
    else if (name === '--prove-raw-lock-nesting') overrides.proveRawLockNesting = true;
    else if (name === '--no-prove-raw-lock-nesting') overrides.proveRawLockNesting = false;
    else if (a.startsWith('-') && a !== '-') throw new UsageMistake(`lockdep graph: unknown option ${name} (see lockdep graph --help)`);
    else positional.push(a);
  }
  const file = onePath('graph', positional);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageMistake(`lockdep graph: cannot read ${file}: ${(e as Error).message}`);
  }
  // Replay on a kernel we keep, to read its learned graph afterwards.
  let replayer: Replayer | null = null;
  feedTrace(text, {
    header: (h: TraceHeader, decls: TraceDecls) => void (replayer = new Replayer(h, decls, { overrides })),
    event: (ev: TraceEvent, index: number) => replayer!.apply(ev, index),
  }, { file });
  const kernel = (replayer as Replayer | null)!.kernel;
  const order = ['circular-dependency', 'irq-unsafe-order', 'irq-inversion'];
  const highlight = order.map((kind) => kernel.violations.find((v) => v.kind === kind)).find((v) => v !== undefined) ?? null;
  io.stdout.write(`${renderGraph(kernel, { format, highlight, title: path.basename(file) })}\n`);
  return EXIT_CLEAN;
}

