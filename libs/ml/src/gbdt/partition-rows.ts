/**
 * Stable partition of positions `from..to` of `rows` and of their gradients
 * `grad`/`hess`: the rows whose bin in `column` goes left (`binGoesLeft[bin]`
 * is 1) are packed from `from` on, in order; the others are copied, in order,
 * to the same positions `from…` of the spill arrays. Returns how many went left.
 *
 * The histogram worker runs this very function from its source text, so it
 * must not refer to anything outside itself.
 */
export function partitionRange(
  rows: Uint32Array,
  grad: Float64Array,
  hess: Float64Array,
  column: Uint8Array,
  binGoesLeft: Uint8Array,
  from: number,
  to: number,
  spillRows: Uint32Array,
  spillGrad: Float64Array,
  spillHess: Float64Array,
): number {
  let write = from;
  let spilled = from;
  // Branch-free: each row is written to both places and only one cursor moves, as a branch on
  // a split's side is mispredicted about half the time.
  for (let i = from; i < to; i++) {
    const r = rows[i] as number;
    const g = grad[i] as number;
    const h = hess[i] as number;
    const left = binGoesLeft[column[r] as number] as number;
    rows[write] = r;
    grad[write] = g;
    hess[write] = h;
    spillRows[spilled] = r;
    spillGrad[spilled] = g;
    spillHess[spilled] = h;
    write += left;
    spilled += 1 - left;
  }
  return write - from;
}
