// Policy JSON, read strictly and exactly. JSON.parse loses integers above 2^53, but seccomp
// argument values are u64 and real profiles carry values such as 18446744073709551615, which
// Go's encoding/json (runc, moby) reads exactly. So this is a parser of our own (RFC 8259):
// - an integer literal of up to 15 digits is a number, one of 16..20 digits a bigint (exact);
// - any other number (a fraction, an exponent, -0, more than 20 digits) is a NotAnInteger the
//   validators refuse with its JSON path; a long one is never converted, only measured;
// - nesting is limited (a deep document must not overflow the stack);
// - objects have no prototype, so a "__proto__" key is a key like any other.
// Nothing in the output stands for anything but itself: strings are always strings.

import { PolicyError, quote } from "./errors.ts";

/** A JSON number the policy formats have no use for: not a plain integer literal of <= 20 digits. */
export class NotAnInteger {
  constructor(
    /** The literal as written (possibly long: quote() it). */
    readonly literal: string,
  ) {}
}

/** u64 needs 20 digits; a longer integer literal is refused without being converted. */
export const MAX_INTEGER_DIGITS = 20;
/** Real profiles nest 5 levels deep; an OCI config.json a few more. */
export const MAX_DEPTH = 64;

class Syntax extends Error {}

/** Parses JSON text. Errors are one PolicyError line that starts with `source`. */
export function parseJson(text: string, source: string): unknown {
  const p = new Parser(text);
  try {
    p.space();
    const value = p.value(0);
    p.space();
    if (p.at < text.length) p.fail(`unexpected ${p.peekText()} after the document`);
    return value;
  } catch (e) {
    if (!(e instanceof Syntax)) throw e;
    const { line, column } = position(text, p.at);
    throw new PolicyError(`${source}: not valid JSON: ${e.message} (line ${line}, column ${column})`);
  }
}

function position(text: string, at: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf("\n"); i >= 0 && i < at; i = text.indexOf("\n", i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: at - start + 1 };
}

const ESCAPES: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };

class Parser {
  at = 0;
  constructor(private readonly text: string) {}

  fail(problem: string): never {
    throw new Syntax(problem);
  }

  peekText(): string {
    return this.at >= this.text.length ? "end of input" : quote(this.text.slice(this.at, this.at + 12), 10);
  }

  space(): void {
    const t = this.text;
    while (this.at < t.length) {
      const c = t.charCodeAt(this.at);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      this.at++;
    }
  }

  value(depth: number): unknown {
    if (depth > MAX_DEPTH) this.fail(`nested deeper than ${MAX_DEPTH} levels`);
    const t = this.text;
    const c = t.charCodeAt(this.at);
    if (c === 0x7b /* { */) return this.object(depth);
    if (c === 0x5b /* [ */) return this.array(depth);
    if (c === 0x22 /* " */) return this.string();
    if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) return this.number();
    for (const [word, v] of [["true", true], ["false", false], ["null", null]] as const) {
      if (t.startsWith(word, this.at)) {
        this.at += word.length;
        return v;
      }
    }
    return this.fail(`unexpected ${this.peekText()}`);
  }

  private object(depth: number): Record<string, unknown> {
    const out = Object.create(null) as Record<string, unknown>;
    this.at++;
    this.space();
    if (this.text[this.at] === "}") {
      this.at++;
      return out;
    }
    for (;;) {
      if (this.text[this.at] !== '"') this.fail(`expected a string key, got ${this.peekText()}`);
      const key = this.string();
      this.space();
      if (this.text[this.at] !== ":") this.fail(`expected ":", got ${this.peekText()}`);
      this.at++;
      this.space();
      out[key] = this.value(depth + 1);
      if (this.closesOrContinues("}")) return out;
    }
  }

  private array(depth: number): unknown[] {
    const out: unknown[] = [];
    this.at++;
    this.space();
    if (this.text[this.at] === "]") {
      this.at++;
      return out;
    }
    for (;;) {
      out.push(this.value(depth + 1));
      if (this.closesOrContinues("]")) return out;
    }
  }

  /** After a member or element: true past the closing `close`, false past a "," (and space), else a parse error. */
  private closesOrContinues(close: "}" | "]"): boolean {
    this.space();
    const c = this.text[this.at];
    if (c !== close && c !== ",") this.fail(`expected "," or "${close}", got ${this.peekText()}`);
    this.at++;
    if (c === close) return true;
    this.space();
    return false;
  }

  private string(): string {
    const t = this.text;
    let out = "";
    let from = ++this.at;
    for (;;) {
      if (this.at >= t.length) this.fail("unterminated string");
      const c = t.charCodeAt(this.at);
      if (c === 0x22) break;
      if (c < 0x20) this.fail("a control character in a string (write it as an escape such as \\n)");
      if (c !== 0x5c) {
        this.at++;
        continue;
      }
      out += t.slice(from, this.at);
      const e = t[this.at + 1];
      if (e === "u") {
        const hex = t.slice(this.at + 2, this.at + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail("a \\u escape needs 4 hex digits");
        out += String.fromCharCode(parseInt(hex, 16));
        this.at += 6;
      } else if (e !== undefined && e in ESCAPES) {
        out += ESCAPES[e];
        this.at += 2;
      } else {
        this.fail(`unknown escape ${quote(`\\${e ?? ""}`)}`);
      }
      from = this.at;
    }
    out += t.slice(from, this.at);
    this.at++;
    return out;
  }

  private number(): number | bigint | NotAnInteger {
    const t = this.text;
    const start = this.at;
    if (t[this.at] === "-") this.at++;
    const digitsFrom = this.at;
    while (this.at < t.length && isDigit(t.charCodeAt(this.at))) this.at++;
    const digits = this.at - digitsFrom;
    if (digits === 0) this.fail(`a number needs digits, got ${this.peekText()}`);
    if (digits > 1 && t[digitsFrom] === "0") {
      this.at = digitsFrom;
      this.fail("a number with a leading zero");
    }
    let integer = true;
    if (t[this.at] === ".") {
      integer = false;
      this.at++;
      const from = this.at;
      while (this.at < t.length && isDigit(t.charCodeAt(this.at))) this.at++;
      if (this.at === from) this.fail(`a fraction needs digits, got ${this.peekText()}`);
    }
    if (t[this.at] === "e" || t[this.at] === "E") {
      integer = false;
      this.at++;
      if (t[this.at] === "+" || t[this.at] === "-") this.at++;
      const from = this.at;
      while (this.at < t.length && isDigit(t.charCodeAt(this.at))) this.at++;
      if (this.at === from) this.fail(`an exponent needs digits, got ${this.peekText()}`);
    }
    const literal = t.slice(start, this.at);
    if (!integer || digits > MAX_INTEGER_DIGITS || literal === "-0") return new NotAnInteger(literal);
    // 15 digits are always exact in a double; longer literals become bigints.
    return digits <= 15 ? Number(literal) : BigInt(literal);
  }
}

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
