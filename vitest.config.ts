import { defineConfig } from "vitest/config";

// Two projects: `unit` needs no Bun and runs under Node; `bun` needs bun:ffi or a compiled
// binary and runs under `bun --bun vitest run --project bun`.
export default defineConfig({
  test: {
    projects: [
      { test: { name: "unit", include: ["test/unit/**/*.test.ts"], testTimeout: 60_000 } },
      { test: { name: "bun", include: ["test/**/*.bun.test.ts"], testTimeout: 120_000 } },
    ],
  },
});
