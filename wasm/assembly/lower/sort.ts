// One in-place sort for the compiler's cut lists (the library's generic sort would be
// instantiated once per element type and is larger than the whole lowering stage).

/** Ascending heapsort: O(n log n) with no extra memory. */
export function sortU64(a: u64[]): void {
  const n = a.length;
  for (let i = (n >> 1) - 1; i >= 0; i--) siftDown(a, i, n);
  for (let end = n - 1; end > 0; end--) {
    const top = a[0];
    a[0] = a[end];
    a[end] = top;
    siftDown(a, 0, end);
  }
}

function siftDown(a: u64[], i: i32, n: i32): void {
  for (;;) {
    let child = 2 * i + 1;
    if (child >= n) return;
    if (child + 1 < n && a[child + 1] > a[child]) child++;
    if (a[i] >= a[child]) return;
    const t = a[i];
    a[i] = a[child];
    a[child] = t;
    i = child;
  }
}
