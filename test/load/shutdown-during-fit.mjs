// shutdown() in the middle of a fit on the default pool: the fit rejects promptly with a clear error (no hang),
// and the next fit starts a new default pool and gives the same bits as before.
import * as sdk from '../../dist/index.js';
import { check, fits, rejection, report, round, sameBits, timed } from './lib.mjs';

const { long, short } = await fits(sdk);
const before = await short();
const fit = long();
await new Promise((r) => setTimeout(r, 800));
const t0 = performance.now();
await sdk.shutdown();
const { err, ms } = await rejection(fit, t0);
check(err instanceof sdk.GaussfaceError, `not a GaussfaceError: ${err}`);
check(/pool (was )?closed|shutdown/.test(err.message), `the error does not say the pool was shut down: ${err.message}`);
const next = await timed(() => short());
check(sameBits(next.value, before), 'the fit after shutdown() differs from the same fit before it');
await sdk.shutdown();
report('shutdown() during a fit', { error: `${err.code}: ${err.message}`, rejectedAfterMs: round(ms), nextFitMs: round(next.ms), nextFitSameBits: true });
