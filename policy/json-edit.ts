// Edits to JSON text that leave every untouched byte as it was: key order, indentation, number
// spellings (u64 literals included) and line ends. `--fix-profile` rewrites a few entries of a
// profile people keep under version control; a re-serialised file would be a diff of every line.
// The text must already be valid JSON (parseJson checked it): this locator only finds spans.

import { PolicyError } from "./errors.ts";

export type JsonNode =
  | { kind: "object"; start: number; end: number; members: { key: string; value: JsonNode }[] }
  | { kind: "array"; start: number; end: number; items: JsonNode[] }
  | { kind: "scalar"; start: number; end: number };

/** The spans of every value in `text` (end is exclusive). */
export function locate(text: string): JsonNode {
  let i = 0;
  const ws = () => {
    while (i < text.length && " \t\r\n".includes(text[i]!)) i++;
  };
  const string = (): string => {
    const start = i++;
    while (text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (): JsonNode => {
    ws();
    const start = i;
    const c = text[i];
    if (c === "{") {
      i++;
      const members: { key: string; value: JsonNode }[] = [];
      for (ws(); text[i] !== "}"; ws()) {
        if (text[i] === ",") i++, ws();
        const key = string();
        ws();
        i++; // ':'
        members.push({ key, value: value() });
      }
      return { kind: "object", start, end: ++i, members };
    }
    if (c === "[") {
      i++;
      const items: JsonNode[] = [];
      for (ws(); text[i] !== "]"; ws()) {
        if (text[i] === ",") i++;
        items.push(value());
      }
      return { kind: "array", start, end: ++i, items };
    }
    if (c === '"') {
      string();
      return { kind: "scalar", start, end: i };
    }
    while (i < text.length && !",]} \t\r\n".includes(text[i]!)) i++;
    return { kind: "scalar", start, end: i };
  };
  return value();
}

export function member(node: JsonNode, key: string): JsonNode | undefined {
  return node.kind === "object" ? node.members.find((m) => m.key === key)?.value : undefined;
}

/** One replacement of text[start, end). */
export interface Edit {
  start: number;
  end: number;
  text: string;
}

/** Applies non-overlapping edits (in any order). */
export function applyEdits(text: string, edits: readonly Edit[]): string {
  const sorted = [...edits].sort((a, b) => b.start - a.start || b.end - a.end);
  let out = text;
  for (const e of sorted) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

/** The layout of a document: its line end and one level of indentation. */
export interface Layout {
  eol: string;
  unit: string;
}

export function layoutOf(text: string): Layout {
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  // The first indented line's leading whitespace is one level (the document's own top level); a
  // document on one line stays on one line.
  const first = /\n([ \t]+)\S/.exec(text)?.[1];
  return { eol, unit: first ?? (text.trim().includes("\n") ? "  " : "") };
}

/** The whitespace that starts the line `pos` is on. */
export function indentAt(text: string, pos: number): string {
  const lineStart = text.lastIndexOf("\n", pos - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))![0];
}

/** `value` as JSON in the document's layout, its lines after the first indented by `indent`. */
export function render(value: unknown, indent: string, layout: Layout): string {
  return JSON.stringify(value, null, layout.unit).split("\n").join(layout.eol + indent);
}

/** Whether an array or object spreads over lines (then new elements get lines of their own). */
const multiline = (text: string, node: JsonNode): boolean => text.slice(node.start, node.end).includes("\n");

/** Inserts `value` into `array` after item `after` (-1: first; undefined: last). */
export function insertItem(text: string, array: JsonNode, value: unknown, layout: Layout, after?: number): Edit {
  if (array.kind !== "array") throw new PolicyError("internal: not an array");
  const items = array.items;
  if (items.length === 0) {
    const outer = indentAt(text, array.start);
    const inner = outer + layout.unit;
    return { start: array.start, end: array.end, text: `[${layout.eol}${inner}${render(value, inner, layout)}${layout.eol}${outer}]` };
  }
  const index = after ?? items.length - 1;
  // On one line, the separator the array already uses after its commas (", " or ",").
  const inline = items.length > 1 ? text.slice(items[0]!.end, items[1]!.start).replace(",", "") : layout.unit === "" ? "" : " ";
  const sep = multiline(text, array) ? layout.eol + indentAt(text, items[0]!.start) : inline;
  const indent = multiline(text, array) ? indentAt(text, items[0]!.start) : indentAt(text, array.start);
  const rendered = render(value, indent, layout);
  if (index < 0) return { start: items[0]!.start, end: items[0]!.start, text: `${rendered},${sep}` };
  const pos = items[index]!.end;
  return { start: pos, end: pos, text: `,${sep}${rendered}` };
}

/**
 * Removes the items at `indexes` of `array` (not all of them) with their separators, as edits that
 * never overlap: leading items go up to the first kept one; every other one takes the separator
 * before it.
 */
export function removeItems(array: JsonNode, indexes: readonly number[]): Edit[] {
  if (array.kind !== "array") throw new PolicyError("internal: not an array");
  const items = array.items;
  const removed = new Set(indexes);
  const firstKept = items.findIndex((_, i) => !removed.has(i));
  if (firstKept < 0) throw new PolicyError("internal: cannot remove every item");
  const edits: Edit[] = [];
  if (firstKept > 0) edits.push({ start: items[0]!.start, end: items[firstKept]!.start, text: "" });
  for (const i of removed) if (i > firstKept) edits.push({ start: items[i - 1]!.end, end: items[i]!.end, text: "" });
  return edits;
}

/** Sets `key` of `object` to `value`: in place when present, else as a new member after `afterKey`. */
export function setMember(text: string, object: JsonNode, key: string, value: unknown, layout: Layout, afterKey: string): Edit {
  if (object.kind !== "object") throw new PolicyError("internal: not an object");
  const existing = member(object, key);
  if (existing) return { start: existing.start, end: existing.end, text: render(value, indentAt(text, existing.start), layout) };
  const anchor = member(object, afterKey) ?? object.members.at(-1)?.value;
  if (!anchor) throw new PolicyError("internal: no member to insert after");
  const indent = indentAt(text, anchor.start);
  const compact = layout.unit === "";
  const sep = multiline(text, object) ? layout.eol + indent : compact ? "" : " ";
  return { start: anchor.end, end: anchor.end, text: `,${sep}${JSON.stringify(key)}:${compact ? "" : " "}${render(value, indent, layout)}` };
}
