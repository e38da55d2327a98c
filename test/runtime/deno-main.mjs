// Deno entry: runs the smoke test and prints its JSON on one line.
import * as gf from '../../dist/index.js';
import { smoke } from './smoke.mjs';

console.log(JSON.stringify(await smoke(gf)));
