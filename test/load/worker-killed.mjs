// A worker killed in the middle of a fit, two ways, on a pool of 2 workers: (1) terminated from outside (the
// pool's test hook `restart`, as when a thread is killed), (2) dying of an uncaught error thrown inside it (the
// fault-injection task `debug.crash`, sent between two EM steps). A call in flight on the dying worker rejects
// promptly with an EWORKER error naming it; a worker lost between two calls is restarted and given back the
// fit's rows (and the rows read next to them), and the fit ends with the same bits as without the kill. Either
// way the next fit on the same pool gives the same bits as before.
import * as sdk from '../../dist/index.js';
import { check, fits, outcome, report, round, sameBits, timed } from './lib.mjs';

const pool = await sdk.Pool.create({ workers: 2 });
const { long, short } = await fits(sdk);
const before = await short({ pool });
const reference = await timed(() => long({ pool }));
const figures = { uninterruptedFitS: round(reference.ms / 1000, 1) };
for (const [how, kill] of [
  ['terminated', () => pool.restart(1)],
  ['uncaught error', () => pool.broadcast(sdk.tasks.debug.crash, {}).catch(() => {})],
]) {
  for (const delay of [700, 3000]) {
    const fit = long({ pool });
    await new Promise((r) => setTimeout(r, delay));
    const t0 = performance.now();
    kill();
    const { err, value, ms } = await outcome(fit, t0);
    if (err) check(err instanceof sdk.GaussfaceError && err.code === 'EWORKER' && /^worker \d (was restarted|died)/.test(err.message), `${how}: unclear error ${err.code}: ${err.message}`);
    else check(sameBits(value, reference.value), `${how}: the fit survived the kill but its result differs`);
    await new Promise((r) => setTimeout(r, 100)); // a crash lands after its task returned
    const next = await timed(() => short({ pool }));
    check(sameBits(next.value, before), `${how}: the fit after the kill differs from the same fit before it`);
    figures[`${how}, after ${delay} ms`] = err
      ? { rejected: `${err.code}: ${err.message}`, afterMs: round(ms), nextFitMs: round(next.ms), nextFitSameBits: true }
      : { completed: 'same bits as uninterrupted', afterMs: round(ms), nextFitMs: round(next.ms), nextFitSameBits: true };
  }
}
pool.close();
report('a worker killed mid-fit', figures);
