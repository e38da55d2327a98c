// 2-D convolution and transposed convolution (NCHW, PyTorch semantics, square kernel k, stride s, padding p,
// no dilation/groups/output_padding) through im2col / col2im and the engine's sgemm.
//
// Both layers join a high-resolution side (C channels, H × W) and a low-resolution side (F channels, Ho × Wo,
// Ho = (H + 2p − k)/s + 1) by the same F × C·k·k weight matrix Wm: Conv2d's weight (cout=F, cin=C, k, k) and
// ConvTranspose2d's weight (cin=F, cout=C, k, k) are both that matrix. So three products do all the work:
//   lower:  low  = Wm · im2col(high)          (conv forward, transposed-conv backward-data)
//   raise:  high = col2im(Wmᵀ · low)          (conv backward-data, transposed-conv forward)
//   wgrad:  dWm += low · im2col(high)ᵀ        (both weight gradients)
// Images are processed in groups of g so that every product has at least GROUP_COLS columns (deep layers have
// tiny feature maps): the group's low-side maps are gathered into one F × g·Ho·Wo matrix, whose column
// i·Ho·Wo + pixel is image i's pixel. With g = 1 the image itself is that matrix and nothing is copied.
// Geometry is not validated here: callers guarantee Ho, Wo ≥ 1 (the SDK checks shapes before calling).
import { gemm } from "../blas";
import { add_f64, hsum_f64 } from "./lanes";

const GROUP_COLS = 256;

/** Output size of a convolution along one axis (floor division, as PyTorch). */
// @ts-ignore: decorator
@inline function conv_out(n: i32, k: i32, s: i32, p: i32): i32 {
  return (n + 2 * p - k) / s + 1;
}

/** Output size of a transposed convolution along one axis (output_padding 0). */
// @ts-ignore: decorator
@inline function conv_transpose_out(n: i32, k: i32, s: i32, p: i32): i32 {
  return (n - 1) * s - 2 * p + k;
}

/** Images per group for a low side of hw pixels per image. */
function group_size(batch: i32, hw: i32): i32 {
  return min(batch, max(1, (GROUP_COLS + hw - 1) / hw));
}

/** Bytes of the im2col buffer (C·k·k × g·hw f32, padded to 16 bytes), where the gather buffer starts. */
function col_bytes(ckk: i32, g: i32, hw: i32): usize {
  return ((<usize>ckk * <usize>g * <usize>hw + 3) & ~(<usize>3)) << 2;
}

function workspace_bytes(batch: i32, ckk: i32, f: i32, hw: i32): f64 {
  const g = group_size(batch, hw);
  const gather = g > 1 ? <f64>f * <f64>g * <f64>hw * 4 : 0;
  return <f64>col_bytes(ckk, g, hw) + gather;
}

/** First output index o ≥ 0 whose input index o·s + d is ≥ 0. */
// @ts-ignore: decorator
@inline function first_valid(d: i32, s: i32): i32 {
  return d >= 0 ? 0 : (s - 1 - d) / s;
}

/** One past the last output index o < no whose input index o·s + d is < n (never below lo). */
// @ts-ignore: decorator
@inline function end_valid(d: i32, s: i32, n: i32, no: i32, lo: i32): i32 {
  const t = n - 1 - d;
  return t < 0 ? lo : max(lo, min(no, t / s + 1));
}

/** dst[0..n) = 0 for the few-element edges of im2col rows (a memory.fill call costs more than the loop). */
// @ts-ignore: decorator
@inline function zero(dst: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f32>(dst + (<usize>i << 2), 0);
}

/**
 * dst[ox] = src[ox·s + dx] for ox in [x0, x1), all inside the source row of w values. Strides 1 and 2 (the
 * VAE's k4 s2) run 4 outputs per step: a 2-register load + even-lane shuffle for s = 2, kept inside the row.
 */
// @ts-ignore: decorator
@inline function gather_row(dst: usize, src: usize, x0: i32, x1: i32, s: i32, dx: i32, w: i32): void {
  let ox = x0;
  if (s == 1) {
    for (; ox + 4 <= x1; ox += 4) v128.store(dst + (<usize>ox << 2), v128.load(src + (<usize>(ox + dx) << 2)));
  } else if (s == 2) {
    for (; ox + 4 <= x1 && 2 * ox + dx + 8 <= w; ox += 4) {
      const p = src + (<usize>(2 * ox + dx) << 2);
      v128.store(dst + (<usize>ox << 2), v128.shuffle<f32>(v128.load(p), v128.load(p, 16), 0, 2, 4, 6));
    }
  }
  for (; ox < x1; ox++) store<f32>(dst + (<usize>ox << 2), load<f32>(src + (<usize>(ox * s + dx) << 2)));
}

/**
 * The adjoint of gather_row: dst[ox·s + dx] += src[ox]. For s = 2 the odd lanes in between get + 0, which
 * leaves them unchanged (up to the sign of a zero).
 */
// @ts-ignore: decorator
@inline function scatter_add_row(src: usize, dst: usize, x0: i32, x1: i32, s: i32, dx: i32, w: i32): void {
  let ox = x0;
  if (s == 1) {
    for (; ox + 4 <= x1; ox += 4) {
      const q = dst + (<usize>(ox + dx) << 2);
      v128.store(q, f32x4.add(v128.load(q), v128.load(src + (<usize>ox << 2))));
    }
  } else if (s == 2) {
    const z = f32x4.splat(0);
    for (; ox + 4 <= x1 && 2 * ox + dx + 8 <= w; ox += 4) {
      const q = dst + (<usize>(2 * ox + dx) << 2);
      const c = v128.load(src + (<usize>ox << 2));
      v128.store(q, f32x4.add(v128.load(q), v128.shuffle<f32>(c, z, 0, 4, 1, 4)));
      v128.store(q, f32x4.add(v128.load(q, 16), v128.shuffle<f32>(c, z, 2, 4, 3, 4)), 16);
    }
  }
  for (; ox < x1; ox++) {
    const q = dst + (<usize>(ox * s + dx) << 2);
    store<f32>(q, load<f32>(q) + load<f32>(src + (<usize>ox << 2)));
  }
}

/**
 * col[(c·k + ki)·k + kj, oy·Wo + ox] = x[c, oy·s + ki − p, ox·s + kj − p] (0 outside the image) for one
 * C × H × W image; col has row stride ldc.
 */
function im2col(
  C: i32, H: i32, W: i32, k: i32, s: i32, p: i32, Ho: i32, Wo: i32, x: usize, col: usize, ldc: i32,
): void {
  const rowBytes = <usize>Wo << 2;
  for (let c = 0; c < C; c++) {
    const xc = x + ((<usize>c * <usize>H * <usize>W) << 2);
    for (let ki = 0; ki < k; ki++) {
      const dy = ki - p;
      const y0 = min(Ho, first_valid(dy, s));
      const y1 = end_valid(dy, s, H, Ho, y0);
      for (let kj = 0; kj < k; kj++) {
        const dx = kj - p;
        const x0 = min(Wo, first_valid(dx, s));
        const x1 = end_valid(dx, s, W, Wo, x0);
        const row = col + ((<usize>((c * k + ki) * k + kj) * <usize>ldc) << 2);
        zero(row, y0 * Wo);
        for (let oy = y0; oy < y1; oy++) {
          const dst = row + <usize>oy * rowBytes;
          const src = xc + ((<usize>(oy * s + dy) * <usize>W) << 2);
          zero(dst, x0);
          gather_row(dst, src, x0, x1, s, dx, W);
          zero(dst + (<usize>x1 << 2), Wo - x1);
        }
        zero(row + <usize>y1 * rowBytes, (Ho - y1) * Wo);
      }
    }
  }
}

/** The adjoint of im2col: x[c, oy·s + ki − p, ox·s + kj − p] += col[(c·k + ki)·k + kj, oy·Wo + ox]. */
function col2im(
  C: i32, H: i32, W: i32, k: i32, s: i32, p: i32, Ho: i32, Wo: i32, col: usize, ldc: i32, x: usize,
): void {
  for (let c = 0; c < C; c++) {
    const xc = x + ((<usize>c * <usize>H * <usize>W) << 2);
    for (let ki = 0; ki < k; ki++) {
      const dy = ki - p;
      const y0 = min(Ho, first_valid(dy, s));
      const y1 = end_valid(dy, s, H, Ho, y0);
      for (let kj = 0; kj < k; kj++) {
        const dx = kj - p;
        const x0 = min(Wo, first_valid(dx, s));
        const x1 = end_valid(dx, s, W, Wo, x0);
        const row = col + ((<usize>((c * k + ki) * k + kj) * <usize>ldc) << 2);
        for (let oy = y0; oy < y1; oy++) {
          const src = row + ((<usize>oy * <usize>Wo) << 2);
          const dst = xc + ((<usize>(oy * s + dy) * <usize>W) << 2);
          scatter_add_row(src, dst, x0, x1, s, dx, W);
        }
      }
    }
  }
}

/** im2col of images 0..gn−1 (each C × H × W, consecutive from x) side by side: image i at column i·Ho·Wo. */
function im2col_group(
  gn: i32, C: i32, H: i32, W: i32, k: i32, s: i32, p: i32, Ho: i32, Wo: i32, x: usize, col: usize,
): void {
  const hw = Ho * Wo;
  for (let i = 0; i < gn; i++) {
    im2col(C, H, W, k, s, p, Ho, Wo, x + ((<usize>i * <usize>C * <usize>H * <usize>W) << 2),
      col + ((<usize>i * <usize>hw) << 2), gn * hw);
  }
}

/** Group matrix (F × gn·hw) of gn consecutive F × hw maps; the maps themselves when gn = 1. */
function gather(f: i32, gn: i32, hw: i32, src: usize, tmp: usize): usize {
  if (gn == 1) return src;
  const bytes = <usize>hw << 2;
  for (let c = 0; c < f; c++) {
    for (let i = 0; i < gn; i++) {
      memory.copy(tmp + (<usize>(c * gn + i) * bytes), src + (<usize>(i * f + c) * bytes), bytes);
    }
  }
  return tmp;
}

/**
 * dst image i, channel c = src[c, i·hw ..] + b[c] (no bias when b = 0): the inverse of gather plus the bias.
 * src may be dst itself when gn = 1.
 */
function scatter(f: i32, gn: i32, hw: i32, src: usize, dst: usize, b: usize): void {
  const hw4 = hw & ~3;
  for (let c = 0; c < f; c++) {
    const bias: f32 = b != 0 ? load<f32>(b + (<usize>c << 2)) : 0;
    const bv = f32x4.splat(bias);
    for (let i = 0; i < gn; i++) {
      const s = src + ((<usize>(c * gn + i) * <usize>hw) << 2);
      const d = dst + ((<usize>(i * f + c) * <usize>hw) << 2);
      let j = 0;
      for (; j < hw4; j += 4) {
        const o = <usize>j << 2;
        v128.store(d + o, f32x4.add(v128.load(s + o), bv));
      }
      for (; j < hw; j++) {
        const o = <usize>j << 2;
        store<f32>(d + o, load<f32>(s + o) + bias);
      }
    }
  }
}

/** Every plane c of a C × hw image set to b[c] (0 when b = 0). */
function fill_planes(C: i32, hw: i32, b: usize, x: usize): void {
  for (let c = 0; c < C; c++) {
    const v: f32 = b != 0 ? load<f32>(b + (<usize>c << 2)) : 0;
    const plane = x + ((<usize>c * <usize>hw) << 2);
    if (v == 0) memory.fill(plane, 0, <usize>hw << 2);
    else for (let j = 0; j < hw; j++) store<f32>(plane + (<usize>j << 2), v);
  }
}

/** db[c] += Σ over images and pixels of dY[n, c, ·] (batch × C × hw), summed in f64. */
function add_channel_sums(batch: i32, C: i32, hw: i32, dY: usize, db: usize): void {
  const hw4 = hw & ~3;
  for (let c = 0; c < C; c++) {
    let acc = f64x2.splat(0);
    let tail: f64 = 0;
    for (let n = 0; n < batch; n++) {
      const plane = dY + ((<usize>(n * C + c) * <usize>hw) << 2);
      let j = 0;
      for (; j < hw4; j += 4) acc = add_f64(acc, v128.load(plane + (<usize>j << 2)));
      for (; j < hw; j++) tail += <f64>load<f32>(plane + (<usize>j << 2));
    }
    const q = db + (<usize>c << 2);
    store<f32>(q, <f32>(<f64>load<f32>(q) + hsum_f64(acc) + tail));
  }
}

/** Workspace bytes (f64) for conv2d_forward / conv2d_backward on up to `batch` images of this geometry. */
export function conv2d_workspace(batch: i32, cin: i32, h: i32, w: i32, cout: i32, k: i32, stride: i32, pad: i32): f64 {
  return workspace_bytes(batch, cin * k * k, cout, conv_out(h, k, stride, pad) * conv_out(w, k, stride, pad));
}

/**
 * Conv2d forward: Y = conv(X, Wt) + b. X: batch × cin × h × w, Wt: cout × cin × k × k, b: cout (or 0 for no
 * bias), Y: batch × cout × ho × wo with ho = (h + 2·pad − k)/stride + 1 (floor). work: conv2d_workspace bytes.
 */
export function conv2d_forward(
  batch: i32, cin: i32, h: i32, w: i32, cout: i32, k: i32, stride: i32, pad: i32,
  X: usize, Wt: usize, b: usize, Y: usize, work: usize,
): void {
  const ho = conv_out(h, k, stride, pad);
  const wo = conv_out(w, k, stride, pad);
  const hw = ho * wo;
  const ckk = cin * k * k;
  const g = group_size(batch, hw);
  const tmp = work + col_bytes(ckk, g, hw);
  for (let n0 = 0; n0 < batch; n0 += g) {
    const gn = min(g, batch - n0);
    const ncol = gn * hw;
    const y = Y + ((<usize>n0 * <usize>cout * <usize>hw) << 2);
    const out = gn == 1 ? y : tmp;
    im2col_group(gn, cin, h, w, k, stride, pad, ho, wo, X + ((<usize>n0 * <usize>cin * <usize>h * <usize>w) << 2), work);
    gemm(0, 0, cout, ncol, ckk, 1, Wt, ckk, work, ncol, 0, out, ncol);
    if (gn > 1 || b != 0) scatter(cout, gn, hw, out, y, b);
  }
}

/**
 * Conv2d backward: dX = ∂/∂X (skipped when dX = 0), dW += ∂/∂Wt, db += ∂/∂b (skipped when db = 0), given dY
 * (batch × cout × ho × wo) and the forward's X and Wt. dW and db accumulate; dX is overwritten.
 */
export function conv2d_backward(
  batch: i32, cin: i32, h: i32, w: i32, cout: i32, k: i32, stride: i32, pad: i32,
  X: usize, Wt: usize, dY: usize, dX: usize, dW: usize, db: usize, work: usize,
): void {
  const ho = conv_out(h, k, stride, pad);
  const wo = conv_out(w, k, stride, pad);
  const hw = ho * wo;
  const hwIn = h * w;
  const ckk = cin * k * k;
  const g = group_size(batch, hw);
  const tmp = work + col_bytes(ckk, g, hw);
  for (let n0 = 0; n0 < batch; n0 += g) {
    const gn = min(g, batch - n0);
    const ncol = gn * hw;
    const x = X + ((<usize>n0 * <usize>cin * <usize>hwIn) << 2);
    const dyg = gather(cout, gn, hw, dY + ((<usize>n0 * <usize>cout * <usize>hw) << 2), tmp);
    im2col_group(gn, cin, h, w, k, stride, pad, ho, wo, x, work);
    gemm(0, 1, cout, ckk, ncol, 1, dyg, ncol, work, ncol, 1, dW, ckk);
    if (dX == 0) continue;
    gemm(1, 0, ckk, ncol, cout, 1, Wt, ckk, dyg, ncol, 0, work, ncol);
    const dx = dX + ((<usize>n0 * <usize>cin * <usize>hwIn) << 2);
    memory.fill(dx, 0, (<usize>gn * <usize>cin * <usize>hwIn) << 2);
    for (let i = 0; i < gn; i++) {
      col2im(cin, h, w, k, stride, pad, ho, wo, work + ((<usize>i * <usize>hw) << 2), ncol,
        dx + ((<usize>i * <usize>cin * <usize>hwIn) << 2));
    }
  }
  if (db != 0) add_channel_sums(batch, cout, hw, dY, db);
}

/** Workspace bytes (f64) for conv_transpose2d_forward / _backward on up to `batch` images of this geometry. */
export function conv_transpose2d_workspace(
  batch: i32, cin: i32, h: i32, w: i32, cout: i32, k: i32, stride: i32, pad: i32,
): f64 {
  return workspace_bytes(batch, cout * k * k, cin, h * w);
}

/**
 * ConvTranspose2d forward: X: batch × cin × h × w, Wt: cin × cout × k × k (PyTorch's layout), b: cout (or 0),
 * Y: batch × cout × ho × wo with ho = (h − 1)·stride − 2·pad + k (k4 s2 p1 doubles the size).
 * work: conv_transpose2d_workspace bytes.
 */
export function conv_transpose2d_forward(
  batch: i32, cin: i32, h: i32, w: i32, cout: i32, k: i32, stride: i32, pad: i32,
  X: usize, Wt: usize, b: usize, Y: usize, work: usize,
): void {
  const ho = conv_transpose_out(h, k, stride, pad);
  const wo = conv_transpose_out(w, k, stride, pad);
  const hwOut = ho * wo;
  const hw = h * w;
  const ckk = cout * k * k;
  const g = group_size(batch, hw);
  const tmp = work + col_bytes(ckk, g, hw);
  for (let n0 = 0; n0 < batch; n0 += g) {
    const gn = min(g, batch - n0);
    const ncol = gn * hw;
    const xg = gather(cin, gn, hw, X + ((<usize>n0 * <usize>cin * <usize>hw) << 2), tmp);
    gemm(1, 0, ckk, ncol, cin, 1, Wt, ckk, xg, ncol, 0, work, ncol);
    for (let i = 0; i < gn; i++) {
      const y = Y + ((<usize>(n0 + i) * <usize>cout * <usize>hwOut) << 2);
      fill_planes(cout, hwOut, b, y);
      col2im(cout, ho, wo, k, stride, pad, h, w, work + ((<usize>i * <usize>hw) << 2), ncol, y);
    }
  }
}

/**
 * ConvTranspose2d backward: dX = ∂/∂X (skipped when dX = 0), dW += ∂/∂Wt, db += ∂/∂b (skipped when db = 0),
 * given dY (batch × cout × ho × wo) and the forward's X and Wt. dW and db accumulate; dX is overwritten.
 */
export function conv_transpose2d_backward(
  batch: i32, cin: i32, h: i32, w: i32, cout: i32, k: i32, stride: i32, pad: i32,
  X: usize, Wt: usize, dY: usize, dX: usize, dW: usize, db: usize, work: usize,
): void {
  const ho = conv_transpose_out(h, k, stride, pad);
  const wo = conv_transpose_out(w, k, stride, pad);
  const hwOut = ho * wo;
  const hw = h * w;
  const ckk = cout * k * k;
  const g = group_size(batch, hw);
  const tmp = work + col_bytes(ckk, g, hw);
  for (let n0 = 0; n0 < batch; n0 += g) {
    const gn = min(g, batch - n0);
    const ncol = gn * hw;
    im2col_group(gn, cout, ho, wo, k, stride, pad, h, w, dY + ((<usize>n0 * <usize>cout * <usize>hwOut) << 2), work);
    const xg = gather(cin, gn, hw, X + ((<usize>n0 * <usize>cin * <usize>hw) << 2), tmp);
    gemm(0, 1, cin, ckk, ncol, 1, xg, ncol, work, ncol, 1, dW, ckk);
    if (dX == 0) continue;
    const dx = dX + ((<usize>n0 * <usize>cin * <usize>hw) << 2);
    const out = gn == 1 ? dx : tmp;
    gemm(0, 0, cin, ncol, ckk, 1, Wt, ckk, work, ncol, 0, out, ncol);
    if (gn > 1) scatter(cin, gn, hw, out, dx, 0);
  }
  if (db != 0) add_channel_sums(batch, cout, hwOut, dY, db);
}
