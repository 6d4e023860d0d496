/**
 * Reading traces: a JSON document, or JSON Lines (a header line, then one event per
 * line) read as a stream. Which one a text is follows from its first non-blank line:
 * a complete JSON object with "lockdep-trace" and no "events" starts a JSON Lines
 * trace; anything else is read as one JSON document.
 *
 * Events are validated and handed to a consumer one at a time and not kept, so a JSON
 * Lines trace of any length is read in bounded memory. Every error becomes a
 * TraceError located at file:line:column and a JSON pointer.
 */
import { isAscii } from 'buffer';
import * as fs from 'fs';
import { TraceError, type SourcePosition } from './errors';
import { JsonSyntaxError, LineIndex, parseJson } from './json';
import { bytePosition, firstInvalidUtf8 } from './utf8';
import { EventLineReader } from './eventLine';
import { acceptWith, OPS, specTable, validateEvent, type OpSpec, type OpTable } from './ops';
import { DROPPED_MEMBER_LENGTH } from './opTable';
import {
  isObject,
  TraceIssue,
  validateHeader,
  VERSION_KEY,
  type Trace,
  type TraceDecls,
  type TraceEvent,
  type TraceHeader,
} from './schema';

/** Receives a trace as it is read. Errors thrown as TraceIssue are located by the reader. */
export interface TraceConsumer {
  header(header: TraceHeader, decls: TraceDecls): void;
  event(event: TraceEvent, index: number): void;
}

export type TraceFormat = 'json' | 'jsonl';

/**
 * Limits of what the reader holds at once, in UTF-16 units (bytes, for ASCII text): a
 * JSON document is parsed whole, so beyond this size it must be JSON Lines; a JSON Lines
 * line is one event.
 */
export const MAX_DOCUMENT_LENGTH = 64 * (1 << 20);
export const MAX_LINE_LENGTH = 64 * (1 << 20);

/** Position of `pointer` (or its nearest ancestor that exists) in a JSON text. */
function locate(text: string, pointer: string, atKey: boolean): number {
  let parsed;
  try {
    parsed = parseJson(text, true);
  } catch {
    return 0;
  }
  for (let p = pointer; ; p = p.slice(0, p.lastIndexOf('/'))) {
    const off = (atKey ? parsed.keyAt.get(p) : undefined) ?? parsed.valueAt.get(p);
    if (off !== undefined) return off;
    if (p === '') return 0;
  }
}

/**
 * Push-based reader: feed text with push(), then end(). One instance reads one trace.
 */
export class TraceReader {
  private mode: 'detect' | TraceFormat = 'detect';
  /** the line being read, in pieces until its end arrives */
  private readonly pending: string[] = [];
  private pendingLength = 0;
  private readonly chunks: string[] = [];
  private documentLength = 0;
  private lineNo = 0;
  private index = 0;
  private decls: TraceDecls | null = null;
  private first = true;
  private readonly specs: ReadonlyMap<string, OpSpec>;
  private readonly lineReader: EventLineReader;

  constructor(
    private readonly file: string,
    private readonly consumer: TraceConsumer,
    private readonly ops: OpTable = OPS,
  ) {
    this.specs = specTable(ops);
    this.lineReader = new EventLineReader(this.specs);
  }

  get format(): TraceFormat | null {
    return this.mode === 'detect' ? null : this.mode;
  }

  /** Events handed to the consumer so far. */
  get events(): number {
    return this.index;
  }

  push(chunk: string): void {
    if (this.first) {
      this.first = false;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1); // a UTF-8 byte order mark is not content
    }
    if (this.mode === 'json') {
      this.addDocument(chunk);
      return;
    }
    // Search only the new text for a line end: a long line costs its length once.
    let nl = chunk.indexOf('\n');
    if (nl < 0) {
      this.pending.push(chunk);
      this.pendingLength += chunk.length;
      if (this.pendingLength > MAX_LINE_LENGTH) this.tooLarge();
      return;
    }
    let text = chunk;
    let start = 0;
    if (this.pending.length > 0 && this.mode === 'jsonl') {
      // The line begun in earlier chunks ends here: join that line, not the whole chunk.
      this.pending.push(chunk.slice(0, nl));
      const first = this.pending.join('');
      this.pending.length = 0;
      this.pendingLength = 0;
      this.line(first, 0, first.length);
      start = nl + 1;
      nl = chunk.indexOf('\n', start);
    } else if (this.pending.length > 0) {
      this.pending.push(chunk);
      text = this.pending.join('');
      nl += this.pendingLength;
      this.pending.length = 0;
    }
    this.pendingLength = 0;
    for (; nl >= 0; nl = text.indexOf('\n', start)) {
      if (this.mode === 'detect') {
        this.mode = this.detect(text.slice(start, nl));
        if (this.mode === 'json') {
          this.addDocument(text.slice(start));
          return;
        }
        if (this.mode === 'detect') {
          // a blank first line: keep it for the document's positions
          this.addDocument(text.slice(start, nl + 1));
          this.lineNo++;
          start = nl + 1;
          continue;
        }
        // JSON Lines: the header line itself is the first line processed below
        this.chunks.length = 0;
        this.documentLength = 0;
      }
      this.line(text, start, nl);
      start = nl + 1;
    }
    if (start < text.length) {
      const rest = text.slice(start);
      this.pending.push(rest);
      this.pendingLength = rest.length;
      if (rest.length > MAX_LINE_LENGTH) this.tooLarge();
    }
  }

  /** Keep text of a JSON document, which is parsed whole: up to MAX_DOCUMENT_LENGTH. */
  private addDocument(text: string): void {
    this.documentLength += text.length;
    if (this.documentLength > MAX_DOCUMENT_LENGTH) this.tooLarge();
    this.chunks.push(text);
  }

  /** A document (or line) past the limits: say what to use instead, before reading on. */
  private tooLarge(): never {
    const mib = (n: number) => `${n / (1 << 20)} MiB`;
    if (this.mode === 'jsonl')
      throw new TraceError(
        {
          code: 'too-large',
          pointer: `/events/${this.index}`,
          found: `a line longer than ${mib(MAX_LINE_LENGTH)}`,
          expected: `one event per line, each at most ${mib(MAX_LINE_LENGTH)}`,
        },
        this.file,
        { line: this.lineNo + 1, column: 1 },
      );
    throw new TraceError(
      {
        code: 'too-large',
        pointer: '',
        found: `a JSON document larger than ${mib(MAX_DOCUMENT_LENGTH)}`,
        expected:
          'JSON Lines for a trace this long (use JSON Lines: the header object on the first line, then one event per line; it is read in bounded memory)',
      },
      this.file,
      { line: 1, column: 1 },
    );
  }

  /** End of input: the last line, or the whole document. */
  end(): void {
    const last = this.pending.join('');
    this.pending.length = 0;
    this.pendingLength = 0;
    if (this.mode === 'detect') {
      const m = this.detect(last);
      this.mode = m === 'detect' ? 'json' : m;
      if (this.mode === 'jsonl') this.chunks.length = 0;
    }
    if (this.mode === 'jsonl') {
      if (last !== '') this.line(last, 0, last.length);
      if (!this.decls)
        this.fail(
          new TraceIssue({
            code: 'unsupported-version',
            pointer: '',
            found: 'an empty file',
            expected: `a trace object with "${VERSION_KEY}": 1`,
          }),
          '',
          1,
        );
      return;
    }
    this.addDocument(last);
    const text = this.chunks.join('');
    this.chunks.length = 0;
    this.document(text);
  }

  /** Decide the format from the first non-blank line. */
  private detect(line: string): 'detect' | TraceFormat {
    if (line.trim() === '') return 'detect';
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      return 'json';
    }
    // A one-line document (it has "events") is a JSON document.
    return isObject(v) && VERSION_KEY in v && !('events' in v) ? 'jsonl' : 'json';
  }

  private document(text: string): void {
    let doc: unknown;
    try {
      doc = parseJson(text, false).value;
    } catch (e) {
      if (e instanceof JsonSyntaxError) {
        throw new TraceError(
          { code: 'malformed-json', pointer: '', found: e.found, expected: e.expected },
          this.file,
          new LineIndex(text).position(e.offset),
        );
      }
      throw e;
    }
    try {
      this.decls = validateHeader(doc, false);
      const d = doc as Trace;
      this.consumer.header(d, this.decls);
      const events = d.events as readonly unknown[];
      for (let i = 0; i < events.length; i++) {
        const ev = validateEvent(events[i], this.decls, `/events/${i}`, this.ops);
        this.consumer.event(ev, i);
        this.index = i + 1;
      }
    } catch (e) {
      if (e instanceof TraceIssue) this.fail(e, text, 0);
      throw e;
    }
  }

  /** One JSON Lines line, text[start, end): the header, or an event. */
  private line(text: string, start: number, end: number): void {
    if (end - start > MAX_LINE_LENGTH) this.tooLarge();
    this.lineNo++;
    if (end > start && text.charCodeAt(end - 1) === 0x0d) end--;
    const decls = this.decls;
    if (decls !== null && text.charCodeAt(start) === 0x7b) {
      // The fast paths: a plainly written event read and checked in one pass
      // (eventLine.ts); else JSON.parse, the op's compiled check, and the line's length
      // to see that no member was repeated (JSON.parse keeps the last silently):
      // whitespace, escapes or long numbers take the strict path too.
      // Anything else takes the strict path below, which says exactly what is wrong.
      let v: unknown = this.lineReader.parse(text, start, end);
      if (v === undefined) {
        const line = text.slice(start, end);
        try {
          v = JSON.parse(line);
        } catch {
          v = undefined;
        }
        const shortest = acceptWith(this.specs, v, decls);
        if (shortest < 0 || line.length - shortest >= DROPPED_MEMBER_LENGTH) v = undefined;
      }
      if (v !== undefined) {
        const i = this.index;
        try {
          this.consumer.event(v as TraceEvent, i);
        } catch (e) {
          if (e instanceof TraceIssue)
            this.fail(e, text.slice(start, end), this.lineNo, `/events/${i}`);
          throw e;
        }
        this.index = i + 1;
        return;
      }
    }
    this.strictLine(text.slice(start, end));
  }

  private strictLine(line: string): void {
    if (line.trim() === '') return;
    let v: unknown;
    try {
      // not JSON.parse: that would accept duplicate members, silently keeping the last
      v = parseJson(line, false, 'line').value;
    } catch (e) {
      if (e instanceof JsonSyntaxError)
        throw new TraceError(
          {
            code: 'malformed-json',
            pointer: this.decls ? `/events/${this.index}` : '',
            found: e.found,
            expected: e.expected,
          },
          this.file,
          { line: this.lineNo, column: e.offset + 1 },
        );
      throw e;
    }
    const isHeader = !this.decls;
    try {
      if (!this.decls) {
        this.decls = validateHeader(v, true);
        this.lineReader.setDecls(this.decls);
        this.consumer.header(v as TraceHeader, this.decls);
        return;
      }
      const i = this.index;
      const ev = validateEvent(v, this.decls, `/events/${i}`, this.ops);
      this.consumer.event(ev, i);
      this.index = i + 1;
    } catch (e) {
      if (e instanceof TraceIssue)
        this.fail(e, line, this.lineNo, isHeader ? '' : `/events/${this.index}`);
      throw e;
    }
  }

  /**
   * Throw the located error for an issue. `text` is the document, or the JSON Lines
   * line (numbered `lineNo`) whose pointers start after `prefix`.
   */
  private fail(issue: TraceIssue, text: string, lineNo: number, prefix = ''): never {
    const rel =
      prefix && issue.init.pointer.startsWith(prefix)
        ? issue.init.pointer.slice(prefix.length)
        : prefix
          ? ''
          : issue.init.pointer;
    const off = text === '' ? 0 : locate(text, rel, issue.atKey);
    let pos: SourcePosition;
    if (lineNo > 0) pos = { line: lineNo, column: off + 1 };
    else pos = new LineIndex(text).position(off);
    throw new TraceError(issue.init, this.file, pos);
  }
}

/** Parse a whole trace (either format) into memory. Throws TraceError. */
export function parseTrace(text: string, file = '<trace>', ops: OpTable = OPS): Trace {
  let header: TraceHeader | null = null;
  const events: TraceEvent[] = [];
  const r = new TraceReader(
    file,
    {
      header: (h) => void (header = h),
      event: (ev) => void events.push(ev),
    },
    ops,
  );
  r.push(text);
  r.end();
  const { events: _drop, ...rest } = header as unknown as Trace;
  void _drop;
  return { ...rest, events };
}

export interface StreamOptions {
  readonly ops?: OpTable | undefined;
  /** called after each chunk read: bytes read so far, file size, events so far */
  readonly progress?: ((bytes: number, total: number, events: number) => void) | undefined;
}

/** Read a trace file, handing each event to `consumer` as it is read. Returns the event count. */
export async function streamTraceFile(
  path: string,
  consumer: TraceConsumer,
  options: StreamOptions = {},
): Promise<number> {
  let total = 0;
  try {
    const st = await fs.promises.stat(path);
    if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    total = st.size;
  } catch (e) {
    throw ioError(path, e);
  }
  const reader = new TraceReader(path, consumer, options.ops);
  const stream = fs.createReadStream(path, { highWaterMark: 1 << 20 });
  // fatal: invalid UTF-8 is an error located below, never silently U+FFFD
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let bytes = 0;
  let tail: Uint8Array = new Uint8Array(0);
  // the decoder holds no part of a sequence: the last chunk decoded ended in an ASCII byte
  let clean = true;
  try {
    for await (const chunk of stream) {
      const buf = chunk as Buffer;
      let s: string;
      if (clean && isAscii(buf)) {
        // ASCII is valid UTF-8 whose bytes are its characters: no decoder needed
        s = buf.toString('latin1');
      } else {
        try {
          s = decoder.decode(buf, { stream: true });
        } catch {
          throw await invalidUtf8(path, bytes, tail, buf, false);
        }
        clean = buf.length > 0 && buf[buf.length - 1] < 0x80;
      }
      bytes += buf.length;
      // the last bytes, for locating a sequence split across chunks
      tail = buf.subarray(Math.max(0, buf.length - 3));
      reader.push(s);
      options.progress?.(bytes, total, reader.events);
    }
    let rest: string;
    try {
      rest = decoder.decode();
    } catch {
      throw await invalidUtf8(path, bytes, tail, new Uint8Array(0), true);
    }
    if (rest !== '') reader.push(rest);
  } catch (e) {
    stream.destroy();
    if (e instanceof TraceError || !(e instanceof Error) || !('code' in e)) throw e;
    throw ioError(path, e);
  }
  reader.end();
  return reader.events;
}

/** The error for invalid UTF-8 in the chunk `buf` read after `before` bytes (`tail`: the last of them). */
async function invalidUtf8(
  path: string,
  before: number,
  tail: Uint8Array,
  buf: Uint8Array,
  final: boolean,
): Promise<TraceError> {
  const window = new Uint8Array(tail.length + buf.length);
  window.set(tail, 0);
  window.set(buf, tail.length);
  let at = firstInvalidUtf8(window, tail.length, final);
  if (at < 0) at = window.length - 1; // the decoder knows better; point at the chunk's end
  const offset = before - tail.length + at;
  const byte = window[at] ?? 0;
  return new TraceError(
    {
      code: 'invalid-utf8',
      pointer: '',
      found: `byte 0x${byte.toString(16).toUpperCase().padStart(2, '0')} (byte offset ${offset})`,
      expected: 'UTF-8 text: a trace is UTF-8, and this byte starts or continues no valid sequence',
    },
    path,
    await bytePosition(path, offset),
  );
}

function ioError(path: string, e: unknown): TraceError {
  const code = (e as { code?: string }).code;
  const why =
    code === 'ENOENT'
      ? 'no such file'
      : code === 'EACCES'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'is a directory'
          : e instanceof Error
            ? e.message
            : String(e);
  return new TraceError(
    { code: 'io', pointer: '', detail: `cannot read the trace: ${why}` },
    path,
    null,
  );
}
