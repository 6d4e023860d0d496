/** Writing traces: a JSON document (one event per line inside it) or JSON Lines. */
import type { TraceFormat } from './reader';
import type { Trace } from './schema';

/** The text of a trace; parseTrace() reads it back to an equal value. */
export function serializeTrace(trace: Trace, format: TraceFormat = 'json'): string {
  const { events, ...header } = trace;
  if (format === 'jsonl') {
    let out = `${JSON.stringify(header)}\n`;
    for (const ev of events) out += `${JSON.stringify(ev)}\n`;
    return out;
  }
  // The header indented, the events one per line: readable, and diffs stay per event.
  const head = JSON.stringify(header, null, 2);
  const body = events.map((ev) => `    ${JSON.stringify(ev)}`).join(',\n');
  const open = head === '{}' ? '{\n' : `${head.slice(0, -2)},\n`;
  return `${open}  "events": [${events.length ? `\n${body}\n  ` : ''}]\n}\n`;
}
