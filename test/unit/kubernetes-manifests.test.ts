// docs/kubernetes/*.yaml: every manifest validates against the Kubernetes schema
// (kubernetes-models' validators, generated from the API's OpenAPI definitions), the generated
// ones are what the product writes today (the profile regenerated through the CLI's own
// `--compile --format oci` and `--fix-profile`), and the recipes fit together: the Pod names the
// profile where the DaemonSet puts it, the app's command starts with the stub the init container
// copied, every mounted volume exists.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigMap, Pod } from "kubernetes-models/v1";
import { DaemonSet } from "kubernetes-models/apps/v1";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { elfMachine } from "../../arch/index.ts";
import { GENERATED, HERE, LOCALHOST_PROFILE, RECIPE_ARCHES, UNAME } from "../../docs/kubernetes/regen.ts";
import { mobyProfilePath } from "../fixtures/index.ts";

const ROOT = join(HERE, "..", "..");
const BUN = join(ROOT, "node_modules", ".bin", "bun");
const CLI = join(ROOT, "launcher", "cli.ts");
const files = readdirSync(HERE).filter((f) => f.endsWith(".yaml")).sort();

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const load = (file: string): Doc[] => parseAllDocuments(readFileSync(join(HERE, file), "utf8")).map((d) => {
  if (d.errors.length > 0) throw new Error(`${file}: ${d.errors[0]!.message}`);
  return d.toJS() as Doc;
});
const byKind = (file: string, kind: string): Doc => load(file).find((d) => d.kind === kind)!;

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  "v1/ConfigMap": ConfigMap as never,
  "v1/Pod": Pod as never,
  "apps/v1/DaemonSet": DaemonSet as never,
};
function validate(doc: Doc): void {
  const Model = MODELS[`${doc.apiVersion}/${doc.kind}`];
  if (!Model) throw new Error(`no model for ${doc.apiVersion} ${doc.kind}`);
  new Model(doc as never).validate();
}

describe("every manifest validates against the Kubernetes schema", () => {
  it("has the four recipes' files", () => {
    expect(files).toEqual(["node-profile-configmap.yaml", "node-profile-daemonset.yaml", "pod-localhost-profile.yaml", "pod-stub-init.yaml", "stub-configmap.yaml"]);
  });
  it.each(files)("%s", (file) => {
    const docs = load(file);
    expect(docs.length).toBeGreaterThan(0);
    for (const doc of docs) expect(() => validate(doc)).not.toThrow();
  });
  it("the validator is live: a misspelt profile type and a number for an image fail", () => {
    const pod = byKind("pod-localhost-profile.yaml", "Pod");
    expect(() => validate({ ...pod, spec: { ...pod.spec, securityContext: { seccompProfile: { type: "LocalHost" } } } })).toThrow(/type/);
    expect(() => validate({ ...pod, spec: { ...pod.spec, containers: [{ name: "app", image: 3 }] } })).toThrow(/image/);
  });
  it("docs/kubernetes.md links each of them", () => {
    const md = readFileSync(join(HERE, "..", "kubernetes.md"), "utf8");
    for (const file of files) expect(md).toContain(`kubernetes/${file}`);
  });
});

describe("the generated manifests are what the product writes today", () => {
  it.each(Object.keys(GENERATED))("%s equals `bun docs/kubernetes/regen.ts`'s output (regenerate it if this fails)", (file) => {
    expect(readFileSync(join(HERE, file), "utf8")).toBe(GENERATED[file as keyof typeof GENERATED]());
  });
  it.each(RECIPE_ARCHES)("the %s profile is `--compile --format oci` of Docker v20.10.9, then `--fix-profile`", (arch) => {
    const oci = spawnSync(BUN, [CLI, "--compile", "--format", "oci", "--arch", arch, "--policy", mobyProfilePath("v20.10.9")], { encoding: "utf8" });
    expect(oci.status, oci.stderr).toBe(0);
    const dir = mkdtempSync(join(tmpdir(), "c3w-k8s-"));
    writeFileSync(join(dir, "docker.json"), oci.stdout);
    const fixed = spawnSync(BUN, [CLI, "--fix-profile", join(dir, "docker.json")], { encoding: "utf8" });
    rmSync(dir, { recursive: true, force: true });
    expect(fixed.status, fixed.stderr).toBe(0);
    expect(byKind("node-profile-configmap.yaml", "ConfigMap").data[`${UNAME[arch]}.json`]).toBe(fixed.stdout);
    const clone3 = (JSON.parse(fixed.stdout).syscalls as Doc[]).filter((s) => s.names.includes("clone3"));
    expect(clone3).toEqual([{ names: ["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: 38 }]);
  });
  it.each(RECIPE_ARCHES)("the %s stub in stub-configmap.yaml is an ELF for that machine", (arch) => {
    const elf = Buffer.from(byKind("stub-configmap.yaml", "ConfigMap").binaryData[UNAME[arch]!], "base64");
    expect(elf.subarray(0, 4).toString("latin1")).toBe("\x7fELF");
    const bigEndian = elf[5] === 2;
    expect(bigEndian ? elf.readUInt16BE(18) : elf.readUInt16LE(18)).toBe(elfMachine(arch));
  });
});

/** Every volumeMount of every container names a volume of the pod spec. */
function expectMountsResolve(spec: Doc): void {
  const volumes = new Set((spec.volumes ?? []).map((v: Doc) => v.name));
  for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
    for (const m of c.volumeMounts ?? []) expect(volumes, `${c.name} mounts ${m.name}`).toContain(m.name);
  }
}

describe("the recipes fit together", () => {
  it("(a) the DaemonSet copies each arch's profile to <kubelet root>/seccomp/LOCALHOST_PROFILE, where the Pod looks", () => {
    const ds = byKind("node-profile-daemonset.yaml", "DaemonSet");
    const spec = ds.spec.template.spec;
    expectMountsResolve(spec);
    expect(ds.spec.selector.matchLabels).toEqual(ds.spec.template.metadata.labels);
    const hostPath = spec.volumes.find((v: Doc) => v.hostPath).hostPath.path;
    expect(hostPath).toBe("/var/lib/kubelet/seccomp");
    const init = spec.initContainers[0];
    const hostMount = init.volumeMounts.find((m: Doc) => m.name === spec.volumes.find((v: Doc) => v.hostPath).name).mountPath;
    const script = init.command.at(-1) as string;
    expect(script).toMatch(new RegExp(`mv -f \\S+ ${hostMount}/${LOCALHOST_PROFILE.replace(/\./g, "\\.")}$`));
    const configMapName = spec.volumes.find((v: Doc) => v.configMap).configMap.name;
    const cm = byKind("node-profile-configmap.yaml", "ConfigMap");
    expect(cm.metadata.name).toBe(configMapName);
    expect(cm.metadata.namespace).toBe(ds.metadata.namespace);
    expect(script).toContain('"/profiles/$(uname -m).json"');
    expect(Object.keys(cm.data).sort()).toEqual(RECIPE_ARCHES.map((a) => `${UNAME[a]}.json`).sort());
    const pod = byKind("pod-localhost-profile.yaml", "Pod");
    expect(pod.spec.securityContext.seccompProfile).toEqual({ type: "Localhost", localhostProfile: LOCALHOST_PROFILE });
  });
  it("(b) the app's command starts with the stub the init container copied into the shared emptyDir", () => {
    const pod = byKind("pod-stub-init.yaml", "Pod");
    expectMountsResolve(pod.spec);
    const emptyDir = pod.spec.volumes.find((v: Doc) => v.emptyDir).name;
    const init = pod.spec.initContainers[0];
    const app = pod.spec.containers[0];
    const initDir = init.volumeMounts.find((m: Doc) => m.name === emptyDir).mountPath;
    const appDir = app.volumeMounts.find((m: Doc) => m.name === emptyDir).mountPath;
    expect(init.command.at(-1)).toContain(`${initDir}/clone3-workaround && chmod 0755 ${initDir}/clone3-workaround`);
    expect(app.command.slice(0, 2)).toEqual([`${appDir}/clone3-workaround`, "--"]);
    const stubVolume = pod.spec.volumes.find((v: Doc) => v.configMap).configMap.name;
    expect(byKind("stub-configmap.yaml", "ConfigMap").metadata.name).toBe(stubVolume);
  });
});
