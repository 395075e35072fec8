/**
 * Checks that bytes are one JSON text (RFC 8259, the grammar `JSON.parse` accepts) without
 * building the document: for JSON passed on as it is (the json converter's bytes, the file source's
 * JSON lines), checking this way costs about a third of `JSON.parse(bytes.toString())` and leaves
 * no garbage. It scans bytes, not characters: outside strings JSON is ASCII, and inside strings any
 * byte ≥ 0x20 other than `"` and `\` stands for itself, so it accepts exactly what `JSON.parse`
 * accepts after a UTF-8 decoding (which turns malformed sequences into U+FFFD).
 *
 * Iterative (an explicit stack of open containers): a line of a million `[` is no stack overflow.
 */

export interface JsonSyntaxError {
  /** Index of the first byte that cannot continue a JSON text (`bytes.length`: it ended too soon). */
  at: number;
  /** `unexpected "}"`, `unexpected byte 0xff`, `unexpected end`. */
  message: string;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

/** `null` when `bytes` is one JSON text (surrounded by optional whitespace), otherwise where and why not. */
export function jsonSyntaxError(bytes: Uint8Array): JsonSyntaxError | null {
  // Scanners return the index after what they read, or `~at` (negative) where they failed.
  const open: number[] = [];
  let i = space(bytes, 0);
  for (;;) {
    // A value starts at i.
    const c = bytes[i];
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      i = space(bytes, i + 1);
      if (bytes[i] === c + 2) {
        i++; // {} or []: `}` and `]` are 2 after `{` and `[`
      } else {
        open.push(c);
        if (c === OPEN_OBJECT && (i = member(bytes, i)) < 0) return failure(bytes, ~i);
        continue;
      }
    } else if ((i = scalar(bytes, i)) < 0) {
      return failure(bytes, ~i);
    }
    // After a value: commas and closings until the next value (or the end).
    for (;;) {
      i = space(bytes, i);
      if (open.length === 0) return i === bytes.length ? null : failure(bytes, i);
      const container = open[open.length - 1];
      if (bytes[i] === COMMA) {
        i = space(bytes, i + 1);
        if (container === OPEN_OBJECT && (i = member(bytes, i)) < 0) return failure(bytes, ~i);
        break;
      }
      if (bytes[i] !== container + 2) return failure(bytes, i);
      open.pop();
      i++;
    }
  }
}

function failure(bytes: Uint8Array, at: number): JsonSyntaxError {
  if (at >= bytes.length) return { at: bytes.length, message: 'unexpected end' };
  const c = bytes[at];
  return { at, message: c >= 0x20 && c < 0x7f ? `unexpected ${JSON.stringify(String.fromCharCode(c))}` : `unexpected byte 0x${c.toString(16).padStart(2, '0')}` };
}

function space(b: Uint8Array, i: number): number {
  for (;;) {
    const c = b[i];
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return i;
    i++;
  }
}

/** An object member's `"name" :` from i; returns where its value starts. */
function member(b: Uint8Array, i: number): number {
  if (b[i] !== QUOTE) return ~i;
  i = string(b, i + 1);
  if (i < 0) return i;
  i = space(b, i);
  if (b[i] !== COLON) return ~i;
  return space(b, i + 1);
}

function scalar(b: Uint8Array, i: number): number {
  const c = b[i];
  if (c === QUOTE) return string(b, i + 1);
  if (c === MINUS || isDigit(c)) return number(b, i);
  if (c === 0x74) return word(b, i, 'true');
  if (c === 0x66) return word(b, i, 'false');
  if (c === 0x6e) return word(b, i, 'null');
  return ~i;
}

/** The rest of a string after its opening quote. */
function string(b: Uint8Array, i: number): number {
  const end = b.length;
  while (i < end) {
    const c = b[i];
    if (c === QUOTE) return i + 1;
    if (c < 0x20) return ~i;
    if (c === BACKSLASH) {
      const e = b[i + 1];
      if (e === 0x75) {
        for (let k = 2; k < 6; k++) if (!isHexDigit(b[i + k])) return ~(i + k);
        i += 6;
        continue;
      }
      // \" \\ \/ \b \f \n \r \t
      if (e !== QUOTE && e !== BACKSLASH && e !== 0x2f && e !== 0x62 && e !== 0x66 && e !== 0x6e && e !== 0x72 && e !== 0x74) return ~(i + 1);
      i += 2;
      continue;
    }
    i++;
  }
  return ~end;
}

/** -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
function number(b: Uint8Array, i: number): number {
  if (b[i] === MINUS) i++;
  if (b[i] === ZERO) i++;
  else if (isDigit(b[i])) i = digits(b, i);
  else return ~i;
  if (b[i] === DOT) {
    if (!isDigit(b[++i])) return ~i;
    i = digits(b, i);
  }
  if (b[i] === 0x65 || b[i] === 0x45) {
    i++;
    if (b[i] === PLUS || b[i] === MINUS) i++;
    if (!isDigit(b[i])) return ~i;
    i = digits(b, i);
  }
  return i;
}

function digits(b: Uint8Array, i: number): number {
  while (isDigit(b[i])) i++;
  return i;
}

function word(b: Uint8Array, i: number, text: string): number {
  for (let k = 0; k < text.length; k++) if (b[i + k] !== text.charCodeAt(k)) return ~(i + k);
  return i + text.length;
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= ZERO && c <= NINE;
}

function isHexDigit(c: number | undefined): boolean {
  return c !== undefined && ((c >= ZERO && c <= NINE) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66));
}
