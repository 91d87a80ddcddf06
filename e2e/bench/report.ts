import fs from "node:fs";

/**
 * Prints one figure as `HALFPENNY_BENCH {json}` and, when scripts/bench.sh
 * set HALFPENNY_BENCH_OUT, appends the JSON to that file (one per line).
 */
export function report(figure: Record<string, unknown>) {
  const line = JSON.stringify(figure);
  console.log(`HALFPENNY_BENCH ${line}`);
  const out = process.env.HALFPENNY_BENCH_OUT;
  if (out) fs.appendFileSync(out, `${line}\n`);
}

/** The value at quantile q (0..1) of sorted numbers, nearest rank. */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
