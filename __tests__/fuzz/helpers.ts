/**
 * Shared pieces of the fuzz properties: the bundled inputs, and the one check every
 * property makes on a thrown value (a typed LockdepError, never an internal error).
 */
import * as fs from 'fs';
import * as path from 'path';
import { LockdepError } from '../../src/core/errors';
import { TraceError } from '../../src/trace/errors';

const ROOT = path.join(__dirname, '..', '..');

export interface Sample {
  readonly name: string;
  readonly text: string;
}

function readDir(dir: string, ext: string): Sample[] {
  const abs = path.join(ROOT, dir);
  const out: Sample[] = [];
  for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
    const p = path.join(abs, e.name);
    if (e.isDirectory()) out.push(...readDir(path.join(dir, e.name), ext));
    else if (e.name.endsWith(ext))
      out.push({ name: path.join(dir, e.name), text: fs.readFileSync(p, 'utf8') });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** examples/traces/*.json and examples/scenarios/*.json */
export const TRACE_SAMPLES: readonly Sample[] = [
  ...readDir('examples/traces', '.json'),
  ...readDir('examples/scenarios', '.json'),
];

/** __tests__/fixtures/kernel-reports/** */
export const REPORT_SAMPLES: readonly Sample[] = readDir(
  '__tests__/fixtures/kernel-reports',
  '.txt',
);

/** Fail unless `e` is a typed error of this library (TraceError, ConfigError, UsageError, ...). */
export function expectTyped(e: unknown, context: string): asserts e is LockdepError {
  if (e instanceof LockdepError) return;
  const what = e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e);
  throw new Error(`internal error (not a LockdepError) for ${context}:\n${what}`);
}

/** A TraceError located in `file` at line:column (the reader has the text, so it always knows where). */
export function expectLocated(e: unknown, file: string, context: string): void {
  expectTyped(e, context);
  if (!(e instanceof TraceError))
    throw new Error(`expected a TraceError for ${context}, got ${e.name}: ${e.message}`);
  const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  if (!new RegExp(`^${escaped}:\\d+:\\d+: `).test(e.message))
    throw new Error(`TraceError not located at file:line:col for ${context}: ${e.message}`);
  if (e.line < 1 || e.column < 1)
    throw new Error(`TraceError with position ${e.line}:${e.column} for ${context}: ${e.message}`);
  if (e.message.includes('\n'))
    throw new Error(`TraceError message spans lines for ${context}: ${JSON.stringify(e.message)}`);
  if (/undefined|NaN|\[object Object\]/.test(e.message))
    throw new Error(`TraceError message shows an internal value for ${context}: ${e.message}`);
}

/** Run sizes live in one place: ../helpers/fuzz.ts (FUZZ_RUNS, FUZZ_SEED). */
export { runs } from '../helpers/fuzz';
