// `npm run test:load`: every fault-under-load scenario in its own process, one after another (they measure time
// and memory, so never two at once), then a summary. `node test/load/run.mjs many-fits abort` runs a selection.
// Exit code 1 if any scenario failed. The figures go into RELIABILITY.md.
import { spawnSync } from 'node:child_process';
import { ROOT } from './lib.mjs';

const SCENARIOS = ['concurrent-fits', 'cli-processes', 'many-fits', 'abort-then-fit', 'shutdown-during-fit', 'worker-killed'];
const pick = process.argv.slice(2);
const chosen = pick.length ? SCENARIOS.filter((s) => pick.some((p) => s.includes(p))) : SCENARIOS;
let failed = 0;
for (const name of chosen) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [`test/load/${name}.mjs`], { cwd: ROOT, encoding: 'utf8', timeout: 30 * 60 * 1000 });
  const seconds = ((performance.now() - t0) / 1000).toFixed(0);
  const line = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (r.status === 0 && line) console.log(`ok    ${name} (${seconds} s) ${line}`);
  else {
    failed++;
    console.log(`FAIL  ${name} (${seconds} s, exit ${r.status ?? r.signal})\n${r.stderr}${r.stdout}`);
  }
}
console.log(`\n${chosen.length - failed} of ${chosen.length} load scenarios passed`);
process.exitCode = failed ? 1 : 0;
