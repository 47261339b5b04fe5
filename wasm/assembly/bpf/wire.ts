// The boundary between the BPF core and its host, wasm/core.ts (which mirrors every constant
// here in its `Wire` block: change both together and bump WIRE_VERSION).
//
// The host writes u32 words into the input buffer (inputPtr(), inputCap() bytes), calls one
// entry point with the word or byte count and flags, and gets a Status back. On OK the result
// is at outputPtr()/outputLen() (bytes); on error a one-line UTF-8 reason is at
// errorPtr()/errorLen(). Results live on the heap, which every entry point resets first, so
// they stay valid only until the next call.
//
// compile(nWords, flags), input words:
//   header  defaultAction, badArchAction, policyFlags (bit 0: big-endian kernel arch), nAbis
//   per ABI auditArch, nrBase, regionLo, regionHi, maxNr, nRules
//   per rule nr, nrLast (= nr when the rule has none), action, nConds
//   per cond arg, op (CmpOp below, | COND_LOW_WORD), valueLo, valueHi, valueTwoLo, valueTwoHi
//   output: the program, 8 bytes per instruction, in the byte order flags bit 0 asks for.
// simulate(nBytes, flags): words 0..15 are the seccomp_data exactly as 32-bit loads at offsets
//   0, 4, ... 60 see it; the program's bytes follow at byte 64. Output: u32 action, u32 executed.
// verify(nBytes, flags), disassemble(nBytes, flags): the program's bytes at byte 0.
//   disassemble's output is the listing text.

export const WIRE_VERSION: u32 = 3;

export const enum Status {
  OK = 0,
  BAD_INPUT = 1, // malformed policy words or program bytes
  TOO_LARGE = 2, // the program would exceed the kernel's 4096 instructions
  REJECTED = 3, // the verifier rejected the program (compile: an internal error)
}

/** Flags shared by every entry point. */
export const FLAG_BIG_ENDIAN: u32 = 1; // program words are big-endian
/** compile only: the dispatch strategy, for tests (auto picks the cheaper one). */
export const FLAG_STRATEGY_SHIFT: u32 = 1;
export const enum Strategy {
  AUTO = 0,
  NR_FIRST = 1,
  ARCH_FIRST = 2,
}
/**
 * compile only: what one instruction of program length is worth, in instructions executed
 * summed over the measured numbers (0: DEFAULT_LENGTH_WEIGHT). For the bench's sweep of the
 * length-against-executed trade-off.
 */
export const FLAG_LENGTH_WEIGHT_SHIFT: u32 = 8;
export const LENGTH_WEIGHT_MASK: u32 = 0xffff;
export const DEFAULT_LENGTH_WEIGHT: i64 = 1;

export const POLICY_BIG_ENDIAN: u32 = 1;

export const HEADER_WORDS: i32 = 4;
export const ABI_WORDS: i32 = 6;
export const RULE_WORDS: i32 = 4;
export const COND_WORDS: i32 = 6;

export const enum CmpOp {
  EQ = 0,
  NE = 1,
  LT = 2,
  LE = 3,
  GT = 4,
  GE = 5,
  MASKED_EQ = 6,
}

/** In a cond's op word: compare the argument's low 32 bits only (libseccomp on 32-bit ABIs). */
export const COND_LOW_WORD: u32 = 0x100;

export const SECCOMP_DATA_BYTES: i32 = 64;
export const MAX_INSNS: i32 = 4096;

/** 128 KiB: a 4096-instruction program (32 KiB) or a policy of ~5000 conditional rules. */
export const INPUT_CAP: i32 = 128 * 1024;
export const INPUT: usize = memory.data(INPUT_CAP, 16);
