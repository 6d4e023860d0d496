/**
 * Command-line parsing for `lockdep`: a small table of options per command, so every
 * command rejects what it does not know (exit 2) instead of ignoring it.
 */
import { PREEMPT_MODELS, type PreemptModel } from '../core/config';

export type OutputFormat = 'text' | 'json';

export interface CommonOptions {
  format: OutputFormat;
  first: boolean;
  quiet: boolean;
  help: boolean;
}

export interface CheckOptions extends CommonOptions {
  preempt?: PreemptModel;
  proveRawLockNesting?: boolean;
  debugAtomicSleep?: boolean;
}

export interface ParsedArgs<O> {
  readonly options: O;
  readonly positional: readonly string[];
}

/** A usage mistake: printed as one line, exit code 2. */
export class UsageMistake extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageMistake';
  }
}

type Setter<O> = (o: O, value: string | undefined) => void;

interface OptionSpec<O> {
  /** takes a value (`--format json` or `--format=json`) */
  readonly value?: readonly string[];
  readonly set: Setter<O>;
}

const common: Record<string, OptionSpec<CommonOptions>> = {
  '--format': { value: ['text', 'json'], set: (o, v) => void (o.format = v as OutputFormat) },
  '--first': { set: (o) => void (o.first = true) },
  '--quiet': { set: (o) => void (o.quiet = true) },
  '-q': { set: (o) => void (o.quiet = true) },
  '--help': { set: (o) => void (o.help = true) },
  '-h': { set: (o) => void (o.help = true) },
};

const checkOnly: Record<string, OptionSpec<CheckOptions>> = {
  '--preempt': { value: PREEMPT_MODELS, set: (o, v) => void (o.preempt = v as PreemptModel) },
  '--prove-raw-lock-nesting': { set: (o) => void (o.proveRawLockNesting = true) },
  '--no-prove-raw-lock-nesting': { set: (o) => void (o.proveRawLockNesting = false) },
  '--debug-atomic-sleep': { set: (o) => void (o.debugAtomicSleep = true) },
  '--no-debug-atomic-sleep': { set: (o) => void (o.debugAtomicSleep = false) },
};

export interface GraphOptions {
  format: 'dot' | 'mermaid';
  help: boolean;
  preempt?: PreemptModel;
  proveRawLockNesting?: boolean;
}

/**
 * Options of another command given to this one: instead of "unknown option", say why it
 * does not apply.
 */
type Hints = Readonly<Record<string, string>>;

function parse<O>(
  cmd: string,
  argv: readonly string[],
  specs: Record<string, OptionSpec<O>>,
  init: O,
  hints: Hints = {},
): ParsedArgs<O> {
  const positional: string[] = [];
  const o = init;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    const spec = Object.prototype.hasOwnProperty.call(specs, name) ? specs[name] : undefined;
    if (!spec) {
      const hint = Object.prototype.hasOwnProperty.call(hints, name) ? hints[name] : undefined;
      throw new UsageMistake(
        hint
          ? `lockdep ${cmd}: ${name} does not apply: ${hint}`
          : `lockdep ${cmd}: unknown option ${name} (see lockdep ${cmd} --help)`,
      );
    }
    if (!spec.value) {
      if (eq > 0 && name !== a)
        throw new UsageMistake(`lockdep ${cmd}: option ${name} takes no value`);
      spec.set(o, undefined);
      continue;
    }
    let v: string | undefined;
    if (name !== a) v = a.slice(eq + 1);
    else v = argv[++i];
    if (v === undefined)
      throw new UsageMistake(
        `lockdep ${cmd}: option ${name} needs a value: ${spec.value.join(' | ')}`,
      );
    if (!spec.value.includes(v))
      throw new UsageMistake(
        `lockdep ${cmd}: option ${name}: found ${JSON.stringify(v)}, expected ${spec.value.join(' | ')}`,
      );
    spec.set(o, v);
  }
  return { options: o, positional };
}

export function parseCheckArgs(argv: readonly string[]): ParsedArgs<CheckOptions> {
  return parse<CheckOptions>(
    'check',
    argv,
    { ...common, ...checkOnly } as Record<string, OptionSpec<CheckOptions>>,
    { format: 'text', first: false, quiet: false, help: false },
  );
}

const MATRIX_COLUMNS_HINT =
  'matrix replays every preemption model with PROVE_RAW_LOCK_NESTING on and off (see lockdep check for one configuration)';
const matrixHints: Hints = {
  '--preempt': MATRIX_COLUMNS_HINT,
  '--prove-raw-lock-nesting': MATRIX_COLUMNS_HINT,
  '--no-prove-raw-lock-nesting': MATRIX_COLUMNS_HINT,
  '--debug-atomic-sleep':
    'matrix always runs with DEBUG_ATOMIC_SLEEP=y (see lockdep check for one configuration)',
  '--no-debug-atomic-sleep':
    'matrix always runs with DEBUG_ATOMIC_SLEEP=y (see lockdep check for one configuration)',
};

export function parseMatrixArgs(argv: readonly string[]): ParsedArgs<CommonOptions> {
  return parse<CommonOptions>(
    'matrix',
    argv,
    common,
    { format: 'text', first: false, quiet: false, help: false },
    matrixHints,
  );
}

const graphSpecs: Record<string, OptionSpec<GraphOptions>> = {
  '--format': {
    value: ['dot', 'mermaid'],
    set: (o, v) => void (o.format = v as GraphOptions['format']),
  },
  '--preempt': { value: PREEMPT_MODELS, set: (o, v) => void (o.preempt = v as PreemptModel) },
  '--prove-raw-lock-nesting': { set: (o) => void (o.proveRawLockNesting = true) },
  '--no-prove-raw-lock-nesting': { set: (o) => void (o.proveRawLockNesting = false) },
  '--help': { set: (o) => void (o.help = true) },
  '-h': { set: (o) => void (o.help = true) },
};

export function parseGraphArgs(argv: readonly string[]): ParsedArgs<GraphOptions> {
  return parse<GraphOptions>('graph', argv, graphSpecs, { format: 'dot', help: false });
}
