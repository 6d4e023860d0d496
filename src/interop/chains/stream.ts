/**
 * The line streaming that `/proc/lockdep_chains` and `/proc/lockdep` readers share:
 * memory is one chunk and one line, whatever the file's size.
 */
import * as fs from 'fs';

/**
 * Hand every newline-terminated line of `file` to `onLine` in order, and the bytes read
 * so far to `onChunk` after each chunk. Returns the text after the last newline ('' when
 * the file ends in one) and its line number, for the caller to judge as a cut line. A
 * line longer than `maxLine` characters ends the read with `tooLong(lineNo)`.
 */
export async function streamLines(
  file: string,
  maxLine: number,
  onLine: (text: string, no: number) => void,
  tooLong: (no: number) => Error,
  onChunk?: (bytes: number) => void,
): Promise<{ rest: string; no: number }> {
  const stream = fs.createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });
  let pending = '';
  let no = 0;
  let bytes = 0;
  for await (const chunk of stream as AsyncIterable<string>) {
    bytes += chunk.length;
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
    if (pending.length > maxLine) throw tooLong(no + 1);
    onChunk?.(bytes);
  }
  return { rest: pending, no: no + 1 };
}
