// PyTorch's default Linear / Conv2d / ConvTranspose2d initialisation from given uniform draws.

/**
 * W[i] = U(−b, b) from u = U[i] in [0, 1) exactly as PyTorch's CPU uniform_ computes it: u·(b − (−b)) + (−b)
 * in f64 with the bounds in f32, b = 1/√fan_in. Both kaiming_uniform_(a=√5) weights and the biases use this
 * bound. fan_in is in·k·k for Linear (k = 1) and Conv2d, but out·k·k for ConvTranspose2d (PyTorch takes it from
 * the weight's second dimension). With PyTorch's own draws this reproduces its weights bit for bit. W may
 * alias U.
 */
export function init_fan_in_uniform(n: i32, fan_in: i32, U: usize, W: usize): void {
  const b = <f32>(1 / Math.sqrt(<f64>fan_in));
  const from = <f64>-b;
  const span = <f64>(b - -b);
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(W + o, <f32>(<f64>load<f32>(U + o) * span + from));
  }
}
