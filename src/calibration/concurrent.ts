// Deviance evaluations in flight at once. A calibration step that needs several evaluations whose points do
// not depend on each other's values (a simplex's vertices, a Hessian's stencil, profile points of different
// drugs, posterior proposals) starts them together: on W workers one evaluation at a time leaves them
// waiting on the main thread and on each other between evaluations. Every deviance is a fixed function of
// its point (common random numbers; counts are whole numbers), so the values, and every result, are the
// same whatever the order in which evaluations finish and on any number of workers.

/** Evaluations in flight: 2 a worker on 2 workers (each evaluation is one task a worker), so the next is queued. */
export const EVALUATIONS_IN_FLIGHT = 4;

/**
 * `fn` on every item, at most `limit` calls in flight, the values in item order. `onDone` is told how many
 * have finished after each one (progress). After a rejection no further call starts, and the error is
 * thrown once the calls in flight settle (none is left running or unobserved).
 */
export async function mapConcurrent<T, R>(
  items: readonly T[], fn: (item: T, index: number) => Promise<R>, limit = EVALUATIONS_IN_FLIGHT, onDone?: (done: number) => void,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let done = 0;
  let failed = false;
  const lane = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i], i);
      } catch (e) {
        failed = true;
        throw e;
      }
      onDone?.(++done);
    }
  };
  const lanes = await Promise.allSettled(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  const rejected = lanes.find((l): l is PromiseRejectedResult => l.status === 'rejected');
  if (rejected) throw rejected.reason;
  return out;
}
