// The one emitter: builds a program BACKWARDS (kafel's codegen idea), so every jump target is
// already placed when the jump is written. A Label is an instruction's distance from the end of
// the program; a Target is a Label or an action (a RET, shared while it is within reach).
// Conditional jumps reach 255 instructions; farther targets go through an inserted JA.
import { JA, JMP, Program, RET_K } from "./insn";

export type Label = i32;
/** >= 0: a Label; < 0: the action (-1 - target). */
export type Target = i64;

// @ts-ignore: decorator
@inline export function actionTarget(action: u32): Target {
  return -1 - <i64>action;
}
// @ts-ignore: decorator
@inline export function isAction(t: Target): bool {
  return t < 0;
}
// @ts-ignore: decorator
@inline export function actionOf(t: Target): u32 {
  return <u32>(-1 - t);
}

const MAX_JUMP: i32 = 255;
/** A shared RET is reused only this near, leaving room for the JAs a jump may still insert. */
const SHARE_REACH: i32 = MAX_JUMP - 4;

export class Emitter {
  // Instructions in reverse order (index = Label), each packed as code | jt << 16 | jf << 24 |
  // k << 32: one array to grow instead of four.
  private insns: Array<u64> = [];
  private retAction: Array<u32> = [];
  private retLabel: Array<i32> = [];

  get count(): i32 {
    return this.insns.length;
  }

  /** How far a jump placed next would travel to `l`. */
  distance(l: Label): i32 {
    return this.count - l - 1;
  }

  private push(code: u16, jt: i32, jf: i32, k: u32): Label {
    this.insns.push(<u64>code | (<u64>(<u8>jt) << 16) | (<u64>(<u8>jf) << 24) | (<u64>k << 32));
    return this.count - 1;
  }

  /** A RET for `action`, shared with an earlier one when it is near enough. */
  ret(action: u32): Label {
    for (let i = this.retAction.length - 1; i >= 0; i--) {
      if (this.retAction[i] == action) {
        if (this.distance(this.retLabel[i]) <= SHARE_REACH) return this.retLabel[i];
        break;
      }
    }
    const l = this.push(RET_K, 0, 0, action);
    this.retAction.push(action);
    this.retLabel.push(l);
    return l;
  }

  /** The Label of `t`, placing a RET for an action target. */
  place(t: Target): Label {
    return isAction(t) ? this.ret(actionOf(t)) : <Label>t;
  }

  /** An unconditional jump to `l`. */
  ja(l: Label): Label {
    return this.push(JMP | JA, 0, 0, <u32>this.distance(l));
  }

  /** A non-jump instruction followed by `next`. */
  stmt(code: u16, k: u32, next: Target): Label {
    if (isAction(next)) {
      // A RET right below is the cheapest successor: reuse it if it is adjacent, else add one.
      const l = this.ret(actionOf(next));
      if (l != this.count - 1) this.pushRet(actionOf(next));
    } else if (<Label>next != this.count - 1) {
      this.ja(<Label>next);
    }
    return this.push(code, 0, 0, k);
  }

  private pushRet(action: u32): void {
    const l = this.push(RET_K, 0, 0, action);
    this.retAction.push(action);
    this.retLabel.push(l);
  }

  /** A conditional jump: to `t` when the test holds, else to `f`. */
  jump(code: u16, k: u32, t: Target, f: Target): Label {
    let lt = this.place(t);
    let lf = this.place(f);
    for (;;) {
      if (this.distance(lt) > MAX_JUMP) lt = this.ja(lt);
      else if (this.distance(lf) > MAX_JUMP) lf = this.ja(lf);
      else break;
    }
    return this.push(code, this.distance(lt), this.distance(lf), k);
  }

  /** The program in execution order, as records in the given byte order on the heap. */
  finish(bigEndian: bool): Program {
    const n = this.count;
    const p = new Program(heap.alloc(<usize>max(n, 1) << 3), n, bigEndian);
    for (let i = 0; i < n; i++) {
      const insn = unchecked(this.insns[n - 1 - i]);
      p.set(i, <u16>insn, <u8>(insn >> 16), <u8>(insn >> 24), <u32>(insn >> 32));
    }
    return p;
  }
}
