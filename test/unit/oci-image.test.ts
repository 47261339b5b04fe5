// The stub's multi-arch image (scripts/oci-layout.ts, written by `npm run release`), checked by
// tools that know the OCI image spec and share no code with ours: Debian's skopeo (inspect the
// index and each platform; copy each platform to docker-archive:) and umoci (unpack each
// platform: the file's bytes are the stub's, its mode 0755, the Entrypoint runs it). The
// release runs twice, into two directories, and must give the same image index digest.
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KERNEL_ARCHES } from "../../arch/index.ts";
import { PLATFORMS, platformTag, STUB_PATH } from "../../scripts/oci-layout.ts";

const ROOT = resolve(import.meta.dirname, "..", "..");
const BUN = join(ROOT, "node_modules", ".bin", "bun");
const VERSION = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version as string;
let work: string;
let layout: string;

const run = (cmd: string, args: string[]) => {
  const r = spawnSync(cmd, args, { encoding: "utf8", cwd: work, timeout: 120_000 });
  if (r.error) throw new Error(`${cmd}: ${r.error.message} (apt-get install skopeo umoci)`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
};
const release = (out: string) => execFileSync(BUN, [join(ROOT, "scripts", "release.ts"), "--stubs-only", "--out", out], { encoding: "utf8" });
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const stubOf = (dist: string, arch: string) => readFileSync(join(dist, `clone3-workaround-stub.${arch}`));

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "clone3-workaround-oci-"));
  release(join(work, "a"));
  release(join(work, "b"));
  layout = join(work, "a", "oci");
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("dist/oci", () => {
  it("is reproducible: two releases give the same image index digest and the same SHA256SUMS", () => {
    const inspect = (dist: string) => JSON.parse(run("skopeo", ["inspect", "--raw", `oci:${join(dist, "oci")}:${VERSION}`]));
    const digest = (dist: string) => `sha256:${sha256(Buffer.from(run("skopeo", ["inspect", "--raw", `oci:${join(dist, "oci")}:${VERSION}`])))}`;
    expect(digest(join(work, "a"))).toBe(digest(join(work, "b")));
    expect(inspect(join(work, "a")).mediaType).toBe("application/vnd.oci.image.index.v1+json");
    expect(readFileSync(join(work, "a", "SHA256SUMS"), "utf8")).toBe(readFileSync(join(work, "b", "SHA256SUMS"), "utf8"));
  });

  it("SHA256SUMS names the image index blob, and sha256sum -c agrees with every line", () => {
    const sums = readFileSync(join(work, "a", "SHA256SUMS"), "utf8");
    const index = sha256(Buffer.from(run("skopeo", ["inspect", "--raw", `oci:${layout}:${VERSION}`])));
    expect(sums).toContain(`${index}  oci/blobs/sha256/${index}\n`);
    const check = spawnSync("sha256sum", ["-c", "SHA256SUMS"], { cwd: join(work, "a"), encoding: "utf8" });
    expect(check.status, check.stdout + check.stderr).toBe(0);
  });

  it("lists linux/amd64, linux/arm64/v8, linux/ppc64le, linux/s390x and linux/arm/v6", () => {
    const index = JSON.parse(run("skopeo", ["inspect", "--raw", `oci:${layout}:${VERSION}`]));
    expect(index.manifests.map((m: { platform: object }) => m.platform)).toEqual([
      { architecture: "amd64", os: "linux" },
      { architecture: "arm64", os: "linux", variant: "v8" },
      { architecture: "ppc64le", os: "linux" },
      { architecture: "s390x", os: "linux" },
      { architecture: "arm", os: "linux", variant: "v6" },
    ]);
  });

  describe.each(KERNEL_ARCHES)("the %s image", (arch) => {
    const platform = PLATFORMS[arch]!;
    const variant = platform.variant ? ["--override-variant", platform.variant] : [];
    const select = ["--override-os", "linux", "--override-arch", platform.architecture, ...variant];

    it("skopeo: one layer, the platform's config, Entrypoint /clone3-workaround", () => {
      const config = JSON.parse(run("skopeo", [...select, "inspect", "--config", `oci:${layout}:${VERSION}`]));
      expect(config).toMatchObject({ architecture: platform.architecture, os: "linux", config: { Entrypoint: [STUB_PATH] } });
      expect(config.variant).toBe(platform.variant);
      const manifest = JSON.parse(run("skopeo", [...select, "inspect", "--raw", `oci:${layout}:${platformTag(VERSION, platform.architecture)}`]));
      expect(manifest.layers).toHaveLength(1);
    });

    it("skopeo copies it to docker-archive:, with the stub's bytes in its one layer", () => {
      const archive = join(work, `${arch}.docker.tar`);
      run("skopeo", [...select, "copy", "--quiet", `oci:${layout}:${VERSION}`, `docker-archive:${archive}:clone3-workaround:${VERSION}`]);
      const manifest = JSON.parse(run("tar", ["-xOf", archive, "manifest.json"]));
      expect(manifest[0].RepoTags).toEqual([`docker.io/library/clone3-workaround:${VERSION}`]);
      expect(manifest[0].Layers).toHaveLength(1);
      const config = JSON.parse(run("tar", ["-xOf", archive, manifest[0].Config]));
      expect(config.architecture).toBe(platform.architecture);
      const layer = execFileSync("tar", ["-xOf", archive, manifest[0].Layers[0]], { cwd: work, maxBuffer: 1 << 24 });
      const file = execFileSync("tar", ["-xO", "clone3-workaround"], { input: layer, maxBuffer: 1 << 24 });
      expect(sha256(file)).toBe(sha256(stubOf(join(work, "a"), arch)));
    });

    it("umoci unpacks it: /clone3-workaround is the stub, mode 0755, and the bundle's process runs it", () => {
      const bundle = join(work, `bundle-${arch}`);
      run("umoci", ["unpack", "--image", `${layout}:${platformTag(VERSION, platform.architecture)}`, bundle]);
      const file = join(bundle, "rootfs", "clone3-workaround");
      expect(sha256(readFileSync(file))).toBe(sha256(stubOf(join(work, "a"), arch)));
      expect(statSync(file).mode & 0o7777).toBe(0o755);
      expect(JSON.parse(readFileSync(join(bundle, "config.json"), "utf8")).process.args).toEqual([STUB_PATH]);
    });
  });
});
