/** What `lockdep chains` prints: text grouped by the first offending pair, and JSON. */
import { escapeText } from '../../report/escape';
import { describeFires } from '../../trace/matrix';
import type { MatrixConfigId } from '../../trace/schema';
import { MATRIX_CONFIGS, configId } from '../replay';
import type { ChainChecker, ChainResult, ChainSummary, ChainVerdict } from './check';
import { IRQ_CONTEXT_NAMES } from './parse';

/** `lockdep chains --format json` (docs/whatif.md). */
export interface ChainsJson {
  readonly chains: number;
  readonly unknownClasses: readonly string[];
  readonly results: readonly {
    readonly index: number;
    readonly line: number;
    readonly irqContext: number;
    readonly locks: readonly string[];
    readonly verdicts: readonly ChainVerdict[];
    readonly threadedVerdicts?: readonly ChainVerdict[];
    readonly source?: 'lockdep';
    readonly usage?: Readonly<Record<string, string>>;
  }[];
  readonly summary: {
    readonly skipped: number;
    readonly shapes: number;
    readonly failing: ChainSummary['failing'];
    readonly usage?: ChainSummary['usage'];
  };
}

export function chainsToJson(results: readonly ChainResult[], s: ChainSummary): ChainsJson {
  return {
    chains: s.chains,
    unknownClasses: s.unknownClasses,
    results: results.map((r) => ({
      index: r.index,
      line: r.line,
      irqContext: r.irqContext,
      locks: r.locks,
      verdicts: r.verdicts,
      ...(r.threadedVerdicts ? { threadedVerdicts: r.threadedVerdicts } : {}),
      ...(r.source ? { source: r.source } : {}),
      ...(r.usage ? { usage: r.usage } : {}),
    })),
    summary: {
      skipped: s.skipped,
      shapes: s.shapes,
      failing: s.failing,
      ...(s.usage ? { usage: s.usage } : {}),
    },
  };
}

/** Chains listed per group; the rest are counted. */
const SHOWN = 5;

/** A group of failing chains that share their first offending pair. */
export class ChainGroups {
  private readonly groups = new Map<
    string,
    { first: ChainResult; shown: ChainResult[]; count: number; fires: Set<string> }
  >();

  add(r: ChainResult): void {
    const key = `${r.pair.held}\u0000${r.pair.taken}`;
    let g = this.groups.get(key);
    if (!g) this.groups.set(key, (g = { first: r, shown: [], count: 0, fires: new Set() }));
    g.count++;
    if (g.shown.length < SHOWN) g.shown.push(r);
    for (const v of [...r.verdicts, ...(r.threadedVerdicts ?? [])])
      if (v.kinds.length) g.fires.add(v.id);
  }

  get size(): number {
    return this.groups.size;
  }

  /** The text report; `lockdepFile` is the /proc/lockdep copy, when one was read. */
  format(file: string, checker: ChainChecker, s: ChainSummary, lockdepFile?: string): string {
    const out: string[] = [];
    out.push(
      `${escapeText(file)}: ${plural(s.chains, 'lock chain')} replayed under ${MATRIX_CONFIGS.length} configurations`,
    );
    for (const g of this.groups.values()) {
      const ids = MATRIX_CONFIGS.map(configId).filter((id) => g.fires.has(id));
      out.push('');
      out.push(
        `${escapeText(g.first.pair.held)} -> ${escapeText(g.first.pair.taken)}: ${plural(g.count, 'chain')}, ${describeFires(ids as MatrixConfigId[])}`,
      );
      for (const r of g.shown) {
        out.push(
          r.source === 'lockdep'
            ? `  class ${escapeText(r.locks[0])} (${escapeText(lockdepFile ?? '/proc/lockdep')} line ${r.line}, usage {${r.usage?.[r.locks[0]] ?? ''}}): in ${IRQ_CONTEXT_NAMES[r.irqContext]} context, in no recorded chain there`
            : `  chain ${r.index} (line ${r.line}, ${IRQ_CONTEXT_NAMES[r.irqContext]}): ${r.locks.map(escapeText).join(', ')}`,
        );
        if (r.usage && r.source !== 'lockdep')
          out.push(
            `    /proc/lockdep records in irq context: ${Object.entries(r.usage)
              .map(([n, u]) => `${escapeText(n)} {${u}}`)
              .join(', ')}`,
          );
      }
      if (g.count > g.shown.length) out.push(`  ... and ${g.count - g.shown.length} more`);
      out.push(...verdictLines(g.first));
      out.push(`  the kernel would print (${checker.splatConfig(g.first)}):`);
      for (const l of checker.splat(g.first).split('\n')) out.push(l ? `    ${escapeText(l)}` : '');
    }
    out.push('');
    if (this.groups.size === 0) out.push('no chain fails under any configuration');
    out.push(
      'not in a chain: interrupts or preemption disabled around the locks (spin_lock_irqsave(), preempt_disable()),',
    );
    out.push(
      'trylocks, read or write acquisition, and what the interrupted context held: see docs/whatif.md',
    );
    if (s.unknownClasses.length) {
      const shown = s.unknownClasses.slice(0, 10).map(escapeText).join(', ');
      const more =
        s.unknownClasses.length > 10 ? `, ... (${s.unknownClasses.length - 10} more)` : '';
      out.push(`unknown classes (give their types with --classes): ${shown}${more}`);
    }
    if (s.usage)
      out.push(
        `${escapeText(lockdepFile ?? '/proc/lockdep')}: ${plural(s.usage.classes, 'class')}, ${s.usage.inHardirq.toLocaleString('en-US')} recorded in hardirq context and ${s.usage.inSoftirq.toLocaleString('en-US')} in softirq context; ${s.usage.checked.toLocaleString('en-US')} checked alone in an irq context no chain shows them in`,
      );
    out.push(
      `summary: ${plural(s.chains, 'chain')} read, ${plural(s.unknownClasses.length, 'class')} unknown (${plural(s.skipped, 'chain')} skipped), ${plural(this.groups.size, 'finding')}; chains failing per configuration: ${s.failing.map((f) => `${f.id} ${f.chains}`).join(', ')}`,
    );
    return `${out.join('\n')}\n`;
  }
}

function verdictLines(r: ChainResult): string[] {
  const line = (label: string, vs: readonly ChainVerdict[]) => {
    const by = new Map<string, string[]>();
    for (const v of vs) {
      if (!v.kinds.length) continue;
      const k = v.kinds.join(', ');
      by.set(k, [...(by.get(k) ?? []), v.id]);
    }
    const parts = [...by].map(([k, ids]) => `${k}: ${ids.join(' ')}`);
    return `  ${label}${parts.length ? parts.join('; ') : 'clean everywhere'}`;
  };
  if (!r.threadedVerdicts) return [line('reported: ', r.verdicts)];
  return [
    line('handler not threaded: ', r.verdicts),
    line('handler threaded:     ', r.threadedVerdicts),
  ];
}

function plural(n: number, word: string): string {
  const w = n === 1 ? word : word.endsWith('s') ? `${word}es` : `${word}s`;
  return `${n.toLocaleString('en-US')} ${w}`;
}
