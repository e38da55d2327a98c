// An AbortSignal fired in the middle of a fit on the default pool: the fit rejects promptly with EABORT, and a new
// fit on the same pool right after gives the same bits as before the abort.
import * as sdk from '../../dist/index.js';
import { check, fits, rejection, report, round, sameBits, timed } from './lib.mjs';

const { long, short } = await fits(sdk);
const before = await short();
const ac = new AbortController();
const fit = long({ signal: ac.signal });
await new Promise((r) => setTimeout(r, 800)); // well into the EM iterations
const t0 = performance.now();
ac.abort();
const { err, ms } = await rejection(fit, t0);
check(err.code === 'EABORT', `expected EABORT, got ${err.code}: ${err.message}`);
const next = await timed(() => short());
check(sameBits(next.value, before), 'the fit after the abort differs from the same fit before it');
await sdk.shutdown();
report('AbortSignal mid-fit, then a new fit on the same pool', {
  error: `${err.code}: ${err.message}`, rejectedAfterMs: round(ms), nextFitMs: round(next.ms), nextFitSameBits: true,
});
