// A child process with its output collected and a deadline: on timeout its whole process group is killed (a
// launcher and what it started, e.g. deno's bin.cjs and deno) and the promise rejects.
import { spawn } from 'node:child_process';

/** Runs `cmd args`; resolves to { code, signal, stdout, stderr } whatever the exit code. */
export function runProcess(cmd, args, { cwd, env = process.env, timeout = 120000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
      reject(new Error(`${cmd} ${args.join(' ')} did not finish within ${timeout / 1000} s\n${stderr}`));
    }, timeout);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
