// One fit at a time per model object. Two fits of one object at once would both write its parameters (and a
// VAE's weights in engine memory) as their steps interleave, leaving a model that neither call produced.
import { GaussfaceError } from './errors.js';

const running = new WeakMap<object, string>();

/**
 * Runs `fn` as the only fitting call in flight on `model` (`call` names it, e.g. 'fit'); another one started
 * before it settles rejects at once with code EBUSY, naming both.
 */
export async function exclusive<T>(model: object, call: string, fn: () => Promise<T>): Promise<T> {
  const other = running.get(model);
  const name = model.constructor.name;
  if (other !== undefined)
    throw new GaussfaceError(
      `${name}.${call}() was called while ${other}() is still running on the same object: await the first call ` +
        `before starting another, or use a second ${name} for a fit in parallel`,
      'EBUSY',
    );
  running.set(model, call);
  try {
    return await fn();
  } finally {
    running.delete(model);
  }
}
