// One sort for the compiler's cut lists (the library's generic sort would be instantiated once
// per element type and is larger than the whole lowering stage).

/**
 * Ascending, in place: runs of RUN are insertion-sorted, then merged bottom-up through two
 * buffers (stable, O(n log n); measured faster than the heapsort it replaces on moby's cuts).
 */
export function sortU64(a: u64[]): void {
  const n = a.length;
  if (n < 2) return;
  const RUN = 16;
  for (let lo = 0; lo < n; lo += RUN) {
    const hi = min(lo + RUN, n);
    for (let i = lo + 1; i < hi; i++) {
      const v = unchecked(a[i]);
      let j = i - 1;
      while (j >= lo && unchecked(a[j]) > v) {
        unchecked((a[j + 1] = a[j]));
        j--;
      }
      unchecked((a[j + 1] = v));
    }
  }
  if (n <= RUN) return;
  let src = new StaticArray<u64>(n);
  let dst = new StaticArray<u64>(n);
  for (let i = 0; i < n; i++) unchecked((src[i] = a[i]));
  for (let width = RUN; width < n; width <<= 1) {
    for (let lo = 0; lo < n; lo += width << 1) {
      const mid = min(lo + width, n);
      const hi = min(lo + (width << 1), n);
      let i = lo;
      let j = mid;
      for (let k = lo; k < hi; k++) {
        if (i < mid && (j >= hi || unchecked(src[i]) <= unchecked(src[j]))) unchecked((dst[k] = src[i++]));
        else unchecked((dst[k] = src[j++]));
      }
    }
    const t = src;
    src = dst;
    dst = t;
  }
  for (let i = 0; i < n; i++) unchecked((a[i] = src[i]));
}
