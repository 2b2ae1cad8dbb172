/**
 * Two models on the same held-out pairs: which pairs each aligns, and whether the difference is
 * more than chance. Only the pairs on which they disagree carry information about which is
 * better; under "equally good" each of them is as likely to favour either model, so the exact
 * two-sided sign (binomial) test on those pairs gives the p-value.
 */

export interface PairedComparison {
  count: number;
  both: number;
  /** Pairs only the first model aligns. */
  onlyFirst: number;
  /** Pairs only the second model aligns. */
  onlySecond: number;
  neither: number;
  /** Two-sided exact sign test over the onlyFirst + onlySecond pairs (1 when there are none). */
  signTestP: number;
}

/** ln C(n, k), summed in logs so that n in the thousands does not overflow. */
function logChoose(n: number, k: number): number {
  let s = 0;
  for (let i = 1; i <= k; i++) s += Math.log(n - k + i) - Math.log(i);
  return s;
}

/** P(X ≤ k) + P(X ≥ n − k) for X ~ Binomial(n, ½), k ≤ n / 2, capped at 1. */
function twoSidedSignTest(k: number, n: number): number {
  if (n === 0) return 1;
  const low = Math.min(k, n - k);
  let tail = 0;
  for (let i = 0; i <= low; i++) tail += Math.exp(logChoose(n, i) - n * Math.LN2);
  return Math.min(1, 2 * tail);
}

/** Success flags of two models, pair by pair (same order, same length). */
export function pairedComparison(first: readonly boolean[], second: readonly boolean[]): PairedComparison {
  if (first.length !== second.length) throw new Error(`paired comparison of ${first.length} against ${second.length} pairs`);
  const c = { count: first.length, both: 0, onlyFirst: 0, onlySecond: 0, neither: 0 };
  first.forEach((a, i) => {
    const b = second[i];
    if (a && b) c.both++;
    else if (a) c.onlyFirst++;
    else if (b) c.onlySecond++;
    else c.neither++;
  });
  return { ...c, signTestP: twoSidedSignTest(c.onlyFirst, c.onlyFirst + c.onlySecond) };
}
