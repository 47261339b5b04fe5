// The module's only export surface: flat functions over numbers and module-owned buffers.
// No AssemblyScript objects or strings cross the boundary; wasm/core.ts and wasm/stub.ts
// are the only host files that read or write this module's memory.
export * from "./bpf/exports";
export { errorLen, errorPtr } from "./error";
export * from "./stub/exports";
