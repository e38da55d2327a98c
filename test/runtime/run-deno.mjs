// Runs the smoke test in Deno: the `deno` devDependency (never a deno on PATH), offline, with read access to
// the repository only. Returns the object smoke() returned there.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runProcess } from '../helpers/process.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = fileURLToPath(new URL('./deno-main.mjs', import.meta.url));

/**
 * The command that runs the `deno` package's own bin entry with this Node. Its launcher (bin.cjs) finds the
 * native binary whether or not npm ran the package's postinstall (which only links the binary into place).
 */
export function denoCommand() {
  const require = createRequire(import.meta.url);
  let pkgFile;
  try {
    pkgFile = require.resolve('deno/package.json');
  } catch {
    throw new Error('the deno devDependency is not installed: run `npm ci`');
  }
  const { bin } = JSON.parse(readFileSync(pkgFile, 'utf8'));
  const entry = typeof bin === 'string' ? bin : bin.deno;
  return [process.execPath, join(dirname(pkgFile), entry)];
}

/** `deno --version`'s first line, e.g. "deno 2.9.5 (stable, …)". */
export async function denoVersion() {
  return (await run(['--version'], 30000)).stdout.split('\n')[0].trim();
}

/** Runs test/runtime/deno-main.mjs in Deno and returns the parsed JSON line it prints. */
export async function runInDeno({ timeout = 30000 } = {}) {
  const args = ['run', '--cached-only', '--no-prompt', `--allow-read=${ROOT}`, '--allow-env', MAIN];
  const { stdout } = await run(args, timeout);
  const line = stdout.trim().split('\n').pop();
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`Deno printed no JSON result; its output:\n${stdout}`);
  }
}

/** Runs `deno <args>` (the devDependency), offline; resolves to its { stdout, stderr } when it exits with 0. */
export async function run(args, timeout) {
  const [cmd, ...pre] = denoCommand();
  const env = { ...process.env, DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1', NO_COLOR: '1' };
  const { code, signal, stdout, stderr } = await runProcess(cmd, [...pre, ...args], { cwd: ROOT, env, timeout });
  if (code !== 0) throw new Error(`deno ${args.join(' ')} exited with ${code ?? signal}:\n${stderr}${stdout}`);
  return { stdout, stderr };
}
