// The command line (cli/**/*.mjs, // @ts-check) type-checks against the SDK's published declarations
// (npm run typecheck = tsc -p tsconfig.cli.json, after the build that npm test runs first), so that a changed SDK
// signature breaks the test suite and not a user's command.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

test('every CLI file is // @ts-check', () => {
  const files = ['cli', 'cli/commands'].flatMap((d) => readdirSync(join(root, d)).filter((f) => f.endsWith('.mjs')).map((f) => join(d, f)));
  const unchecked = files.filter((f) => !/^(#!.*\n)?\/\/ @ts-check\n/.test(readFileSync(join(root, f), 'utf8')));
  assert.equal(unchecked, [], 'files without // @ts-check on their first line (after a #! line)');
});

test('tsc -p tsconfig.cli.json reports no errors', () => {
  assert.ok(existsSync(join(root, 'dist/types/index.d.ts')), 'dist/types is built first (node scripts/build.mjs)');
  const r = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.cli.json'], { cwd: root, encoding: 'utf8', timeout: 120000 });
  assert.is(r.status, 0, `${r.stdout}${r.stderr}`);
});

test.run();
