/**
 * Traces are UTF-8. A byte that starts no valid sequence is an error, not U+FFFD: two
 * names that differ only in invalid bytes ("A\xff", "A\xfe") would otherwise become one
 * lock. The decoder (TextDecoder, fatal) finds that there is one; this module says where,
 * on the error path only.
 */
import * as fs from 'fs';
import type { SourcePosition } from './errors';

/** Length of the sequence a lead byte starts, or 0 if it starts none. */
function sequenceLength(b: number): number {
  if (b < 0x80) return 1;
  if (b >= 0xc2 && b <= 0xdf) return 2;
  if (b >= 0xe0 && b <= 0xef) return 3;
  if (b >= 0xf0 && b <= 0xf4) return 4;
  return 0;
}

/**
 * Offset of the first byte in `bytes` (from `start`) that is not part of a valid UTF-8
 * sequence (overlong forms, surrogates and code points above U+10FFFF included), or -1.
 * A sequence cut off by the end of `bytes` is invalid when `final`, else not reported.
 * Leading continuation bytes before `skipUntil` belong to a character already decoded.
 */
export function firstInvalidUtf8(bytes: Uint8Array, skipUntil = 0, final = true): number {
  let i = 0;
  while (i < skipUntil && (bytes[i] & 0xc0) === 0x80) i++;
  while (i < bytes.length) {
    const b = bytes[i];
    const n = sequenceLength(b);
    if (n === 0) return i;
    if (n === 1) {
      i++;
      continue;
    }
    if (i + n > bytes.length) {
      // cut off: invalid only if what is there is already wrong, or input ended
      for (let j = 1; i + j < bytes.length; j++) if (!continuation(b, j, bytes[i + j])) return i;
      return final ? i : -1;
    }
    for (let j = 1; j < n; j++) if (!continuation(b, j, bytes[i + j])) return i;
    i += n;
  }
  return -1;
}

/** Is `c` a valid `j`th byte after lead `b` (RFC 3629's table: no overlongs, no surrogates)? */
function continuation(b: number, j: number, c: number): boolean {
  if (j === 1) {
    if (b === 0xe0) return c >= 0xa0 && c <= 0xbf;
    if (b === 0xed) return c >= 0x80 && c <= 0x9f;
    if (b === 0xf0) return c >= 0x90 && c <= 0xbf;
    if (b === 0xf4) return c >= 0x80 && c <= 0x8f;
  }
  return c >= 0x80 && c <= 0xbf;
}

/**
 * The line and column (1-based, columns in UTF-16 units as the rest of the reader counts
 * them) of byte `offset` of a file, read again as a stream: bounded memory.
 */
export async function bytePosition(path: string, offset: number): Promise<SourcePosition> {
  let line = 1;
  let column = 1;
  let at = 0;
  const stream = fs.createReadStream(path, { end: Math.max(0, offset - 1) });
  for await (const chunk of stream) {
    const buf = chunk as Buffer;
    for (let i = 0; i < buf.length && at < offset; i++, at++) {
      const b = buf[i];
      if (b === 0x0a) {
        line++;
        column = 1;
      } else if ((b & 0xc0) !== 0x80) column += b >= 0xf0 ? 2 : 1;
    }
  }
  return { line, column };
}
