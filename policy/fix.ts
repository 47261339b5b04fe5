// --fix-profile: the engine-side fix. An engine's own profile (a moby profile, an OCI
// linux.seccomp object or a whole config.json) comes back in the same format with clone3 (and
// any other hidden name) answered SCMP_ACT_ERRNO/errnoRet 38 wherever the profile answered it
// with EPERM or its default errno. Only the entries that change are touched (json-edit.ts), so
// the result diffs as the change it is. Decisions, per hidden name, with Docker's default
// capabilities as "the container" (what `docker run` without --cap-add gets):
// - no entry names it and the default action is ERRNO (other than ENOSYS): a new ENOSYS entry;
// - an unconditional ERRNO entry answers it with EPERM or the default errno: that entry is
//   fixed (its errnoRet when it names only this syscall, else the name moves to the new entry);
// - anything else (allowed, allowed under conditions, KILL/TRAP/TRACE, another errno, an
//   ERRNO rule with conditions) is left alone and reported: that is a choice someone made.

import { KERNEL_ARCHES, abisOf, syscallNr } from "../arch/index.ts";
import { ENOSYS, EPERM } from "./action.ts";
import { PolicyError } from "./errors.ts";
import { applyEdits, insertItem, layoutOf, locate, member, removeItems, setMember, type Edit, type JsonNode } from "./json-edit.ts";
import { loadPolicy } from "./load.ts";
import { DOCKER_DEFAULT_CAPS, type MobyFilter } from "./moby.ts";
import type { OciAction } from "./oci.ts";
import { TIME64_FALLBACKS } from "./preset.ts";

/** A hidden name's fate. */
export interface FixNote {
  name: string;
  /** fixed: now ENOSYS; already: was ENOSYS; left: left alone (see reason). */
  outcome: "fixed" | "already" | "left";
  reason: string;
}

export interface FixResult {
  /** The fixed document; equal to the input when nothing was fixed. */
  text: string;
  format: "moby" | "oci" | "config.json";
  notes: FixNote[];
}

/** One syscalls[] entry as the fix sees it, whatever the format (OCI entries have no filters). */
interface Entry {
  names: string[];
  action: OciAction;
  errnoRet?: number;
  conditional: boolean;
  includes: MobyFilter;
  excludes: MobyFilter;
}

/** Whether an entry applies to a container with Docker's default capabilities. */
function appliesByDefault(e: Entry): boolean {
  if (e.includes.caps?.some((c) => !DOCKER_DEFAULT_CAPS.includes(c))) return false;
  if (e.excludes.caps?.some((c) => DOCKER_DEFAULT_CAPS.includes(c))) return false;
  return true;
}

/** Whether an entry's verdict depends on more than the syscall number (arguments, arch, kernel). */
function isConditional(e: Entry): boolean {
  return e.conditional || !!e.includes.arches?.length || !!e.excludes.arches?.length ||
    e.includes.minKernel !== undefined || e.excludes.minKernel !== undefined;
}

const isAllowLike = (a: OciAction) => a === "SCMP_ACT_ALLOW" || a === "SCMP_ACT_LOG";

/** Every syscall name some ABI of some kernel arch knows: a typo in --hide must not fix nothing. */
function checkNames(names: readonly string[]): void {
  const known = (n: string) => KERNEL_ARCHES.some((k) => abisOf(k).some((a) => syscallNr(a.name, n) !== undefined));
  const unknown = names.filter((n) => !known(n));
  if (unknown.length > 0) throw new PolicyError(`--hide: no such syscall ${unknown.map((n) => JSON.stringify(n)).join(", ")}`);
}

/**
 * The fixed profile. `text` is the file's content, `source` its name for messages, `hide` the
 * names to answer with ENOSYS (clone3 by default).
 */
export function fixProfile(text: string, source: string, hide: readonly string[] = ["clone3"]): FixResult {
  checkNames(hide);
  const loaded = loadPolicy(text, source);
  const root = locate(text);
  const layout = layoutOf(text);
  const isConfig = member(root, "linux") !== undefined || member(root, "ociVersion") !== undefined;
  const seccompNode = isConfig ? member(member(root, "linux")!, "seccomp")! : root;
  const format: FixResult["format"] = loaded.kind === "moby" ? "moby" : isConfig ? "config.json" : "oci";
  const moby = loaded.kind === "moby";

  const defaultAction = moby ? loaded.profile.defaultAction : loaded.oci.defaultAction;
  const defaultErrnoRet = moby ? loaded.profile.defaultErrnoRet : loaded.oci.defaultErrnoRet;
  const entries: Entry[] = moby
    ? loaded.profile.syscalls.map((s) => ({ ...s, conditional: (s.args?.length ?? 0) > 0 }))
    : (loaded.oci.syscalls ?? []).map((s) => ({ ...s, conditional: (s.args?.length ?? 0) > 0, includes: {}, excludes: {} }));
  const entryNodes = member(seccompNode, "syscalls");
  const itemNode = (i: number): JsonNode => (entryNodes as Extract<JsonNode, { kind: "array" }>).items[i]!;
  // "EPERM or the default errno": what an unnamed syscall, or an ERRNO entry without errnoRet, gets.
  const isEpermLike = (errnoRet: number | undefined) => errnoRet === undefined || errnoRet === EPERM || errnoRet === defaultErrnoRet;

  const notes: FixNote[] = [];
  const edits: Edit[] = [];
  /** Names for the new ENOSYS entries, grouped by the caps those entries exclude. */
  const added = new Map<string, { names: string[]; excludeCaps: string[] }>();
  const removals = new Map<number, number[]>();
  const fixedEntries = new Set<number>();

  for (const name of [...new Set(hide)]) {
    const naming = entries.map((e, i) => ({ e, i })).filter(({ e }) => e.names.includes(name));
    const applying = naming.filter(({ e }) => appliesByDefault(e));
    const where = (i: number) => `syscalls[${i}]`;
    const left = (reason: string) => notes.push({ name, outcome: "left", reason });

    const allowing = applying.find(({ e }) => isAllowLike(e.action));
    const other = applying.find(({ e }) => e.action !== "SCMP_ACT_ERRNO" && !isAllowLike(e.action));
    const enosys = applying.find(({ e }) => e.action === "SCMP_ACT_ERRNO" && e.errnoRet === ENOSYS);
    const errnoEntries = applying.filter(({ e }) => e.action === "SCMP_ACT_ERRNO" && e.errnoRet !== ENOSYS);
    if (allowing) {
      left(`already allowed by ${where(allowing.i)}${isConditional(allowing.e) ? " (under conditions)" : ""}`);
      continue;
    }
    if (other) {
      left(`${where(other.i)} answers it with ${other.e.action}`);
      continue;
    }
    if (enosys && !isConditional(enosys.e)) {
      notes.push({ name, outcome: "already", reason: `${where(enosys.i)} answers it with ENOSYS` });
      continue;
    }
    const odd = errnoEntries.find(({ e }) => isConditional(e) || !isEpermLike(e.errnoRet));
    if (odd) {
      left(isConditional(odd.e) ? `${where(odd.i)} answers it with an errno under conditions` : `${where(odd.i)} answers it with errno ${odd.e.errnoRet}`);
      continue;
    }
    if (errnoEntries.length === 0) {
      if (isAllowLike(defaultAction)) {
        notes.push({ name, outcome: "already", reason: `the default action ${defaultAction} allows it` });
        continue;
      }
      if (defaultAction !== "SCMP_ACT_ERRNO") {
        left(`the default action is ${defaultAction}`);
        continue;
      }
      if (defaultErrnoRet === ENOSYS) {
        notes.push({ name, outcome: "already", reason: "the default action answers ENOSYS" });
        continue;
      }
    }

    // Entries allowing the name only with extra capabilities stay in charge with those caps:
    // the new entry excludes the same caps, so the two never both apply (libseccomp would refuse).
    const excludeCaps = new Set(naming.filter(({ e }) => isAllowLike(e.action) && e.includes.caps?.length).flatMap(({ e }) => e.includes.caps!));
    if (moby && name === "clone3") {
      // moby v20.10.10 (moby/moby#42681, in 20.10 as #42836; profiles/seccomp/default.json): clone3 is allowed
      // wherever clone is allowed without a flags check (with CAP_SYS_ADMIN), and answers ENOSYS
      // everywhere else. seccomp cannot read clone3's flags (they sit in a struct in memory), so
      // allowing it there would bypass the namespace-flags check on clone; ENOSYS sends glibc
      // back to clone(2), where the check holds. Same edit, same place, same caps.
      const unrestrictedClone = entries.findIndex((e) => e.names.includes("clone") && isAllowLike(e.action) && !isConditional(e) && !!e.includes.caps?.length);
      const namesNode = unrestrictedClone >= 0 ? member(itemNode(unrestrictedClone), "names") : undefined;
      if (namesNode && !naming.some(({ i }) => i === unrestrictedClone)) {
        const at = entries[unrestrictedClone]!.names.indexOf("clone");
        edits.push(insertItem(text, namesNode, "clone3", layout, at));
        for (const c of entries[unrestrictedClone]!.includes.caps!) excludeCaps.add(c);
      }
    }

    // An entry about hidden names only gets errnoRet 38 itself; from any other the name moves out.
    const inPlace = (e: Entry) => e.names.every((n) => hide.includes(n));
    for (const { e, i } of errnoEntries) {
      if (inPlace(e)) fixedEntries.add(i);
      else removals.set(i, [...(removals.get(i) ?? []), e.names.indexOf(name)]);
    }
    const fixedInPlace = errnoEntries.length > 0 && errnoEntries.every(({ e }) => inPlace(e));
    if (!fixedInPlace) {
      const caps = [...excludeCaps].sort();
      const key = caps.join(",");
      const group = added.get(key) ?? { names: [], excludeCaps: caps };
      group.names.push(name);
      added.set(key, group);
    }
    const was = errnoEntries.length > 0 ? where(errnoEntries[0]!.i) : "the default action";
    notes.push({ name, outcome: "fixed", reason: `ENOSYS instead of ${was}'s EPERM` });
  }

  for (const i of fixedEntries) edits.push(setMember(text, itemNode(i), "errnoRet", ENOSYS, layout, "action"));
  for (const [i, indexes] of removals) edits.push(...removeItems(member(itemNode(i), "names")!, indexes));

  if (added.size > 0) {
    for (const { names, excludeCaps } of added.values()) {
      const entry = moby
        ? { names, action: "SCMP_ACT_ERRNO", errnoRet: ENOSYS, args: [], comment: "", includes: {}, excludes: excludeCaps.length ? { caps: excludeCaps } : {} }
        : { names, action: "SCMP_ACT_ERRNO", errnoRet: ENOSYS };
      if (entryNodes === undefined) {
        edits.push(setMember(text, seccompNode, "syscalls", [entry], layout, "defaultAction"));
        continue;
      }
      // moby v20.10.10 put its clone3 entry right after the last entry about clone.
      const lastClone = names.includes("clone3") ? entries.map((e) => e.names.includes("clone")).lastIndexOf(true) : -1;
      edits.push(insertItem(text, entryNodes, entry, layout, lastClone >= 0 ? lastClone : undefined));
    }
  }
  return { text: edits.length > 0 ? applyEdits(text, edits) : text, format, notes };
}

/**
 * What breaks when an engine answers a known hideable syscall (preset.ts KNOWN_HIDEABLE, same
 * keys) with EPERM instead of ENOSYS, in the words --check-profile prints.
 */
export const EPERM_CONSEQUENCE: Readonly<Record<string, string>> = {
  clone3: "glibc >= 2.34 threads and posix_spawn fail",
  faccessat2: "glibc >= 2.33 faccessat and musl >= 1.2.2 access checks with flags fail",
  fchmodat2: "glibc >= 2.39 and musl >= 1.2.5 fchmodat(AT_SYMLINK_NOFOLLOW) fails",
  close_range: "closefrom() (glib >= 2.72 and others) fails instead of closing fds one by one",
  epoll_pwait2: "event loops that try epoll_pwait2 first (ivykis, Ruby io-event, PHP) fail",
  openat2: "path resolvers that try openat2 first (systemd, cap-std) fail",
  statx: "glibc >= 2.33 fstatat on 32-bit ABIs, libuv and the JDK cannot stat files",
  pidfd_open: "pidfd users (Go >= 1.23 os, GLib child watches, Python asyncio) fail to wait for children",
  pidfd_send_signal: "pidfd users (Go >= 1.23 os, util-linux kill) fail to send signals",
  ...Object.fromEntries(Object.entries(TIME64_FALLBACKS).map(([name, [fallback]]) => [
    name,
    name === "clock_gettime64"
      ? "32-bit glibc >= 2.34 and musl >= 1.2 cannot read the clock (sleep: cannot read realtime clock; date prints 1900)"
      : `32-bit glibc >= 2.34 and musl >= 1.2 ${fallback}() calls fail`,
  ])),
};
