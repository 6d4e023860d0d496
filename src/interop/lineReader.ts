/**
 * Reading a text file line by line in bounded memory and linear time.
 *
 * Each chunk is searched for newlines once: a line cut by a chunk boundary is kept as a
 * list of byte pieces joined when its newline arrives, never re-scanned with every chunk
 * (re-scanning `pending + chunk` made a 100 MB line cost quadratic time). A line longer
 * than the limit is a located error rather than unbounded memory.
 *
 * Decoding: a run of complete lines that is pure ASCII (the usual trace) is handed over
 * as bytes to a reader that wants them (ByteLineFn), or becomes a string with a one-byte
 * copy; anything else is decoded as strict UTF-8, and invalid UTF-8 is a located error
 * rather than U+FFFD (two different names would collide).
 */
import { close, open, read } from 'fs';
import { isAscii } from 'buffer';
import { InteropError } from './errors';

/** 64 MiB: far above any real trace line, far below what would exhaust the heap. */
export const DEFAULT_MAX_LINE_LENGTH = 64 * 1024 * 1024;

/** What a line reader needs to know besides the file. */
export interface LineReadOptions {
  /** longest line accepted, in bytes, without its newline (default 64 MiB) */
  readonly maxLineLength?: number;
  /** bytes read at a time (default 1 MiB; tests use small chunks) */
  readonly chunkSize?: number;
}

/**
 * A line as text[start, end) of a decoded run of lines, without its `\n` or a `\r` before
 * it: a reader that scans in place makes no string per line. `text` is a chunk of the
 * file; a callback keeps no substring of it (that would keep the whole chunk alive).
 */
export type LineRangeFn = (text: string, start: number, end: number, lineNo: number) => void;

/**
 * An ASCII line as the bytes b[start, end) of a chunk, without its `\n` or a `\r` before
 * it, `dv` viewing the same bytes: nothing decoded, for a reader that scans bytes. Valid
 * during the call only (the chunk is the stream's).
 */
export type ByteLineFn = (
  b: Buffer,
  dv: DataView,
  start: number,
  end: number,
  lineNo: number,
) => void;

/**
 * Splits a byte stream into lines: `push` each chunk, then `end`. Lines are handed to the
 * callback synchronously, without their `\n` or a `\r` before it.
 */
export class LineSplitter {
  private sink: LineRangeFn;
  private bytesSink: ByteLineFn | null = null;
  private pieces: Buffer[] = [];
  private pendingBytes = 0;
  private lineNo = 0;
  private readonly max: number;
  private readonly utf8 = new TextDecoder('utf-8', { fatal: true });

  constructor(
    private readonly file: string,
    fn: (line: string, lineNo: number) => void,
    maxLineLength: number = DEFAULT_MAX_LINE_LENGTH,
  ) {
    if (!Number.isSafeInteger(maxLineLength) || maxLineLength < 1)
      throw new InteropError('maxLineLength', `expected a positive integer, got ${maxLineLength}`);
    this.max = maxLineLength;
    this.sink = (text, start, end, n) => fn(text.slice(start, end), n);
  }

  /**
   * A splitter that hands over each line in place: an ASCII line as bytes when `bytes` is
   * given (the fast path: no decoding), any other line as a range of its decoded text.
   */
  static ofRanges(
    file: string,
    text: LineRangeFn,
    bytes?: ByteLineFn,
    maxLineLength?: number,
  ): LineSplitter {
    const s = new LineSplitter(file, () => {}, maxLineLength);
    s.sink = text;
    s.bytesSink = bytes ?? null;
    return s;
  }

  /** Lines handed over so far. */
  get lines(): number {
    return this.lineNo;
  }

  push(chunk: Buffer): void {
    const first = chunk.indexOf(10);
    if (first < 0) {
      this.hold(chunk);
      return;
    }
    // The line the previous chunks began: joined once, now that it is complete.
    if (this.pieces.length) {
      this.pieces.push(chunk.subarray(0, first));
      const whole = Buffer.concat(this.pieces, this.pendingBytes + first);
      this.pieces = [];
      this.pendingBytes = 0;
      this.emitBytes(whole, 0, whole.length);
    } else this.emitBytes(chunk, 0, first);
    const last = chunk.lastIndexOf(10);
    if (last > first) this.emitBlock(chunk, first + 1, last);
    if (last + 1 < chunk.length) this.hold(chunk.subarray(last + 1));
  }

  end(): void {
    if (this.pieces.length) {
      const whole = Buffer.concat(this.pieces, this.pendingBytes);
      this.pieces = [];
      this.pendingBytes = 0;
      this.emitBytes(whole, 0, whole.length);
    }
  }

  private hold(piece: Buffer): void {
    this.pendingBytes += piece.length;
    if (this.pendingBytes > this.max) this.tooLong(this.lineNo + 1, this.pendingBytes, true);
    // a copy: the stream may reuse its buffers
    this.pieces.push(Buffer.from(piece));
  }

  private tooLong(line: number, bytes: number, atLeast: boolean): never {
    throw new InteropError(
      `${this.file}:${line}:${this.max + 1}`,
      `found a line of ${atLeast ? 'at least ' : ''}${bytes} bytes, expected at most ${this.max} (--max-line-length raises the limit)`,
    );
  }

  private decode(buf: Buffer, start: number, end: number, firstLine: number): string {
    if (isAscii(buf.subarray(start, end))) return buf.toString('latin1', start, end);
    try {
      return this.utf8.decode(buf.subarray(start, end));
    } catch {
      this.badUtf8(buf, start, end, firstLine);
    }
  }

  /** Find the first invalid sequence and name its line and column (in bytes). */
  private badUtf8(buf: Buffer, start: number, end: number, firstLine: number): never {
    let line = firstLine;
    let lineStart = start;
    for (let i = start; i < end;) {
      const b = buf[i];
      if (b === 10) {
        line++;
        lineStart = ++i;
        continue;
      }
      const n =
        b < 0x80
          ? 1
          : b >= 0xc2 && b < 0xe0
            ? 2
            : b >= 0xe0 && b < 0xf0
              ? 3
              : b >= 0xf0 && b < 0xf5
                ? 4
                : 0;
      let ok = n > 0 && i + n <= end;
      if (ok && n > 1) {
        try {
          this.utf8.decode(buf.subarray(i, i + n));
        } catch {
          ok = false;
        }
      }
      if (!ok) {
        const bytes = [...buf.subarray(i, Math.min(end, i + Math.max(n, 1)))]
          .map((x) => `\\x${x.toString(16).padStart(2, '0')}`)
          .join('');
        throw new InteropError(
          `${this.file}:${line}:${i - lineStart + 1}`,
          `found invalid UTF-8 (${bytes}), expected UTF-8 text`,
        );
      }
      i += n;
    }
    throw new InteropError(`${this.file}:${firstLine}`, 'found invalid UTF-8, expected UTF-8 text');
  }

  private emitBytes(buf: Buffer, start: number, end: number): void {
    const n = this.lineNo + 1;
    if (end - start > this.max) this.tooLong(n, end - start, false);
    if (this.bytesSink && isAscii(buf.subarray(start, end))) {
      this.lineNo = n;
      const e = end > start && buf[end - 1] === 13 ? end - 1 : end;
      this.bytesSink(buf, new DataView(buf.buffer, buf.byteOffset, buf.length), start, e, n);
      return;
    }
    const s = this.decode(buf, start, end, n);
    this.lineNo = n;
    this.sink(s, 0, s.length && s.charCodeAt(s.length - 1) === 13 ? s.length - 1 : s.length, n);
  }

  /** Complete lines buf[start, end) (end at a newline): decoded at once, then split. */
  private emitBlock(buf: Buffer, start: number, end: number): void {
    const bytes = this.bytesSink;
    if (bytes && isAscii(buf.subarray(start, end))) {
      // ASCII: each line's bytes as they are, found by a newline search in the chunk
      const dv = new DataView(buf.buffer, buf.byteOffset, buf.length);
      const max = this.max;
      for (let from = start; ;) {
        const nl = buf.indexOf(10, from);
        const stop = nl < 0 || nl > end ? end : nl;
        const n = ++this.lineNo;
        if (stop - from > max) this.tooLong(n, stop - from, false);
        bytes(buf, dv, from, stop > from && buf[stop - 1] === 13 ? stop - 1 : stop, n);
        if (stop === end) return;
        from = stop + 1;
      }
    }
    const text = this.decode(buf, start, end, this.lineNo + 1);
    const max = this.max;
    const sink = this.sink;
    let from = 0;
    for (;;) {
      const nl = text.indexOf('\n', from);
      const stop = nl < 0 ? text.length : nl;
      const n = ++this.lineNo;
      // string length <= byte length: a longer string is certainly too long
      if (stop - from > max) this.tooLong(n, stop - from, false);
      const e = stop > from && text.charCodeAt(stop - 1) === 13 ? stop - 1 : stop;
      sink(text, from, e, n);
      if (nl < 0) return;
      from = nl + 1;
    }
  }
}

/**
 * Call `fn` for every line of a file, streamed in chunks. Lines are handed over
 * synchronously within each chunk (an async iterator per line costs a promise per line).
 * Rejects only with Error objects: a callback's throw ends the read and rejects with it.
 */
export function forEachLine(
  path: string,
  fn: (line: string, lineNo: number) => void,
  options: LineReadOptions = {},
): Promise<number> {
  return readLines(path, () => new LineSplitter(path, fn, options.maxLineLength), options);
}

/**
 * forEachLine handing over each line in place (LineSplitter.ofRanges): ASCII lines as bytes
 * to `bytes`, if given, others as ranges of their decoded text to `fn`.
 */
export function forEachLineRange(
  path: string,
  fn: LineRangeFn,
  bytes?: ByteLineFn,
  options: LineReadOptions = {},
): Promise<number> {
  return readLines(
    path,
    () => LineSplitter.ofRanges(path, fn, bytes, options.maxLineLength),
    options,
  );
}

/**
 * Read the file in chunks into two buffers in turn: the next chunk is read (by libuv's
 * thread pool) while this one is split, so the reading overlaps the parsing instead of
 * following it, and no buffer is allocated per chunk. The splitter keeps no chunk bytes
 * past a push (it copies what it holds), so a buffer can be read into again.
 */
function readLines(
  path: string,
  make: () => LineSplitter,
  options: LineReadOptions,
): Promise<number> {
  return new Promise((resolve, reject) => {
    let splitter: LineSplitter;
    try {
      splitter = make();
    } catch (e) {
      reject(asError(e));
      return;
    }
    const size = options.chunkSize ?? 1 << 20;
    open(path, 'r', (err, fd) => {
      if (err) {
        reject(asError(err));
        return;
      }
      const bufs = [Buffer.allocUnsafe(size), Buffer.allocUnsafe(size)];
      let cur = 0;
      // once the read in flight is done: close, then settle
      const finish = (e: unknown): void =>
        close(fd, () => (e === undefined ? resolve(splitter.lines) : reject(asError(e))));
      let failed: unknown;
      const onRead = (err: Error | null, n: number): void => {
        if (failed !== undefined) return finish(failed);
        if (err) return finish(err);
        if (n === 0) {
          try {
            splitter.end();
          } catch (e) {
            return finish(e);
          }
          return finish(undefined);
        }
        const chunk = bufs[cur].subarray(0, n);
        cur ^= 1;
        read(fd, bufs[cur], 0, size, null, onRead);
        try {
          splitter.push(chunk);
        } catch (e) {
          failed = e;
        }
      };
      read(fd, bufs[cur], 0, size, null, onRead);
    });
  });
}

/** Whatever was thrown, as an Error (a promise is never rejected with anything else). */
export function asError(e: unknown): Error {
  if (e instanceof Error) return e;
  return new Error(typeof e === 'string' ? e : (JSON.stringify(e) ?? String(e)));
}
