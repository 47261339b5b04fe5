// Regenerates arch/syscalls.csv and arch/abis.gen.ts from the Debian linux-libc-dev packages pinned
// in arch/pins.json. Run: `npm run gen:arch` (or `node_modules/.bin/bun arch/gen.ts [--offline]`).
//
// Every package is fetched with a private APT configuration (its own state and cache under
// ~/.cache/clone3-workaround/apt-<suite>; /etc/apt is only read, to find the host's Debian mirror),
// checked against the pinned SHA-256, and unpacked. Syscall numbers, AUDIT_ARCH and EM_* values
// are evaluated from the headers' macros by arch/cpp.ts. --offline reuses the cached .debs.

import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { PrivateApt } from "../scripts/debian-apt.ts";
import { type Macros, macroValue, preprocess } from "./cpp.ts";
import type { AbiFacts, AbiName, KernelArch } from "./types.ts";

const ARCH_DIR = dirname(fileURLToPath(import.meta.url));
const CACHE = join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "clone3-workaround");

interface Source {
  suite: string;
  version: string;
  sha256: string;
}
interface AbiPin {
  source: string;
  headers: string[];
  auditArch: string;
  elfMachine: string;
  defines?: Record<string, string>;
  nrBase?: string;
  nrRegion?: [string, string];
  privatePrefix?: string;
}
interface KernelArchPin {
  abis: AbiName[];
  elfMachine: string;
  elfClass: string;
  elfData: string;
}
interface Pins {
  package: string;
  sources: Record<string, Source>;
  factHeaders: { headers: string[] };
  debianArches: Record<string, { triplet: string; abis: Partial<Record<AbiName, AbiPin>> }>;
  kernelArches: Record<KernelArch, KernelArchPin>;
  csvColumns: AbiName[];
}

/** One ABI's table as read from the headers: ABI-local numbers, private calls included. */
interface AbiTable {
  facts: AbiFacts;
  elfMachine: number;
  syscalls: Map<string, number>;
}

const PRIMARY_SOURCE = "current";

function main(): void {
  const offline = process.argv.includes("--offline");
  const pins = JSON.parse(readFileSync(join(ARCH_DIR, "pins.json"), "utf8")) as Pins;
  const primary = pins.sources[PRIMARY_SOURCE];
  if (!primary) throw new Error(`pins.json: no "${PRIMARY_SOURCE}" source`);

  const roots = new Map<string, string>();
  for (const [name, source] of Object.entries(pins.sources)) {
    roots.set(name, fetchAndUnpack(pins.package, source, offline));
  }

  const facts = new Map<string, string>();
  for (const h of pins.factHeaders.headers) {
    readHeader(join(roots.get(PRIMARY_SOURCE)!, "usr/include"), [], h, facts);
  }

  const tables = new Map<AbiName, AbiTable>();
  for (const [debArch, { triplet, abis }] of Object.entries(pins.debianArches)) {
    for (const [abi, pin] of Object.entries(abis) as [AbiName, AbiPin][]) {
      const root = roots.get(pin.source);
      if (!root) throw new Error(`pins.json: ${debArch}/${abi} names unknown source "${pin.source}"`);
      tables.set(abi, readAbi(abi, pin, join(root, "usr/include"), triplet, facts));
    }
  }
  for (const abi of pins.csvColumns) if (!tables.has(abi)) throw new Error(`pins.json: no headers for ABI ${abi}`);

  const provenance = `linux-libc-dev ${primary.version} (${primary.suite})`;
  const others = Object.entries(pins.sources).filter(([name]) => name !== PRIMARY_SOURCE);
  const notes = others.map(([name, s]) => {
    const users = pins.csvColumns.filter((abi) => abiPin(pins, abi).source === name);
    return `${users.join(", ")}: linux-libc-dev ${s.version} (${s.suite})`;
  });
  const csv = renderCsv(pins.csvColumns, tables, provenance, notes);
  writeFileSync(join(ARCH_DIR, "syscalls.csv"), csv);
  writeFileSync(join(ARCH_DIR, "abis.gen.ts"), renderAbis(pins, tables, facts, provenance, notes, csv));

  for (const abi of pins.csvColumns) {
    const t = tables.get(abi)!;
    console.log(`${abi.padEnd(8)} ${String(t.syscalls.size).padStart(4)} syscalls, maxNr ${t.facts.maxNr}`);
  }
  console.log(`wrote arch/syscalls.csv and arch/abis.gen.ts from ${provenance}`);
}

function abiPin(pins: Pins, abi: AbiName): AbiPin {
  for (const { abis } of Object.values(pins.debianArches)) if (abis[abi]) return abis[abi]!;
  throw new Error(`pins.json: no headers for ABI ${abi}`);
}

// ---- fetching -------------------------------------------------------------------------------

/** Downloads (unless offline) and unpacks one pinned package; returns the unpacked root. */
function fetchAndUnpack(pkg: string, source: Source, offline: boolean): string {
  const dir = join(CACHE, `apt-${source.suite}`);
  const debs = join(dir, "debs");
  const deb = join(debs, `${pkg}_${source.version.replace(/^\d+:/, "")}_all.deb`);
  if (!offline) {
    aptDownload(pkg, source, dir, debs);
  } else if (!existsSync(deb)) {
    throw new Error(`--offline: ${deb} is not cached; run without --offline once`);
  }
  const got = sha256(deb);
  if (got !== source.sha256) {
    throw new Error(`${deb}: SHA-256 ${got} differs from the pin ${source.sha256}`);
  }
  const root = join(dir, `root-${source.version}`);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  execFileSync("sh", ["-c", 'dpkg-deb --fsys-tarfile "$1" | tar -x -C "$2"', "sh", deb, root], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  return root;
}

/** Fetches the pinned .deb into `debs`, after checking the mirror still lists it with the pinned hash. */
function aptDownload(pkg: string, source: Source, dir: string, debs: string): void {
  // Mirrors that lag behind serve an expired sid/forky Release. The signature is still checked,
  // and the .deb itself is held to the SHA-256 in pins.json, so a stale index cannot change the output.
  const apt = new PrivateApt({ dir, suite: source.suite, ignoreValidUntil: true });
  const record = apt.show(`${pkg}=${source.version}`);
  if (record?.version !== source.version) {
    throw new Error(
      `the pinned ${pkg} ${source.version} is gone from ${source.suite} on ${apt.mirror}; pick a new pin (arch/README.md)`,
    );
  }
  if (record.sha256 !== source.sha256) {
    throw new Error(`${source.suite} lists ${pkg} ${source.version} with SHA-256 ${record.sha256}, not the pinned ${source.sha256}`);
  }
  apt.download(pkg, debs, { version: source.version });
}

function sha256(file: string): string {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}

// ---- reading headers ------------------------------------------------------------------------

/** Finds `header` like a compiler would (the triplet's directory first) and applies it to `macros`. */
function readHeader(include: string, triplets: string[], header: string, macros: Macros): void {
  const path = [...triplets.map((t) => join(include, t, header)), join(include, header)].find(existsSync);
  if (!path) throw new Error(`header ${header} is not in the package (looked in ${[...triplets, "."].join(", ")})`);
  preprocess(readFileSync(path, "utf8"), macros, header);
}

function readAbi(abi: AbiName, pin: AbiPin, include: string, triplet: string, facts: Macros): AbiTable {
  const macros: Macros = new Map(Object.entries(pin.defines ?? {}));
  for (const h of pin.headers) readHeader(include, [triplet], h, macros);

  const u32 = (expr: string, where: Macros) => {
    const v = macroValue(expr, where);
    if (v < 0n || v > 0xffffffffn) throw new Error(`${abi}: ${expr} = ${v} is not a u32`);
    return Number(v);
  };
  const exprValue = (expr: string) => {
    // nrBase/nrRegion are expressions over header macros, so give them a name to evaluate.
    const scratch: Macros = new Map(macros).set("__gen_expr", expr);
    return u32("__gen_expr", scratch);
  };
  const nrBase = pin.nrBase ? exprValue(pin.nrBase) : 0;
  const nrRegion: [number, number] = pin.nrRegion ? [exprValue(pin.nrRegion[0]), exprValue(pin.nrRegion[1])] : [0, 0xffffffff];

  const syscalls = new Map<string, number>();
  const owner = new Map<number, string>();
  let maxNr = -1;
  const prefixes = ["__NR_", ...(pin.privatePrefix ? [pin.privatePrefix] : [])];
  for (const [macro, body] of [...macros].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const prefix = prefixes.find((p) => macro.startsWith(p));
    if (!prefix) continue;
    const name = macro.slice(prefix.length);
    // Upper-case names are bases and masks (__NR_SYSCALL_BASE, __ARM_NR_BASE), not syscalls.
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) continue;
    // An alias (#define __NR_sync_file_range2 __NR_arm_sync_file_range) adds no number; one name per number.
    if (/^\s*\(?\s*__(?:ARM_)?NR_\w+\s*\)?\s*$/.test(body)) continue;
    const raw = u32(macro, macros);
    const nr = raw - nrBase;
    if (nr < 0 || raw < nrRegion[0] || raw > nrRegion[1]) throw new Error(`${abi}: ${macro} = ${raw} is outside its region`);
    if (syscalls.has(name)) throw new Error(`${abi}: ${name} is defined twice`);
    const clash = owner.get(nr);
    if (clash) throw new Error(`${abi}: ${name} and ${clash} both have number ${nr}`);
    syscalls.set(name, nr);
    owner.set(nr, name);
    if (prefix === "__NR_") maxNr = Math.max(maxNr, nr);
  }
  if (syscalls.size === 0) throw new Error(`${abi}: no __NR_ macros in ${pin.headers.join(", ")}`);

  const auditArch = u32(pin.auditArch, facts);
  const le = Number(macroValue("__AUDIT_ARCH_LE", facts));
  const is64 = Number(macroValue("__AUDIT_ARCH_64BIT", facts));
  return {
    facts: {
      name: abi,
      auditArch,
      nrBase,
      nrRegion,
      maxNr,
      bigEndian: (auditArch & le) === 0,
      bits: (auditArch & is64) !== 0 ? 64 : 32,
    },
    elfMachine: u32(pin.elfMachine, facts),
    syscalls,
  };
}

// ---- output ---------------------------------------------------------------------------------

function renderCsv(columns: AbiName[], tables: Map<AbiName, AbiTable>, provenance: string, notes: string[]): string {
  const names = new Set<string>();
  for (const abi of columns) for (const name of tables.get(abi)!.syscalls.keys()) names.add(name);
  const rows = [...names].sort().map((name) =>
    [name, ...columns.map((abi) => String(tables.get(abi)!.syscalls.get(name) ?? "-"))].join(","),
  );
  return [
    `# Code generated by arch/gen.ts from ${provenance}; DO NOT EDIT.`,
    ...notes.map((n) => `# ${n}`),
    `# Numbers are ABI-local: x32 is listed without __X32_SYSCALL_BIT; "-" means absent.`,
    ["name", ...columns].join(","),
    ...rows,
    "",
  ].join("\n");
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, "0")}`;
}

function renderAbis(
  pins: Pins,
  tables: Map<AbiName, AbiTable>,
  facts: Macros,
  provenance: string,
  notes: string[],
  csv: string,
): string {
  const abiLines = pins.csvColumns.map((abi) => {
    const f = tables.get(abi)!.facts;
    return (
      `  ${abi}: { name: "${abi}", auditArch: ${hex(f.auditArch)}, nrBase: ${hex(f.nrBase)}, ` +
      `nrRegion: [${hex(f.nrRegion[0])}, ${hex(f.nrRegion[1])}], maxNr: ${f.maxNr}, bigEndian: ${f.bigEndian}, bits: ${f.bits} },`
    );
  });
  const elfLines = pins.csvColumns.map((abi) => `  ${abi}: ${tables.get(abi)!.elfMachine},`);
  const kernelLines = (Object.entries(pins.kernelArches) as [KernelArch, KernelArchPin][])
    .filter(([k]) => !k.startsWith("$"))
    .map(([k, p]) => {
      for (const abi of p.abis) if (!tables.has(abi)) throw new Error(`pins.json: kernel arch ${k} lists unknown ABI ${abi}`);
      const v = (name: string) => Number(macroValue(name, facts));
      return (
        `  ${k}: { abis: [${p.abis.map((a) => `"${a}"`).join(", ")}], elfMachine: ${v(p.elfMachine)}, ` +
        `elfClass: ${v(p.elfClass)}, elfData: ${v(p.elfData)} },`
      );
    });
  const table = csv
    .split("\n")
    .filter((l) => l !== "" && !l.startsWith("#"))
    .join("\n");
  return [
    `// Code generated by arch/gen.ts from ${provenance}; DO NOT EDIT.`,
    ...notes.map((n) => `// ${n}`),
    "",
    `import type { AbiFacts, AbiName, KernelArch } from "./types.ts";`,
    "",
    "/** Per ABI: AUDIT_ARCH_* from linux/audit.h; regions and bases from the pins; maxNr from the table. */",
    "export const ABI_FACTS: { readonly [A in AbiName]: Readonly<AbiFacts> } = {",
    ...abiLines,
    "};",
    "",
    "/** Per ABI: the EM_* (linux/elf-em.h) of its executables. */",
    "export const ABI_ELF_MACHINE: { readonly [A in AbiName]: number } = {",
    ...elfLines,
    "};",
    "",
    "export interface KernelArchFacts {",
    "  /** The ABIs such a kernel runs, native first. */",
    "  readonly abis: readonly AbiName[];",
    "  /** EM_*, ELFCLASS* and ELFDATA* (linux/elf.h) of a native executable. */",
    "  readonly elfMachine: number;",
    "  readonly elfClass: number;",
    "  readonly elfData: number;",
    "}",
    "",
    "export const KERNEL_ARCH_FACTS: { readonly [K in KernelArch]: KernelArchFacts } = {",
    ...kernelLines,
    "};",
    "",
    "/** arch/syscalls.csv without its comment lines: a header row, then one row per syscall name. */",
    `export const SYSCALL_TABLE = \`${table}\`;`,
    "",
  ].join("\n");
}

try {
  main();
} catch (e) {
  console.error(`gen:arch: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
