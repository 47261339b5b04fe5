// What a syscall number leads to, once its arch is known: either a plain action, or a chain of
// conditional rules tried in order that falls through to a final action. Outcomes are interned
// by structure, so two ranges (or two arches) lead to the same code exactly when their ids match.
import { Cond, Rule } from "./policy";

export class Outcome {
  constructor(public rules: Rule[], public final: u32) {}

  get isPlain(): bool {
    return this.rules.length == 0;
  }
}

export class Outcomes {
  list: Outcome[] = [];

  get(id: i32): Outcome {
    return this.list[id];
  }

  plain(action: u32): i32 {
    return this.intern([], action);
  }

  /**
   * The id of the outcome "try `rules` (all conditional) in order, else `final`". `rules` may
   * be the caller's scratch list: a new outcome keeps a copy of it.
   */
  intern(rules: Rule[], final: u32): i32 {
    // A trailing rule that gives the final action anyway changes nothing.
    while (rules.length > 0 && rules[rules.length - 1].action == final) rules.pop();
    for (let i = 0; i < this.list.length; i++) {
      if (sameOutcome(this.list[i], rules, final)) return i;
    }
    this.list.push(new Outcome(rules.slice(), final));
    return this.list.length - 1;
  }
}

function sameOutcome(o: Outcome, rules: Rule[], final: u32): bool {
  if (o.final != final || o.rules.length != rules.length) return false;
  for (let r = 0; r < rules.length; r++) {
    const a = o.rules[r];
    const b = rules[r];
    if (a == b) continue;
    if (a.action != b.action || a.conds.length != b.conds.length) return false;
    for (let c = 0; c < a.conds.length; c++) {
      if (!sameCond(a.conds[c], b.conds[c])) return false;
    }
  }
  return true;
}

function sameCond(a: Cond, b: Cond): bool {
  return a.arg == b.arg && a.op == b.op && a.value == b.value && a.valueTwo == b.valueTwo && a.lowWord == b.lowWord;
}
