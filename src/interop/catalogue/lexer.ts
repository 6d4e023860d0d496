/**
 * A C lexer just precise enough to read lock declarations: identifiers, literals and
 * punctuation with their line numbers, comments dropped, preprocessor lines skipped
 * (a `#define` body names macro parameters, not locks). One pass, no regular
 * expressions, no backtracking: linear in the file whatever it contains.
 */

type TokKind = 'ident' | 'string' | 'number' | 'punct';

export interface Token {
  readonly kind: TokKind;
  readonly text: string;
  readonly line: number;
  /** whitespace or a comment came before it (C's # operator keeps one space there) */
  readonly space: boolean;
}

function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 36;
}

function isIdentPart(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57);
}

/** A function-like `#define NAME(params) body`. */
export interface Define {
  readonly name: string;
  readonly params: readonly string[];
  readonly body: readonly Token[];
  readonly line: number;
}

/** Tokens of a C source file, and its function-like `#define`s apart. */
export function lexFile(src: string): { tokens: Token[]; defines: Define[] } {
  const ranges: { start: number; end: number; line: number }[] = [];
  const tokens = lex(src, ranges);
  const defines: Define[] = [];
  for (const r of ranges) {
    const t = lex(src.slice(r.start, r.end));
    if (t.length < 3 || t[0].text !== 'define' || t[1].kind !== 'ident') continue;
    // function-like only when `(` follows the name without a space
    if (t[2].kind !== 'punct' || t[2].text !== '(' || t[2].space) continue;
    const params: string[] = [];
    let k = 3;
    for (; k < t.length && !(t[k].kind === 'punct' && t[k].text === ')'); k++)
      if (t[k].kind === 'ident') params.push(t[k].text);
    if (k >= t.length) continue;
    defines.push({
      name: t[1].text,
      params,
      body: t.slice(k + 1).map((x) => ({ ...x, line: x.line + r.line - 1 })),
      line: r.line,
    });
  }
  return { tokens, defines };
}

/**
 * Tokens of a C source file. Unterminated comments and literals end at the end of the
 * file. Directives are not tokens; `directives` receives where each one's text (after
 * the `#`) is.
 */
export function lex(
  src: string,
  directives?: { start: number; end: number; line: number }[],
): Token[] {
  const out: Token[] = [];
  const n = src.length;
  let i = 0;
  let line = 1;
  let space = false;
  // only blanks since the last newline: a `#` here starts a directive
  let lineStart = true;
  while (i < n) {
    const c = src.charCodeAt(i);
    if (c === 10) {
      line++;
      i++;
      space = true;
      lineStart = true;
      continue;
    }
    if (c === 32 || c === 9 || c === 13 || c === 12 || c === 11) {
      i++;
      space = true;
      continue;
    }
    if (c === 92 && src.charCodeAt(i + 1) === 10) {
      // a line continuation outside a directive: just whitespace
      i += 2;
      line++;
      space = true;
      continue;
    }
    if (c === 47 && src.charCodeAt(i + 1) === 42) {
      const end = src.indexOf('*/', i + 2);
      const stop = end < 0 ? n : end + 2;
      for (let j = i; j < stop; j++) if (src.charCodeAt(j) === 10) line++;
      i = stop;
      space = true;
      continue;
    }
    if (c === 47 && src.charCodeAt(i + 1) === 47) {
      while (i < n && src.charCodeAt(i) !== 10) i++;
      space = true;
      continue;
    }
    if (c === 35 && lineStart) {
      // a directive runs to the end of the line, continuations and comments included
      const start = i + 1;
      const startLine = line;
      while (i < n) {
        const d = src.charCodeAt(i);
        if (d === 10) break;
        if (d === 92 && src.charCodeAt(i + 1) === 10) {
          i += 2;
          line++;
          continue;
        }
        if (d === 47 && src.charCodeAt(i + 1) === 42) {
          const end = src.indexOf('*/', i + 2);
          const stop = end < 0 ? n : end + 2;
          for (let j = i; j < stop; j++) if (src.charCodeAt(j) === 10) line++;
          i = stop;
          continue;
        }
        i++;
      }
      directives?.push({ start, end: i, line: startLine });
      space = true;
      continue;
    }
    lineStart = false;
    const startLine = line;
    if (isIdentStart(c)) {
      const s = i;
      while (i < n && isIdentPart(src.charCodeAt(i))) i++;
      out.push({ kind: 'ident', text: src.slice(s, i), line: startLine, space });
    } else if (c >= 48 && c <= 57) {
      const s = i;
      while (i < n && (isIdentPart(src.charCodeAt(i)) || src.charCodeAt(i) === 46)) i++;
      out.push({ kind: 'number', text: src.slice(s, i), line: startLine, space });
    } else if (c === 34 || c === 39) {
      const s = i;
      i++;
      while (i < n) {
        const d = src.charCodeAt(i);
        if (d === 92) {
          if (src.charCodeAt(i + 1) === 10) line++;
          i += 2;
          continue;
        }
        if (d === c) {
          i++;
          break;
        }
        if (d === 10) break; // an unterminated literal ends at the line
        i++;
      }
      out.push({ kind: 'string', text: src.slice(s, i), line: startLine, space });
    } else {
      // two-character operators that matter for stringified names
      const two = src.slice(i, i + 2);
      const len = two === '->' || two === '##' || two === '::' ? 2 : 1;
      out.push({ kind: 'punct', text: src.slice(i, i + len), line: startLine, space });
      i += len;
    }
    space = false;
  }
  return out;
}

/** The value of a C string literal token (simple escapes only), or null for a char literal. */
export function stringValue(t: Token): string | null {
  if (t.kind !== 'string' || t.text.charCodeAt(0) !== 34) return null;
  const body = t.text.slice(1, t.text.endsWith('"') && t.text.length > 1 ? -1 : undefined);
  let s = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\') {
      s += c;
      continue;
    }
    const e = body[++i];
    s += e === 'n' ? '\n' : e === 't' ? '\t' : e === undefined ? '' : e;
  }
  return s;
}

/** What C's `#` operator makes of an argument: its spelling, one space where there was any. */
export function stringify(tokens: readonly Token[]): string {
  let s = '';
  tokens.forEach((t, i) => {
    if (i > 0 && t.space) s += ' ';
    s += t.text;
  });
  return s;
}
