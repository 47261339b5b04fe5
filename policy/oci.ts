// The OCI runtime-spec `linux.seccomp` object: its types, a strict validator that turns parsed
// JSON into them (every problem is one line naming its JSON path), and the stable JSON writer
// behind `--compile --format oci`. Field meanings follow runtime-spec config-linux.md and what
// runc does with them.

import { clip, fail, quote } from "./errors.ts";
import { MAX_INTEGER_DIGITS, NotAnInteger } from "./json.ts";

export const OCI_ACTIONS = [
  "SCMP_ACT_KILL", // runc and libseccomp: KILL_THREAD
  "SCMP_ACT_KILL_PROCESS",
  "SCMP_ACT_KILL_THREAD",
  "SCMP_ACT_TRAP",
  "SCMP_ACT_ERRNO",
  "SCMP_ACT_TRACE",
  "SCMP_ACT_ALLOW",
  "SCMP_ACT_LOG",
] as const;
export type OciAction = (typeof OCI_ACTIONS)[number];

export const OCI_OPS = [
  "SCMP_CMP_NE",
  "SCMP_CMP_LT",
  "SCMP_CMP_LE",
  "SCMP_CMP_EQ",
  "SCMP_CMP_GE",
  "SCMP_CMP_GT",
  "SCMP_CMP_MASKED_EQ",
] as const;
export type OciOp = (typeof OCI_OPS)[number];

/** Every SCMP_ARCH_* the runtime-spec and libseccomp name; `resolve` keeps those of one kernel. */
export const OCI_ARCHES = [
  "SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64",
  "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64",
  "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390",
  "SCMP_ARCH_S390X", "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64", "SCMP_ARCH_LOONGARCH64",
  "SCMP_ARCH_M68K", "SCMP_ARCH_SH", "SCMP_ARCH_SHEB",
] as const;

export const OCI_FLAGS = [
  "SECCOMP_FILTER_FLAG_TSYNC",
  "SECCOMP_FILTER_FLAG_LOG",
  "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
  "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
] as const;

export interface OciArg {
  index: number; // 0..5
  value: bigint; // u64
  valueTwo?: bigint; // u64, MASKED_EQ only
  op: OciOp;
}

export interface OciSyscall {
  names: string[];
  action: OciAction;
  /** ERRNO: the errno (default EPERM); TRACE: the tracer's data (default EPERM, as runc). */
  errnoRet?: number;
  args?: OciArg[];
}

export interface OciSeccomp {
  defaultAction: OciAction;
  defaultErrnoRet?: number;
  architectures?: string[];
  flags?: string[];
  syscalls?: OciSyscall[];
}

const U64_MAX = (1n << 64n) - 1n;
/** TRACE's errnoRet ends up in SECCOMP_RET_DATA, 16 bits. */
const RET_DATA_MAX = 0xffff;
/** libseccomp (and so runc) refuses SCMP_ACT_ERRNO(n) unless n < MAX_ERRNO (4095, src/system.h). */
export const ERRNO_MAX = 4094;

// ---- validators shared with moby.ts -------------------------------------------------------

/** A JSON path one step deeper; a key that is not a plain name is quoted (short, one line). */
export const at = (where: string, key: string | number): string =>
  typeof key === "number"
    ? `${where}[${key}]`
    : !/^[A-Za-z_][A-Za-z0-9_]{0,59}$/.test(key)
      ? `${where}[${quote(key)}]`
      : where === ""
        ? key
        : `${where}.${key}`;

/** Go's encoding/json reads `null` into an optional field as absent; so do we. */
export const isAbsent = (v: unknown): boolean => v === undefined || v === null;

export function expectObject(v: unknown, where: string, fields: readonly string[]): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) fail(where, `expected an object, got ${describe(v)}`);
  const obj = v as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!fields.includes(key)) fail(at(where, key), `unknown field (expected one of ${fields.join(", ")})`);
  }
  return obj;
}

export function expectArray(v: unknown, where: string): unknown[] {
  if (!Array.isArray(v)) fail(where, `expected an array, got ${describe(v)}`);
  return v;
}

export function expectString(v: unknown, where: string): string {
  if (typeof v !== "string") fail(where, `expected a string, got ${describe(v)}`);
  if (v === "") fail(where, "must not be empty");
  return v;
}

export function expectStringList(v: unknown, where: string): string[] {
  return expectArray(v, where).map((s, i) => expectString(s, at(where, i)));
}

export function expectOneOf<T extends string>(v: unknown, where: string, allowed: readonly T[], what: string): T {
  const s = expectString(v, where);
  if (!(allowed as readonly string[]).includes(s)) fail(where, `unknown ${what} ${quote(s)}`);
  return s as T;
}

/** An unsigned integer up to `max` (a JSON integer literal, json.ts). */
export function expectUint(v: unknown, where: string, max: number): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || Object.is(v, -0) || v < 0 || v > max) {
    fail(where, `expected an integer 0..${max}, got ${describe(v)}`);
  }
  return v;
}

/** A u64: a JSON integer literal of up to 20 digits (json.ts), or a bigint from typed input. */
export function expectU64(v: unknown, where: string): bigint {
  let n: bigint;
  if (typeof v === "bigint") n = v;
  else if (typeof v === "number" && Number.isSafeInteger(v) && !Object.is(v, -0)) n = BigInt(v);
  else if (typeof v === "number" && Number.isInteger(v)) {
    // Only a number parsed without json.ts gets here: already rounded.
    fail(where, `${v} is above 2^53 and not exact; write u64 values as plain integer literals`);
  } else fail(where, `expected an unsigned 64-bit integer, got ${describe(v)}`);
  if (n < 0n || n > U64_MAX) fail(where, `${describe(n)} is outside the unsigned 64-bit range 0..${U64_MAX}`);
  return n;
}

export function expectAction(v: unknown, where: string): OciAction {
  if (v === "SCMP_ACT_NOTIFY") fail(where, "SCMP_ACT_NOTIFY is not supported (it needs a seccomp agent listening on listenerPath)");
  return expectOneOf(v, where, OCI_ACTIONS, "action");
}

/** errnoRet only means something for actions that carry data; the runtime-spec says to fail otherwise. */
export function expectErrnoRet(v: unknown, where: string, action: OciAction): number | undefined {
  if (isAbsent(v)) return undefined;
  if (action !== "SCMP_ACT_ERRNO" && action !== "SCMP_ACT_TRACE") {
    fail(where, `only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errno, not ${action}`);
  }
  if (action === "SCMP_ACT_ERRNO" && typeof v === "number" && Number.isInteger(v) && v > ERRNO_MAX) {
    fail(where, `errno ${describe(v)} is above ${ERRNO_MAX}, the largest libseccomp (and so runc) accepts`);
  }
  return expectUint(v, where, action === "SCMP_ACT_ERRNO" ? ERRNO_MAX : RET_DATA_MAX);
}

export function expectArg(v: unknown, where: string): OciArg {
  const o = expectObject(v, where, ["index", "value", "valueTwo", "op"]);
  if (isAbsent(o.index)) fail(at(where, "index"), "required");
  if (isAbsent(o.op)) fail(at(where, "op"), "required");
  const arg: OciArg = {
    index: expectUint(o.index, at(where, "index"), 5),
    value: isAbsent(o.value) ? 0n : expectU64(o.value, at(where, "value")),
    op: expectOneOf(o.op, at(where, "op"), OCI_OPS, "operator"),
  };
  if (!isAbsent(o.valueTwo)) arg.valueTwo = expectU64(o.valueTwo, at(where, "valueTwo"));
  return arg;
}

export function expectArgs(v: unknown, where: string): OciArg[] | undefined {
  if (isAbsent(v)) return undefined;
  return expectArray(v, where).map((a, i) => expectArg(a, at(where, i)));
}

export function expectArchitectures(v: unknown, where: string): string[] | undefined {
  if (isAbsent(v)) return undefined;
  return expectArray(v, where).map((a, i) => expectOneOf(a, at(where, i), OCI_ARCHES, "architecture"));
}

export function expectFlags(v: unknown, where: string): string[] | undefined {
  if (isAbsent(v)) return undefined;
  return expectArray(v, where).map((f, i) => expectOneOf(f, at(where, i), OCI_FLAGS, "flag"));
}

/** A parsed JSON value in a message: short and on one line, whatever the input. */
function describe(v: unknown): string {
  if (v instanceof NotAnInteger) {
    const digits = v.literal.replace(/^-/, "").length;
    return /^-?[0-9]+$/.test(v.literal) && v.literal !== "-0"
      ? `an integer of ${digits} digits (at most ${MAX_INTEGER_DIGITS})`
      : `${clip(v.literal, 30)} (not an integer: no fraction, exponent or -0)`;
  }
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return "an object";
  if (typeof v === "string") return quote(v);
  return String(v);
}

// ---- the OCI object -----------------------------------------------------------------------

const TOP_FIELDS = ["defaultAction", "defaultErrnoRet", "architectures", "flags", "syscalls", "listenerPath", "listenerMetadata"];

/** Validates parsed JSON as an OCI `linux.seccomp` object. `where` prefixes every path. */
export function parseOci(json: unknown, where = ""): OciSeccomp {
  const o = expectObject(json, where, TOP_FIELDS);
  for (const key of ["listenerPath", "listenerMetadata"]) {
    if (!isAbsent(o[key])) fail(at(where, key), "seccomp notify is not supported");
  }
  if (isAbsent(o.defaultAction)) fail(at(where, "defaultAction"), "required");
  const defaultAction = expectAction(o.defaultAction, at(where, "defaultAction"));
  const oci: OciSeccomp = { defaultAction };
  const defaultErrnoRet = expectErrnoRet(o.defaultErrnoRet, at(where, "defaultErrnoRet"), defaultAction);
  if (defaultErrnoRet !== undefined) oci.defaultErrnoRet = defaultErrnoRet;
  const architectures = expectArchitectures(o.architectures, at(where, "architectures"));
  if (architectures) oci.architectures = architectures;
  const flags = expectFlags(o.flags, at(where, "flags"));
  if (flags) oci.flags = flags;
  if (!isAbsent(o.syscalls)) {
    const list = at(where, "syscalls");
    oci.syscalls = expectArray(o.syscalls, list).map((s, i) => parseOciSyscall(s, at(list, i)));
  }
  return oci;
}

function parseOciSyscall(v: unknown, where: string): OciSyscall {
  const o = expectObject(v, where, ["names", "action", "errnoRet", "args"]);
  if (isAbsent(o.names)) fail(at(where, "names"), "required");
  const names = expectStringList(o.names, at(where, "names"));
  if (names.length === 0) fail(at(where, "names"), "must name at least one syscall");
  if (isAbsent(o.action)) fail(at(where, "action"), "required");
  const call: OciSyscall = { names, action: expectAction(o.action, at(where, "action")) };
  const errnoRet = expectErrnoRet(o.errnoRet, at(where, "errnoRet"), call.action);
  if (errnoRet !== undefined) call.errnoRet = errnoRet;
  const args = expectArgs(o.args, at(where, "args"));
  if (args && args.length > 0) call.args = args;
  return call;
}

// ---- writer -------------------------------------------------------------------------------

/**
 * The OCI object as 2-space JSON with a fixed key order (so outputs diff cleanly), u64 values as
 * exact integer literals (what runc's Go decoder expects, even above 2^53), and a final newline.
 */
export function ociToJson(oci: OciSeccomp): string {
  const ordered = {
    defaultAction: oci.defaultAction,
    defaultErrnoRet: oci.defaultErrnoRet,
    architectures: oci.architectures,
    flags: oci.flags,
    syscalls: oci.syscalls?.map((s) => ({
      names: s.names,
      action: s.action,
      errnoRet: s.errnoRet,
      args: s.args?.map((a) => ({
        index: a.index,
        value: a.value,
        valueTwo: a.valueTwo !== undefined && a.valueTwo !== 0n ? a.valueTwo : undefined,
        op: a.op,
      })),
    })),
  };
  return `${toJson(ordered, "")}\n`;
}

/** JSON.stringify(v, null, 2), except that a bigint is written as its integer literal. */
function toJson(v: unknown, indent: string): string {
  if (typeof v === "bigint") return v.toString();
  if (v === null || typeof v !== "object") return JSON.stringify(v);
  const inner = `${indent}  `;
  if (Array.isArray(v)) {
    if (v.length === 0) return "[]";
    return `[\n${v.map((x) => inner + (x === undefined ? "null" : toJson(x, inner))).join(",\n")}\n${indent}]`;
  }
  const entries = Object.entries(v).filter(([, x]) => x !== undefined);
  if (entries.length === 0) return "{}";
  return `{\n${entries.map(([key, x]) => `${inner}${JSON.stringify(key)}: ${toJson(x, inner)}`).join(",\n")}\n${indent}}`;
}
