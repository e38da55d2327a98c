// Running the gaussface command in a test: a spawn in a scratch folder, and its --json output parsed.
import { spawnSync } from 'node:child_process';
import * as assert from 'uvu/assert';

const CLI = new URL('../../cli/gaussface.mjs', import.meta.url).pathname;

/** A function running `gaussface ...args` in `dir` (under Node flags such as ['--expose-gc']): { code, out, err }. */
export const cliIn = (dir, nodeFlags = []) => (...args) => {
  const r = spawnSync(process.execPath, [...nodeFlags, CLI, ...args], { cwd: dir, encoding: 'utf8', timeout: 120000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

/** The parsed --json output of a run that must have succeeded. */
export const json = (r) => {
  assert.is(r.code, 0, r.err);
  return JSON.parse(r.out);
};
