// The Python anchors: Debian's /usr/bin/python3 with numpy, scikit-learn and PyTorch (installed with apt for
// benchmarking only, when missing), run with OpenBLAS free to choose its best kernel.
import { execFileSync, spawnSync } from 'node:child_process';

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
  return {
    ok: true,
    run(args) {
      const out = execFileSync(PY, ['bench/py/anchors.py', ...args], { env, maxBuffer: 1 << 26 }).toString();
      return JSON.parse(out.trim().split('\n').pop());
    },
  };
}
