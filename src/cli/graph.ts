/**
 * `lockdep graph`: replay a trace and print the dependency graph lockdep learned, as
 * Graphviz DOT or Mermaid (src/graph/render.ts).
 */
import * as path from 'path';
import type { KernelOptions } from '../core/config';
import { renderGraph } from '../graph/render';
import { feedTrace } from '../trace/check';
import { streamTraceFile, type TraceConsumer } from '../trace/reader';
import { Replayer } from '../trace/replay';
import type { TraceDecls, TraceEvent, TraceHeader } from '../trace/schema';
import { GRAPH_OPTIONS_HELP, parseGraphArgs } from './args';
import { EXIT_CLEAN, onePath, readStdin, STDIN_NAME, type CliIO } from './common';

export const GRAPH_HELP = `Usage: lockdep graph <trace|-> [options]

Replay <trace> and print the lock dependency graph lockdep learned: one node per lock
class, coloured by wait type, irq-safe/unsafe classes marked, edges labelled with their
dependency kinds; the path of the first reported cycle (or irq-order problem) is drawn
in red, the refused closing edge dashed. See docs/graph.md.

Options:
${GRAPH_OPTIONS_HELP}

Exit codes: 0 graph printed (whatever the trace contains), 2 bad input or usage.
`;

export async function graphCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const { options: o, positional } = parseGraphArgs(argv);
  if (o.help) {
    io.stdout.write(GRAPH_HELP);
    return EXIT_CLEAN;
  }
  const file = onePath('graph', positional);
  const overrides: KernelOptions = {
    preempt: o.preempt,
    proveRawLockNesting: o.proveRawLockNesting,
  };
  // Replay on a kernel we keep, to read its learned graph afterwards.
  let replayer: Replayer | null = null;
  const consumer: TraceConsumer = {
    header: (h: TraceHeader, decls: TraceDecls) =>
      void (replayer = new Replayer(h, decls, { overrides })),
    event: (ev: TraceEvent, index: number) => replayer!.apply(ev, index),
  };
  // the same reader as check and matrix: JSON Lines streamed, the same located errors
  if (file === '-') feedTrace(readStdin('graph', io), consumer, { file: STDIN_NAME });
  else await streamTraceFile(file, consumer);
  const kernel = (replayer as Replayer | null)!.kernel;
  const order = ['circular-dependency', 'irq-unsafe-order', 'irq-inversion'];
  const highlight =
    order
      .map((kind) => kernel.violations.find((v) => v.kind === kind))
      .find((v) => v !== undefined) ?? null;
  io.stdout.write(
    `${renderGraph(kernel, { format: o.format, highlight, title: file === '-' ? 'stdin' : path.basename(file) })}\n`,
  );
  return EXIT_CLEAN;
}
