// JSON.parse loses integers above 2^53, but seccomp argument values are u64 and real profiles
// carry values such as 18446744073709551615. Go's encoding/json (runc, moby) reads them
// exactly, so we must too: before parsing, every integer literal too long to be safe is turned
// into a tagged string that the validators turn back into a bigint.

import { PolicyError } from "./errors.ts";

/** Prefix of the strings that stand for big integer literals after `parseJson`. */
export const BIG_INTEGER_TAG = "\u0000u64:";

/** Parses JSON text; integer literals of 16+ digits come back as `BIG_INTEGER_TAG + digits`. */
export function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(tagBigIntegers(text));
  } catch (e) {
    const reason = (e as Error).message.split("\n")[0];
    throw new PolicyError(`${source}: not valid JSON: ${reason}`);
  }
}

// Walks the text once, copying strings verbatim and rewriting long integer tokens outside them.
function tagBigIntegers(text: string): string {
  let out = "";
  let copiedTo = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
      continue;
    }
    if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
      let end = i + 1;
      while (end < text.length && /[0-9.eE+-]/.test(text[end]!)) end++;
      const token = text.slice(i, end);
      // 15 digits are always exact in a double; longer plain integers are tagged.
      if (/^-?[0-9]{16,}$/.test(token)) {
        out += text.slice(copiedTo, i) + JSON.stringify(BIG_INTEGER_TAG + token);
        copiedTo = end;
      }
      i = end - 1;
    }
  }
  return copiedTo === 0 ? text : out + text.slice(copiedTo);
}
