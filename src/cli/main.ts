/**
 * The `lockdep` command: `check` replays a trace under one kernel configuration,
 * `matrix` under eight. Exit codes: 0 clean, 1 violations found, 2 bad input or usage,
 * 3 an internal error (a bug in lockdep; reported in one line, never a stack trace).
 *
 * main() takes its output streams as arguments so tests run it in-process.
 */
import { jsonText, quoted } from './json';
import * as fs from 'fs';
import * as path from 'path';
import { LockdepError } from '../core/errors';
import type { KernelOptions } from '../core/config';
import { TraceError } from '../trace/errors';
import { replayTrace, replayTraceFile } from '../trace/check';
import { runMatrix, runMatrixFile } from '../trace/matrix';
import { OPS } from '../trace/ops';
import {
  CHECK_OPTIONS_HELP,
  MATRIX_OPTIONS_HELP,
  parseCheckArgs,
  parseMatrixArgs,
  UsageMistake,
} from './args';
import { checkJson, checkText, matrixJson, matrixText, terminalSafe } from './output';
import {
  checkFtraceCommand,
  explainCommand,
  EXPLAIN_HELP,
  FTRACE_HELP,
  takeFtraceArgs,
} from './interop';
import { scenariosCommand, SCENARIOS_HELP } from './scenarios';
import { graphCommand, GRAPH_HELP } from './graph';
import { catalogueCommand, CATALOGUE_HELP } from './catalogue';
import { chainsCommand, CHAINS_HELP } from './chains';

import {
  EXIT_BAD_INPUT,
  EXIT_CLEAN,
  EXIT_INTERNAL,
  EXIT_VIOLATIONS,
  describeWriteError,
  onePath,
  processIO,
  readStdin,
  STDIN_NAME,
  type CliIO,
} from './common';

export { EXIT_BAD_INPUT, EXIT_CLEAN, EXIT_INTERNAL, EXIT_VIOLATIONS, type CliIO };
export { writeOutputFile, checkOutputFile, type OutputFileOptions } from './output';

const COMMANDS = 'check, matrix, graph, explain, scenarios, catalogue, chains';

const MAIN_HELP = `Usage: lockdep <command> [options]

Replay lock traces through a model of the Linux kernel's lock validator.

Commands:
  check <trace>    replay a trace under one kernel configuration; print kernel-style splats
  matrix <trace>   replay a trace under every preemption model x PROVE_RAW_LOCK_NESTING y/n
  graph <trace>    replay a trace and draw the learned lock dependency graph (DOT or Mermaid)
  explain <file|-> explain kernel lock reports (dmesg, mail) under every configuration
  scenarios        the kvfree_rcu() strategy x config x caller x allocator-state matrix
  catalogue <src>  read C sources into a lock-class table (the types --classes reads)
  chains <file>    replay /proc/lockdep_chains under every configuration (what-if)
  help [command]   show help for a command

Options:
  -h, --help       show this help
  -V, --version    print the version

Exit codes: 0 no violations, 1 violations found, 2 bad input or usage, 3 internal error.
Trace format: docs/trace-format.md. Commands and JSON output: docs/cli.md.
`;

function checkHelp(): string {
  const width = Math.max(...Object.keys(OPS).map((name) => name.length));
  const ops = Object.entries(OPS)
    .map(([name, spec]) => `  ${name.padEnd(width)}  ${spec.summary}`)
    .join('\n');
  return `Usage: lockdep check <trace|-> [options]

Replay <trace> (a .json document or JSON Lines, streamed; - reads stdin) on a modelled
kernel and print every violation as the kernel would, then a one-line summary.

Options (the first five override the trace's "config"):
${CHECK_OPTIONS_HELP}

Exit codes: 0 no violations, 1 violations found, 2 bad input or usage, 3 internal error.

Trace ops:
${ops}
${FTRACE_HELP}`;
}

const MATRIX_HELP = `Usage: lockdep matrix <trace|-> [options]

Replay <trace> under the 8 configurations preempt none|voluntary|full|rt x
CONFIG_PROVE_RAW_LOCK_NESTING y|n (DEBUG_ATOMIC_SLEEP=y in all), reading it once, and
print one row per distinct violation (kind + lock) with the configurations it fires in.

Options (--first: in each configuration):
${MATRIX_OPTIONS_HELP}

Exit codes: 0 no violations anywhere, 1 a violation in any configuration, 2 bad input or
usage, 3 internal error.
`;

function version(): string {
  // dist/cli/main.js and src/cli/main.ts both sit two levels below the package root
  const pkg = JSON.parse(
    fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'),
  ) as { version: string };
  return pkg.version;
}

/**
 * Progress on stderr for long replays: only on a terminal, not with --quiet, and only
 * once a replay has run for two seconds.
 */
function progressReporter(
  io: CliIO,
  quiet: boolean,
): { update: (bytes: number, total: number, events: number) => void; done: () => void } {
  if (quiet || !io.stderr.isTTY) return { update: () => {}, done: () => {} };
  const start = Date.now();
  let last = 0;
  let shown = false;
  return {
    update(bytes, total, events) {
      const now = Date.now();
      if (now - start < 2000 || now - last < 250) return;
      last = now;
      shown = true;
      const pct = total > 0 ? ` (${Math.floor((bytes / total) * 100)}%)` : '';
      io.stderr.write(`\rlockdep: ${events.toLocaleString('en-US')} events${pct}`);
    },
    done() {
      if (shown) io.stderr.write('\r\x1b[K');
    },
  };
}

async function check(argv: readonly string[], io: CliIO): Promise<number> {
  const ft = takeFtraceArgs(argv);
  if (ft) return checkFtraceCommand(ft, io);
  const { options: o, positional } = parseCheckArgs(argv);
  if (o.help) {
    io.stdout.write(checkHelp());
    return EXIT_CLEAN;
  }
  const file = onePath('check', positional);
  const overrides: KernelOptions = {
    preempt: o.preempt,
    proveRawLockNesting: o.proveRawLockNesting,
    debugAtomicSleep: o.debugAtomicSleep,
    policy: o.first ? 'first' : undefined,
  };
  const progress = progressReporter(io, o.quiet);
  let result;
  try {
    result =
      file === '-'
        ? replayTrace(readStdin('check', io), { overrides, file: STDIN_NAME })
        : await replayTraceFile(file, { overrides, progress: progress.update });
  } finally {
    progress.done();
  }
  io.stdout.write(
    o.format === 'json'
      ? `${jsonText(checkJson(result), 2)}\n`
      : checkText(file === '-' ? STDIN_NAME : file, result),
  );
  return result.violations.length > 0 ? EXIT_VIOLATIONS : EXIT_CLEAN;
}

async function matrix(argv: readonly string[], io: CliIO): Promise<number> {
  const { options: o, positional } = parseMatrixArgs(argv);
  if (o.help) {
    io.stdout.write(MATRIX_HELP);
    return EXIT_CLEAN;
  }
  const file = onePath('matrix', positional);
  const progress = progressReporter(io, o.quiet);
  const overrides = { policy: o.first ? ('first' as const) : undefined };
  let result;
  try {
    result =
      file === '-'
        ? runMatrix(readStdin('matrix', io), { overrides, file: STDIN_NAME })
        : await runMatrixFile(file, { overrides, progress: progress.update });
  } finally {
    progress.done();
  }
  io.stdout.write(
    o.format === 'json'
      ? `${jsonText(matrixJson(result), 2)}\n`
      : matrixText(file === '-' ? STDIN_NAME : file, result),
  );
  return result.columns.some((c) => c.result.violations.length > 0) ? EXIT_VIOLATIONS : EXIT_CLEAN;
}

function help(topic: string | undefined, extra: readonly string[], io: CliIO): number {
  if (extra.length)
    throw new UsageMistake(
      `lockdep help: one command at a time; unexpected ${extra.map((a) => quoted(a)).join(' ')}`,
    );
  // `lockdep help --help`, `lockdep help help`: the overview is the help of `help`
  if (topic === undefined || topic === 'help' || topic === '--help' || topic === '-h')
    io.stdout.write(MAIN_HELP);
  else if (topic === 'check') io.stdout.write(checkHelp());
  else if (topic === 'matrix') io.stdout.write(MATRIX_HELP);
  else if (topic === 'graph') io.stdout.write(GRAPH_HELP);
  else if (topic === 'explain') io.stdout.write(EXPLAIN_HELP);
  else if (topic === 'scenarios') io.stdout.write(SCENARIOS_HELP);
  else if (topic === 'catalogue') io.stdout.write(CATALOGUE_HELP);
  else if (topic === 'chains') io.stdout.write(CHAINS_HELP);
  else throw new UsageMistake(`lockdep help: no command ${quoted(topic)} (commands: ${COMMANDS})`);
  return EXIT_CLEAN;
}

/**
 * Run the CLI with `argv` (without node and the script). Resolves to the exit code.
 *
 * Without `io` it writes to the process's streams through one output path: when the
 * reader of stdout goes away (`lockdep check t.json | head -1`) the command ends quietly
 * with the status it would have had; any other write error (a full disk) is one line on
 * stderr and exit 2, never a stack trace or a status that claims violations.
 */
export async function main(argv: readonly string[], io?: CliIO): Promise<number> {
  if (io) return run(argv, io);
  const pio = processIO();
  const code = await run(argv, pio);
  const failure = await pio.settle();
  if (!failure || failure.code === 'EPIPE') return code;
  pio.stderr.write(`lockdep: cannot write the output: ${describeWriteError(failure)}\n`);
  return EXIT_BAD_INPUT;
}

/** An error message as one terminal-safe line, whatever names it quotes. */
function oneLine(message: string): string {
  return terminalSafe(message).replace(/\n/g, '\\n');
}

async function run(argv: readonly string[], io: CliIO): Promise<number> {
  try {
    const [cmd, ...rest] = argv;
    switch (cmd) {
      case 'check':
        return await check(rest, io);
      case 'matrix':
        return await matrix(rest, io);
      case 'graph':
        return await graphCommand(rest, io);
      case 'explain':
        return explainCommand(rest, io);
      case 'scenarios':
        return scenariosCommand(rest, io);
      case 'catalogue':
        return await catalogueCommand(rest, io);
      case 'chains':
        return await chainsCommand(rest, io);
      // `lockdep --help check` is `lockdep help check`, as `lockdep check --help` is
      case 'help':
      case '--help':
      case '-h':
        return help(rest[0], rest.slice(1), io);
      case '--version':
      case '-V':
        if (rest.length)
          throw new UsageMistake(
            `lockdep: ${cmd} takes no argument; unexpected ${rest.map((a) => quoted(a)).join(' ')}`,
          );
        io.stdout.write(`lockdep ${version()}\n`);
        return EXIT_CLEAN;
      case undefined:
        io.stderr.write(MAIN_HELP);
        return EXIT_BAD_INPUT;
      default:
        throw new UsageMistake(
          `lockdep: unknown command ${quoted(cmd)} (commands: ${COMMANDS}, help)`,
        );
    }
  } catch (e) {
    if (e instanceof TraceError || e instanceof UsageMistake) {
      io.stderr.write(`${oneLine(e.message)}\n`);
      return EXIT_BAD_INPUT;
    }
    if (e instanceof LockdepError) {
      // a ConfigError from flag combinations, a UsageError: bad input all the same
      io.stderr.write(`lockdep: ${oneLine(e.message)}\n`);
      return EXIT_BAD_INPUT;
    }
    const msg = e instanceof Error ? e.message : String(e);
    io.stderr.write(
      `lockdep: internal error: ${terminalSafe(msg.split('\n')[0])} (please report this with the trace)\n`,
    );
    return EXIT_INTERNAL;
  }
}
