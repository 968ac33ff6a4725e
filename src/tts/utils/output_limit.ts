/**
 * A bound on what one inference call may produce, checked on the predicted durations before the alignment
 * and the decoder allocate anything: a huge `lengthScale` (or a model gone wrong) is refused in microseconds
 * instead of growing the process by gigabytes.
 */
import type { Tensor } from '../../torch/index.ts';

/** An inference call would produce more output frames than its `maxFrames` allows. */
export class OutputLimitError extends RangeError {
  override name = 'OutputLimitError';
  constructor(
    /** Frames the call would produce (Infinity when the durations overflowed or are NaN). */
    readonly frames: number,
    readonly maxFrames: number,
  ) {
    super(
      `the output would be ${Number.isFinite(frames) ? Math.round(frames) : 'unboundedly many'} frames, over the limit of ${maxFrames}`,
    );
  }
}

/**
 * Throws {@link OutputLimitError} when any item of `frames` (`[B]`, float: frames per item, before any
 * integer cast) exceeds `maxFrames`, or is not finite. No-op when `maxFrames` is undefined.
 */
export function checkOutputFrames(frames: Tensor, maxFrames: number | undefined): void {
  if (maxFrames === undefined) return;
  const worst = frames.double().max().item();
  if (!(worst <= maxFrames)) throw new OutputLimitError(Number.isFinite(worst) ? worst : Infinity, maxFrames);
}
