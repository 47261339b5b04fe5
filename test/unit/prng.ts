// mulberry32: a small seedable generator, so random test cases replay from their seed.
export function prng(seed: number) {
  let s = seed >>> 0;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const u32 = (): number => (next() * 4294967296) >>> 0;
  const u64 = (): bigint => (BigInt(u32()) << 32n) | BigInt(u32());
  return { next, int, pick, u32, u64, chance: (p: number) => next() < p };
}
export type Rng = ReturnType<typeof prng>;
