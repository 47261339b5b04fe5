// The small part of the C preprocessor that the uapi headers need: object-like #define/#undef,
// conditionals, and integer constant expressions. arch/gen.ts uses it so that every number in the
// generated tables is computed from the headers' own macros, never typed in.

/** Object-like macros: name -> replacement text. */
export type Macros = Map<string, string>;

/** Applies the #define/#undef lines of `text` that its conditionals select. #include is ignored. */
export function preprocess(text: string, macros: Macros, file = "<header>"): void {
  const lines = stripComments(text).replace(/\\\n/g, " ").split("\n");
  // One frame per open #if: is this branch live, and has an earlier branch of it been taken?
  const frames: { live: boolean; taken: boolean; outerLive: boolean }[] = [];
  const live = () => frames.length === 0 || frames[frames.length - 1].live;
  lines.forEach((line, i) => {
    const m = /^\s*#\s*(\w+)\s*(.*?)\s*$/.exec(line);
    if (!m) return;
    const [, directive, rest] = m;
    const where = `${file}:${i + 1}`;
    switch (directive) {
      case "ifdef":
      case "ifndef": {
        const outerLive = live();
        const cond = macros.has(rest) === (directive === "ifdef");
        frames.push({ live: outerLive && cond, taken: cond, outerLive });
        return;
      }
      case "if": {
        const outerLive = live();
        const cond = outerLive && evaluate(rest, macros, { inIf: true, where }) !== 0n;
        frames.push({ live: cond, taken: cond, outerLive });
        return;
      }
      case "elif": {
        const f = frames[frames.length - 1];
        if (!f) throw new Error(`${where}: #elif without #if`);
        const cond = f.outerLive && !f.taken && evaluate(rest, macros, { inIf: true, where }) !== 0n;
        f.live = cond;
        f.taken ||= cond;
        return;
      }
      case "else": {
        const f = frames[frames.length - 1];
        if (!f) throw new Error(`${where}: #else without #if`);
        f.live = f.outerLive && !f.taken;
        f.taken = true;
        return;
      }
      case "endif":
        if (!frames.pop()) throw new Error(`${where}: #endif without #if`);
        return;
      case "define": {
        if (!live()) return;
        const d = /^([A-Za-z_]\w*)(\(?)\s*(.*)$/.exec(rest);
        if (!d) throw new Error(`${where}: cannot read #define ${rest}`);
        if (d[2] === "(") return; // function-like macros are never syscall numbers or arch facts
        macros.set(d[1], d[3]);
        return;
      }
      case "undef":
        if (live()) macros.delete(rest);
        return;
      default:
        return; // #include, #error, #warning, #pragma: not needed for constants
    }
  });
  if (frames.length) throw new Error(`${file}: unterminated #if`);
}

function stripComments(text: string): string {
  // Keep the newlines inside block comments so that line numbers in errors stay right.
  return text.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, " ")).replace(/\/\/[^\n]*/g, "");
}

interface EvalOptions {
  /** In #if, `defined X` works and an unknown identifier is 0 (C rules); elsewhere it is an error. */
  inIf?: boolean;
  where?: string;
}

/** Evaluates an integer constant expression with macro expansion, as a signed 64-bit C value. */
export function evaluate(expr: string, macros: Macros, opts: EvalOptions = {}): bigint {
  return new ExprParser(expr, macros, opts, new Set()).parseAll();
}

/** The value of macro `name`, evaluated; throws when it is undefined or not an integer. */
export function macroValue(name: string, macros: Macros): bigint {
  return evaluate(name, macros, { where: `macro ${name}` });
}

const TOKEN = /\s*(?:(0[xX][0-9a-fA-F]+|\d+)[uUlL]*|([A-Za-z_]\w*)|(<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%&|^~!()<>?:]))/y;

const BINARY: Record<string, [number, (a: bigint, b: bigint) => bigint]> = {
  "||": [1, (a, b) => (a !== 0n || b !== 0n ? 1n : 0n)],
  "&&": [2, (a, b) => (a !== 0n && b !== 0n ? 1n : 0n)],
  "|": [3, (a, b) => a | b],
  "^": [4, (a, b) => a ^ b],
  "&": [5, (a, b) => a & b],
  "==": [6, (a, b) => (a === b ? 1n : 0n)],
  "!=": [6, (a, b) => (a !== b ? 1n : 0n)],
  "<": [7, (a, b) => (a < b ? 1n : 0n)],
  ">": [7, (a, b) => (a > b ? 1n : 0n)],
  "<=": [7, (a, b) => (a <= b ? 1n : 0n)],
  ">=": [7, (a, b) => (a >= b ? 1n : 0n)],
  "<<": [8, (a, b) => a << b],
  ">>": [8, (a, b) => a >> b],
  "+": [9, (a, b) => a + b],
  "-": [9, (a, b) => a - b],
  "*": [10, (a, b) => a * b],
  "/": [10, (a, b) => a / b],
  "%": [10, (a, b) => a % b],
};

type Token = { num: bigint } | { ident: string } | { op: string };

class ExprParser {
  private tokens: Token[] = [];
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly macros: Macros,
    private readonly opts: EvalOptions,
    /** Macros being expanded right now: a self-reference is an error, not an endless loop. */
    private readonly expanding: Set<string>,
  ) {
    TOKEN.lastIndex = 0;
    let m: RegExpExecArray | null;
    while (TOKEN.lastIndex < text.length && (m = TOKEN.exec(text))) {
      if (m[1] !== undefined) this.tokens.push({ num: BigInt(octalAware(m[1])) });
      else if (m[2] !== undefined) this.tokens.push({ ident: m[2] });
      else this.tokens.push({ op: m[3] });
    }
    if (text.slice(TOKEN.lastIndex).trim() !== "") this.fail(`unexpected "${text.slice(TOKEN.lastIndex).trim()}"`);
  }

  parseAll(): bigint {
    if (this.tokens.length === 0) this.fail("empty expression");
    const v = this.ternary();
    if (this.pos !== this.tokens.length) this.fail("trailing tokens");
    return BigInt.asIntN(64, v);
  }

  private fail(msg: string): never {
    throw new Error(`${this.opts.where ?? "expression"}: ${msg} in "${this.text}"`);
  }

  private peekOp(): string | undefined {
    const t = this.tokens[this.pos];
    return t && "op" in t ? t.op : undefined;
  }

  private expect(op: string): void {
    if (this.peekOp() !== op) this.fail(`expected "${op}"`);
    this.pos++;
  }

  private ternary(): bigint {
    const cond = this.binary(1);
    if (this.peekOp() !== "?") return cond;
    this.pos++;
    const a = this.ternary();
    this.expect(":");
    const b = this.ternary();
    return cond !== 0n ? a : b;
  }

  private binary(minPrec: number): bigint {
    let left = this.unary();
    for (;;) {
      const op = this.peekOp();
      const entry = op === undefined ? undefined : BINARY[op];
      if (!entry || entry[0] < minPrec) return left;
      this.pos++;
      const right = this.binary(entry[0] + 1);
      if ((op === "/" || op === "%") && right === 0n) this.fail("division by zero");
      left = BigInt.asIntN(64, entry[1](left, right));
    }
  }

  private unary(): bigint {
    const op = this.peekOp();
    if (op === "-" || op === "+" || op === "~" || op === "!") {
      this.pos++;
      const v = this.unary();
      return op === "-" ? -v : op === "+" ? v : op === "~" ? ~v : v === 0n ? 1n : 0n;
    }
    return this.primary();
  }

  private primary(): bigint {
    const t = this.tokens[this.pos++];
    if (!t) this.fail("unexpected end");
    if ("num" in t) return t.num;
    if ("op" in t) {
      if (t.op !== "(") this.fail(`unexpected "${t.op}"`);
      const v = this.ternary();
      this.expect(")");
      return v;
    }
    if (t.ident === "defined" && this.opts.inIf) return this.defined();
    const body = this.macros.get(t.ident);
    if (body === undefined) {
      if (this.opts.inIf) return 0n;
      this.fail(`undefined macro ${t.ident}`);
    }
    if (this.expanding.has(t.ident)) this.fail(`macro ${t.ident} refers to itself`);
    const inner = new Set(this.expanding).add(t.ident);
    return new ExprParser(body, this.macros, { ...this.opts, where: this.opts.where }, inner).parseAll();
  }

  private defined(): bigint {
    const paren = this.peekOp() === "(";
    if (paren) this.pos++;
    const t = this.tokens[this.pos++];
    if (!t || !("ident" in t)) this.fail("defined needs a name");
    if (paren) this.expect(")");
    return this.macros.has(t.ident) ? 1n : 0n;
  }
}

function octalAware(digits: string): string {
  return /^0[0-7]+$/.test(digits) ? `0o${digits.slice(1)}` : digits;
}
