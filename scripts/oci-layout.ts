// The stub as a multi-arch container image, written as an OCI image layout (image-spec
// image-layout.md) with no Docker daemon and no registry: `COPY --from=IMAGE /clone3-workaround
// /clone3-workaround` then picks the build's arch, as `COPY --from=tianon/gosu` does.
//
//   oci-layout, index.json           the layout; index.json names the image index, tagged VERSION,
//                                    and each platform's image, tagged VERSION-ARCH (umoci's unit)
//   blobs/sha256/...                 the image index (one manifest per platform), each platform's
//                                    manifest, config and single layer (/clone3-workaround, 0755)
//
// Reproducible: no timestamps (the epoch everywhere), fixed tar headers, gzip without a name or
// mtime, JSON with a fixed key order, so the same stubs always give the same index digest.
// Needs only the stubs' bytes: no Bun target packages, so tests can run it.
import { createHash } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

export const MEDIA = {
  index: "application/vnd.oci.image.index.v1+json",
  manifest: "application/vnd.oci.image.manifest.v1+json",
  config: "application/vnd.oci.image.config.v1+json",
  layer: "application/vnd.oci.image.layer.v1.tar+gzip",
} as const;

/** The file's path in every image, and the Entrypoint. */
export const STUB_PATH = "/clone3-workaround";

/** OCI platform of each kernel arch (image-spec config.md: GOARCH values; arm64's variant v8). */
export const PLATFORMS: Record<string, { architecture: string; os: "linux"; variant?: string }> = {
  x86_64: { architecture: "amd64", os: "linux" },
  aarch64: { architecture: "arm64", os: "linux", variant: "v8" },
  ppc64le: { architecture: "ppc64le", os: "linux" },
  s390x: { architecture: "s390x", os: "linux" },
  // ARMv6 code only: a v7 host's platform matcher takes v6 too (a Pi Zero/1 takes nothing newer).
  arm: { architecture: "arm", os: "linux", variant: "v6" },
};

const EPOCH = "1970-01-01T00:00:00Z";
const REF_NAME = "org.opencontainers.image.ref.name";

/** index.json's tag of one platform's image: `0.1.0-arm64`. */
export const platformTag = (version: string, architecture: string) => `${version}-${architecture}`;

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { architecture: string; os: string; variant?: string };
  annotations?: Record<string, string>;
}

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

/** A ustar archive holding one regular file, owned by root, mode `mode`, mtime 0. */
export function tarOneFile(name: string, data: Uint8Array, mode: number): Uint8Array {
  const header = Buffer.alloc(512);
  const field = (offset: number, length: number, value: string) => header.write(value, offset, length, "latin1");
  const octal = (offset: number, length: number, n: number) => field(offset, length, n.toString(8).padStart(length - 1, "0") + "\0");
  field(0, 100, name);
  octal(100, 8, mode);
  octal(108, 8, 0); // uid
  octal(116, 8, 0); // gid
  octal(124, 12, data.length);
  octal(136, 12, 0); // mtime
  field(148, 8, "        "); // checksum is computed with its own field as spaces
  field(156, 1, "0"); // regular file
  field(257, 8, "ustar\u000000");
  field(265, 32, "root");
  field(297, 32, "root");
  let sum = 0;
  for (const b of header) sum += b;
  field(148, 8, sum.toString(8).padStart(6, "0") + "\0 ");
  const padded = Buffer.alloc(Math.ceil(data.length / 512) * 512);
  padded.set(data);
  return Buffer.concat([header, padded, Buffer.alloc(1024)]);
}

/** JSON as the blobs hold it: compact, keys in the order written here. */
const json = (v: unknown) => Buffer.from(JSON.stringify(v));

export interface Layout {
  /** Digest of the image index: what SHA256SUMS and a registry show for the multi-arch image. */
  indexDigest: string;
  /** Per platform (kernel arch): its manifest's descriptor. */
  manifests: Record<string, Descriptor>;
}

/**
 * Writes the layout into `dir` (replaced) for `stubs` (kernel arch -> the stub's bytes), tagged
 * `version` in index.json.
 */
export function writeOciLayout(dir: string, stubs: Record<string, Uint8Array>, version: string): Layout {
  rmSync(dir, { recursive: true, force: true });
  const blobs = join(dir, "blobs", "sha256");
  mkdirSync(blobs, { recursive: true });
  const put = (mediaType: string, bytes: Uint8Array): Descriptor => {
    const hex = sha256(bytes);
    writeFileSync(join(blobs, hex), bytes);
    return { mediaType, digest: `sha256:${hex}`, size: bytes.length };
  };

  const manifests: Record<string, Descriptor> = {};
  for (const arch of Object.keys(PLATFORMS)) {
    const stub = stubs[arch];
    if (!stub) continue;
    const platform = PLATFORMS[arch]!;
    const tar = tarOneFile(STUB_PATH.slice(1), stub, 0o755);
    // gzip with no file name and mtime 0 (Node writes both so), level fixed: same bytes each build.
    const layer = put(MEDIA.layer, gzipSync(tar, { level: 9 }));
    const config = put(MEDIA.config, json({
      created: EPOCH,
      architecture: platform.architecture,
      ...(platform.variant ? { variant: platform.variant } : {}),
      os: platform.os,
      config: { Entrypoint: [STUB_PATH] },
      rootfs: { type: "layers", diff_ids: [`sha256:${sha256(tar)}`] },
      history: [{ created: EPOCH, created_by: `clone3-workaround ${version}: the stub for ${arch} at ${STUB_PATH}` }],
    }));
    const manifest = put(MEDIA.manifest, json({ schemaVersion: 2, mediaType: MEDIA.manifest, config, layers: [layer] }));
    manifests[arch] = { ...manifest, platform: { ...platform } };
  }
  if (Object.keys(manifests).length === 0) throw new Error("oci-layout: no stubs given");
  const index = put(MEDIA.index, json({ schemaVersion: 2, mediaType: MEDIA.index, manifests: Object.values(manifests) }));
  writeFileSync(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  writeFileSync(join(dir, "index.json"), JSON.stringify({
    schemaVersion: 2,
    mediaType: MEDIA.index,
    manifests: [
      { ...index, annotations: { [REF_NAME]: version } },
      // One tag per platform too, for tools that unpack a single image (umoci) or copy one arch.
      ...Object.values(manifests).map((m) => ({ ...m, annotations: { [REF_NAME]: platformTag(version, m.platform!.architecture) } })),
    ],
  }));
  return { indexDigest: index.digest, manifests };
}
