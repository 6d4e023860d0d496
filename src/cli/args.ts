/**
 * Command-line parsing for `lockdep`: a small table of options per command, so every
 * command rejects what it does not know (exit 2) instead of ignoring it.
 */
import { quoted } from './json';
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

/**
 * One option: how it parses and how `--help` shows it (the help is generated from these
 * specs, so the two cannot drift apart).
 */
interface OptionSpec<O> {
  /** takes a value (`--format json` or `--format=json`): the allowed values, or any file */
  readonly value?: readonly string[] | 'file';
  /** options sharing a key set the same thing: giving two of them is a mistake */
  readonly key?: string;
  /** the help line; an alias without one is listed with the option it aliases */
  readonly help?: string;
  /** what the help shows instead of the name: `-q, --quiet`, `--emit-trace <file.json>` */
  readonly shown?: string;
  readonly set: Setter<O>;
}

type Specs<O> = Readonly<Record<string, OptionSpec<O>>>;

const helpSpecs: Specs<{ help: boolean }> = {
  '--help': { shown: '-h, --help', help: 'show this help', set: (o) => void (o.help = true) },
  '-h': { shown: '-h, --help', set: (o) => void (o.help = true) },
};

const common: Specs<CommonOptions> = {
  '--first': {
    key: 'first',
    help: 'stop reporting after the first lockdep splat, as the kernel does',
    set: (o) => void (o.first = true),
  },
  '--format': {
    value: ['text', 'json'],
    key: 'format',
    help: 'output format (default text)',
    set: (o, v) => void (o.format = v as OutputFormat),
  },
  '--quiet': {
    key: 'quiet',
    shown: '-q, --quiet',
    help: 'no progress on stderr',
    set: (o) => void (o.quiet = true),
  },
  '-q': { key: 'quiet', shown: '-q, --quiet', set: (o) => void (o.quiet = true) },
  ...helpSpecs,
};

/** What `check` and `graph` may override of a trace's "config". */
interface ConfigOverrides {
  preempt?: PreemptModel | undefined;
  proveRawLockNesting?: boolean | undefined;
  debugAtomicSleep?: boolean | undefined;
}

const checkOnly: Specs<ConfigOverrides> = {
  '--preempt': {
    value: PREEMPT_MODELS,
    key: 'preempt',
    help: 'preemption model (rt is PREEMPT_RT)',
    set: (o, v) => void (o.preempt = v as PreemptModel),
  },
  '--prove-raw-lock-nesting': {
    key: 'proveRawLockNesting',
    help: 'CONFIG_PROVE_RAW_LOCK_NESTING=y',
    set: (o) => void (o.proveRawLockNesting = true),
  },
  '--no-prove-raw-lock-nesting': {
    key: 'proveRawLockNesting',
    help: 'CONFIG_PROVE_RAW_LOCK_NESTING=n',
    set: (o) => void (o.proveRawLockNesting = false),
  },
  '--debug-atomic-sleep': {
    key: 'debugAtomicSleep',
    help: 'CONFIG_DEBUG_ATOMIC_SLEEP=y (might_sleep() reports)',
    set: (o) => void (o.debugAtomicSleep = true),
  },
  '--no-debug-atomic-sleep': {
    key: 'debugAtomicSleep',
    help: 'CONFIG_DEBUG_ATOMIC_SLEEP=n',
    set: (o) => void (o.debugAtomicSleep = false),
  },
};

/** The `Options:` lines of a command's help, from its specs, in one column. */
export function optionsHelp<O>(specs: Specs<O>): string {
  const rows = Object.entries(specs)
    .filter(([, spec]) => spec.help !== undefined)
    .map(([name, spec]) => {
      const arg =
        spec.value === undefined ? '' : spec.value === 'file' ? '' : ` ${spec.value.join('|')}`;
      return [spec.shown ?? `${name}${arg}`, spec.help ?? ''] as const;
    });
  const width = Math.max(...rows.map(([flag]) => flag.length));
  return rows.map(([flag, help]) => `  ${flag.padEnd(width)}  ${help}`.trimEnd()).join('\n');
}

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
  specs: Specs<O>,
  init: O,
  hints: Hints = {},
): ParsedArgs<O> {
  const positional: string[] = [];
  const o = init;
  // key -> the option as given and which option it is (an alias is the same option), to
  // name both when one is given twice or contradicted
  const given = new Map<string, { as: string; option: string }>();
  const once = (spec: OptionSpec<O>, name: string, as: string): void => {
    if (spec.key === undefined) return;
    const option = spec.shown ?? name;
    const before = given.get(spec.key);
    if (before !== undefined)
      throw new UsageMistake(
        before.option === option
          ? `lockdep ${cmd}: ${name} given twice (${before.as}, ${as}); give it once`
          : `lockdep ${cmd}: ${before.as} and ${as} contradict; give one of them`,
      );
    given.set(spec.key, { as, option });
  };
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
      once(spec, name, name);
      spec.set(o, undefined);
      continue;
    }
    let v: string | undefined;
    if (name !== a) v = a.slice(eq + 1);
    else v = argv[++i];
    const expected = spec.value === 'file' ? 'a file' : spec.value.join(' | ');
    if (v === undefined || (spec.value === 'file' && v === ''))
      throw new UsageMistake(`lockdep ${cmd}: option ${name} needs a value: ${expected}`);
    if (spec.value !== 'file' && !spec.value.includes(v))
      throw new UsageMistake(
        `lockdep ${cmd}: option ${name}: found ${quoted(v)}, expected ${expected}`,
      );
    once(spec, name, `${name} ${v}`);
    spec.set(o, v);
  }
  return { options: o, positional };
}

const checkSpecs: Specs<CheckOptions> = { ...checkOnly, ...common };

export function parseCheckArgs(argv: readonly string[]): ParsedArgs<CheckOptions> {
  return parse<CheckOptions>('check', argv, checkSpecs, {
    format: 'text',
    first: false,
    quiet: false,
    help: false,
  });
}

/** The `Options:` lines of `lockdep check --help`. */
export const CHECK_OPTIONS_HELP = optionsHelp(checkSpecs);
/** The `Options:` lines of `lockdep matrix --help`. */
export const MATRIX_OPTIONS_HELP = optionsHelp(common);

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

const graphSpecs: Specs<GraphOptions> = {
  '--format': {
    value: ['dot', 'mermaid'],
    key: 'format',
    help: 'output language (default dot)',
    set: (o, v) => void (o.format = v as GraphOptions['format']),
  },
  '--preempt': {
    ...checkOnly['--preempt'],
    help: 'preemption model (overrides the trace\'s "config")',
  },
  '--prove-raw-lock-nesting': checkOnly['--prove-raw-lock-nesting'],
  '--no-prove-raw-lock-nesting': checkOnly['--no-prove-raw-lock-nesting'],
  ...helpSpecs,
};

/** The `Options:` lines of `lockdep graph --help`. */
export const GRAPH_OPTIONS_HELP = optionsHelp(graphSpecs);

export function parseGraphArgs(argv: readonly string[]): ParsedArgs<GraphOptions> {
  return parse<GraphOptions>('graph', argv, graphSpecs, { format: 'dot', help: false });
}

export interface ExplainOptions {
  format: OutputFormat;
  emitTrace?: string;
  classes?: string;
  force: boolean;
  help: boolean;
}

const explainSpecs: Specs<ExplainOptions> = {
  '--format': {
    value: ['text', 'json'],
    key: 'format',
    help: 'output format (default text; JSON: docs/interop.md)',
    set: (o, v) => void (o.format = v as OutputFormat),
  },
  '--emit-trace': {
    value: 'file',
    key: 'emitTrace',
    shown: '--emit-trace <file.json>',
    help: 'write the reconstructed trace (one report: <file.json>; several: <file>-<n>.json; - : stdout); `lockdep check` replays it',
    set: (o, v) => void (o.emitTrace = v),
  },
  '--force': {
    key: 'force',
    help: 'let --emit-trace replace existing files (never the input)',
    set: (o) => void (o.force = true),
  },
  '--classes': {
    value: 'file',
    key: 'classes',
    shown: '--classes <classes.json>',
    help: 'lock names -> primitives, over the built-in table',
    set: (o, v) => void (o.classes = v),
  },
  ...helpSpecs,
};

export function parseExplainArgs(argv: readonly string[]): ParsedArgs<ExplainOptions> {
  return parse<ExplainOptions>('explain', argv, explainSpecs, {
    format: 'text',
    force: false,
    help: false,
  });
}

/** The `Options:` lines of `lockdep explain --help`. */
export const EXPLAIN_OPTIONS_HELP = optionsHelp(explainSpecs);
