// The Python anchors: Debian's /usr/bin/python3 with numpy, scikit-learn and PyTorch (installed with apt for
// benchmarking only, when missing), run with OpenBLAS free to choose its best kernel.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

const PY = '/usr/bin/python3';
const PACKAGES = ['python3-numpy', 'python3-sklearn', 'python3-threadpoolctl', 'python3-pil', 'python3-torch'];

const importable = () => spawnSync(PY, ['-c', 'import numpy, sklearn, threadpoolctl, PIL, torch'], { stdio: 'ignore' }).status === 0;

/** Makes sure the anchors can run; returns { ok, reason, run(args) → parsed JSON }. */
export async function ensurePython() {
  if (!importable()) {
    process.stderr.write(`bench: installing ${PACKAGES.join(' ')} with apt (anchors only)…\n`);
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    spawnSync('apt-get', ['install', '-y', '-qq', '-o', 'DPkg::Lock::Timeout=600', ...PACKAGES], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
  if (!importable()) return { ok: false, reason: `${PY} with ${PACKAGES.join(', ')} could not be installed`, run: () => null };
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const note = bestKernel(env);
  return {
    ok: true,
    note,
    run(args) {
      const out = execFileSync(PY, ['bench/py/anchors.py', ...args], { env, maxBuffer: 1 << 26 }).toString();
      return JSON.parse(out.trim().split('\n').pop());
    },
  };
}

const ARCH = 'import json, numpy, threadpoolctl; print(json.dumps([d.get("architecture") for d in threadpoolctl.threadpool_info() if d.get("internal_api") == "openblas"]))';

/**
 * OpenBLAS picks its kernel from the CPU model; a core newer than its release (0.3.21 does not know Intel family 6
 * model 207, Emerald Rapids) gets the generic Prescott (SSE3) kernel, 2–4× slower than the one the core can run.
 * Then the anchors are given the best kernel the core's flags allow, so they are not handicapped; says which.
 */
function bestKernel(env) {
  const arch = JSON.parse(execFileSync(PY, ['-c', ARCH], { env }).toString())[0];
  if (!arch || arch !== 'Prescott') return `OpenBLAS's own choice: ${arch ?? 'no OpenBLAS'}`;
  const flags = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const best = /\bavx512_bf16\b/.test(flags) ? 'Cooperlake' : /\bavx512f\b/.test(flags) ? 'SkylakeX' : /\bavx2\b/.test(flags) ? 'Haswell' : undefined;
  if (!best) return `OpenBLAS's own choice: ${arch}`;
  env.OPENBLAS_CORETYPE = best;
  return `OpenBLAS does not recognise this core and would fall back to its ${arch} (SSE3) kernel, so the anchors run with \`OPENBLAS_CORETYPE=${best}\`, the best kernel the core supports`;
}
