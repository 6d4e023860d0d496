/**
 * The line streaming that `/proc/lockdep_chains` and `/proc/lockdep` readers share:
 * memory is one chunk and one line, whatever the file's size.
 */
import { isUtf8 } from 'buffer';
import * as fs from 'fs';

/**
 * Hand every newline-terminated line of `file` to `onLine` in order, and the bytes read
 * so far to `onChunk` after each chunk. Returns the text after the last newline ('' when
 * the file ends in one) and its line number, for the caller to judge as a cut line. A
 * line longer than `maxLine` characters ends the read with `bad(lineNo, why)`, and so
 * does invalid UTF-8: decoded strictly, as traces and ftrace files are, because a
 * replacement character could make two lock names one.
 */
export async function streamLines(
  file: string,
  maxLine: number,
  onLine: (text: string, no: number) => void,
  bad: (no: number, why: string) => Error,
  onChunk?: (bytes: number) => void,
): Promise<{ rest: string; no: number }> {
  const stream = fs.createReadStream(file, { highWaterMark: 1 << 20 });
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let pending = '';
  let no = 0;
  let bytes = 0;
  const decode = (b?: Buffer): string => {
    try {
      return b === undefined ? utf8.decode() : utf8.decode(b, { stream: true });
    } catch {
      // the bad byte is in the line being read (or the one a cut sequence ends)
      throw bad(no + 1 + linesBeforeBad(b), 'invalid UTF-8');
    }
  };
  for await (const raw of stream as AsyncIterable<Buffer>) {
    bytes += raw.length;
    const chunk = decode(raw);
    let start = 0;
    let nl = chunk.indexOf('\n');
    if (nl >= 0) {
      onLine(pending + chunk.slice(0, nl), ++no);
      pending = '';
      start = nl + 1;
      while ((nl = chunk.indexOf('\n', start)) >= 0) {
        onLine(chunk.slice(start, nl), ++no);
        start = nl + 1;
      }
    }
    pending += chunk.slice(start);
    if (pending.length > maxLine) throw bad(no + 1, `a line longer than ${maxLine} characters`);
    onChunk?.(bytes);
  }
  pending += decode();
  return { rest: pending, no: no + 1 };
}

/**
 * How many lines of a chunk the decoder refused come before the one holding the bad
 * bytes: the first line that is not UTF-8 on its own. The first line may begin with the
 * continuation bytes of a character the previous chunk started; those are skipped.
 */
function linesBeforeBad(b: Buffer | undefined): number {
  if (b === undefined) return 0;
  let start = 0;
  let n = 0;
  for (;;) {
    const nl = b.indexOf(0x0a, start);
    const end = nl < 0 ? b.length : nl;
    let from = start;
    if (n === 0) while (from < end && from < 3 && (b[from] & 0xc0) === 0x80) from++;
    if (!isUtf8(b.subarray(from, end)) || nl < 0) return n;
    n++;
    start = nl + 1;
  }
}
