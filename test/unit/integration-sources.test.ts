// The QEMU harness's source fallback (test/integration/image/sources.ts, base.ts, kernel.ts)
// against a fake mirror that answers 404: fake `mmdebstrap`, `apt-get` and `apt-cache` on PATH
// print what the real ones print for files the mirror lacks (the lines were captured from
// Debian's mirror on 2026-12-01, trixie ppc64el), and otherwise build tiny images and .debs.
// The harness's own code picks the source, records it and fails in one line when none works.
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const work = mkdtempSync(join(tmpdir(), "c3w-sources-"));
const bin = join(work, "bin");
// Set before the harness modules load: the VM cache and the mirror are read at import time.
process.env.XDG_CACHE_HOME = join(work, "cache");
process.env.CLONE3_DEBIAN_MIRROR = "http://127.0.0.1:9/debian"; // never contacted: the fakes answer
process.env.PATH = `${bin}:${process.env.PATH}`;

/** The suites the fake mmdebstrap was asked for, in order. */
const calls = () => readFileSync(join(work, "calls"), "utf8").trim().split("\n");

/** Which suites the fake mirror lacks files in (read by the fakes at each call). */
const answer404 = (suites: string[]) => writeFileSync(join(work, "404"), suites.join("\n") + "\n");

const FAKE_MMDEBSTRAP = `#!/bin/sh
# Fake mmdebstrap: the last three arguments are SUITE ROOT MIRROR; --extract-hook=CMD is run.
hook=""; for a in "$@"; do case "$a" in --extract-hook=*) hook="\${a#--extract-hook=}";; esac; done
eval "suite=\\\${$(($# - 2))} root=\\\${$(($# - 1))}"
arch=$(printf '%s\\n' "$@" | sed -n 's/^--arch=//p')
echo "$suite" >> "${join(work, "calls")}"
if grep -qx "$suite" "${join(work, "404")}"; then
  echo "Err:3 http://127.0.0.1:9/debian $suite/main $arch libc6 $arch 2.41-12+deb13u5" >&2
  echo "E: Failed to fetch http://127.0.0.1:9/debian/pool/main/g/glibc/libc6_2.41-12%2bdeb13u5_$arch.deb  404  Not Found [IP: 127.0.0.1 80]" >&2
  echo "E: Failed to fetch http://127.0.0.1:9/debian/pool/main/b/base-files/base-files_13.8%2bdeb13u8_$arch.deb  404  Not Found [IP: 127.0.0.1 80]" >&2
  echo "E: mmdebstrap failed to run" >&2
  exit 1
fi
mkdir -p "$root/etc" "$root/var/cache/apt/archives"
echo "$suite" > "$root/etc/fake-suite"
touch "$root/var/cache/apt/archives/libc6_2.43-1_$arch.deb"
sh -c "$hook" hook "$root"
`;

/** Fake apt-cache/apt-get for kernel.ts: the suite comes from the private APT's sources.list. */
const FAKE_APT = `#!/bin/sh
suite=$(awk '{print $4}' "$(dirname "$APT_CONFIG")/sources.list")
tool=$(basename "$0")
last=""; for a in "$@"; do last="$a"; done
name=\${last%%=*}; pkg=\${name%%:*}; arch=\${name#*:}
case "$tool $1" in
  "apt-get update") exit 0;;
  "apt-cache show")
    case "$pkg" in
      linux-image-powerpc64le) dep="linux-image-7.0.0-1-powerpc64le";;
      linux-image-7.0.0-1-powerpc64le) [ "$suite" = sid ] && dep="linux-base-7.0.0-1-powerpc64le (= 1.0), linux-binary-7.0.0-1-powerpc64le (= 1.0)" || dep="";;
      *) dep="";;
    esac
    printf 'Package: %s\\nVersion: 1.0\\nArchitecture: %s\\nDepends: %s\\nSHA256: 00\\n\\n' "$pkg" "$arch" "$dep"; exit 0;;
  "apt-get download")
    if grep -qx "$suite" "${join(work, "404")}"; then
      echo "E: Failed to fetch http://127.0.0.1:9/debian/pool/main/l/linux/\${pkg}_1.0_$arch.deb  404  Not Found [IP: 127.0.0.1 80]" >&2; exit 100
    fi
    d=$(mktemp -d); mkdir -p "$d/DEBIAN" "$d/boot"
    printf 'Package: %s\\nVersion: 1.0\\nArchitecture: %s\\nMaintainer: t <t@t>\\nDescription: t\\n' "$pkg" "$arch" > "$d/DEBIAN/control"
    # sid's 7.x layout: linux-image-V is empty, linux-binary-V holds usr/lib/modules/V/vmlinuz and
    # linux-base-V its config; older suites put both in linux-image-V's /boot.
    m="$d/usr/lib/modules/7.0.0-1-powerpc64le"
    case "$suite $pkg" in
      "sid linux-binary-"*) mkdir -p "$m"; echo kernel > "$m/vmlinuz";;
      "sid linux-base-"*) mkdir -p "$m"; echo CONFIG_SECCOMP_FILTER=y > "$m/config";;
      "sid "*) ;;
      *) echo kernel > "$d/boot/vmlinux-7.0.0-1-powerpc64le"; echo CONFIG_SECCOMP_FILTER=y > "$d/boot/config-7.0.0-1-powerpc64le";;
    esac
    dpkg-deb --root-owner-group -b "$d" "\${pkg}_1.0_$arch.deb" > /dev/null; rm -rf "$d"; exit 0;;
esac
echo "fake $tool: unexpected $*" >&2; exit 1
`;

beforeAll(() => {
  mkdirSync(bin, { recursive: true });
  for (const [name, text] of [["mmdebstrap", FAKE_MMDEBSTRAP], ["apt-get", FAKE_APT], ["apt-cache", FAKE_APT]] as const) {
    writeFileSync(join(bin, name), text);
    chmodSync(join(bin, name), 0o755);
  }
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("userland fallback (base.ts through a fake mmdebstrap)", () => {
  it("passes over a suite whose files answer 404, records why, and uses the cache next time", async () => {
    const { baseImage } = await import("../integration/image/base.ts");
    answer404(["trixie"]);
    const first = baseImage(["trixie", "forky", "sid"], "ppc64le", ["libc6"]);
    expect(first.built).toBe(true);
    expect(first.source).toBe("forky (trixie: libc6, base-files 404 on the mirror)");
    expect(first.manifest.split("\n")[0]).toBe("# source: forky (trixie: libc6, base-files 404 on the mirror)");
    expect(first.manifest).toContain("libc6 2.43-1 ppc64el");
    expect(readFileSync(join(first.root, "etc", "fake-suite"), "utf8")).toBe("forky\n");
    // The cpio really holds the tree.
    const listing = execFileSync("sh", ["-c", `zstd -dc '${first.cpio}' | cpio -t 2>/dev/null`], { encoding: "utf8" });
    expect(listing).toContain("etc/fake-suite");

    expect(calls()).toEqual(["trixie", "forky"]);

    // A warm run soon after: trixie's failure is remembered, not asked again; forky comes from the cache.
    answer404([]);
    const again = baseImage(["trixie", "forky", "sid"], "ppc64le", ["libc6"]);
    expect([again.built, again.source, again.cpio]).toEqual([false, first.source, first.cpio]);
    expect(calls()).toEqual(["trixie", "forky"]);

    // Once the remembered failure is older than RETRY_AFTER_MS, trixie is asked again, and taken.
    const { RETRY_AFTER_MS } = await import("../integration/image/sources.ts");
    const memo = join(work, "cache", "clone3-workaround", "vm", "sources-failed");
    const old = (Date.now() - RETRY_AFTER_MS - 60_000) / 1000;
    for (const f of readdirSync(memo)) utimesSync(join(memo, f), old, old);
    const healed = baseImage(["trixie", "forky", "sid"], "ppc64le", ["libc6"]);
    expect([healed.built, healed.source]).toEqual([true, "trixie"]);
    expect(calls()).toEqual(["trixie", "forky", "trixie"]);
  });

  it("fails in one line naming each suite's missing files when no source works", async () => {
    const { baseImage } = await import("../integration/image/base.ts");
    answer404(["trixie", "sid"]);
    let message = "";
    try {
      baseImage(["trixie", "sid"], "s390x", ["libc6"]);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toBe("s390x userland: no source works: trixie: libc6, base-files 404 on the mirror; sid: libc6, base-files 404 on the mirror");
  });
});

describe("kernel fallback (kernel.ts through fake apt-get and apt-cache)", () => {
  it("tries the suite, its security suite, then the rest, and finds sid's kernel in linux-binary-V", async () => {
    const { kernel } = await import("../integration/image/kernel.ts");
    answer404(["trixie", "trixie-security", "forky"]);
    const k = kernel(["trixie", "forky", "sid"], "ppc64le");
    expect(k.built).toBe(true);
    expect(k.release).toBe("7.0.0-1-powerpc64le");
    expect(readFileSync(k.image, "utf8")).toBe("kernel\n");
    expect(k.source).toBe(
      "sid (trixie: linux-image-7.0.0-1-powerpc64le 404 on the mirror; trixie-security: linux-image-7.0.0-1-powerpc64le 404 on the mirror; " +
        "forky: linux-image-7.0.0-1-powerpc64le 404 on the mirror)",
    );
    expect(k.manifest).toMatch(/^linux-image-powerpc64le 1\.0\nlinux-image-7\.0\.0-1-powerpc64le 1\.0\nsource: sid /);
  });
});
