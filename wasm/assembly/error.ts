// The module's one error channel, for the BPF and the stub entry points alike: an entry point
// that fails returns its status and leaves one line here, which wasm/core.ts reads
// (errorPtr()/errorLen()) for the CoreError, or the StubError, it throws.

let errPtr: usize = 0;
let errLen: i32 = 0;

export function errorPtr(): usize {
  return errPtr;
}

export function errorLen(): i32 {
  return errLen;
}

/** Forgets the previous call's error: every entry point starts with this. */
export function clearError(): void {
  errPtr = 0;
  errLen = 0;
}

/** Records `message` (ASCII) as this call's error and returns `status`. */
export function fail(status: i32, message: string): i32 {
  const n = message.length;
  errPtr = heap.alloc(<usize>max(n, 1));
  for (let i = 0; i < n; i++) store<u8>(errPtr + <usize>i, <u8>message.charCodeAt(i));
  errLen = n;
  return status;
}
