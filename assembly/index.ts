// The engine's ABI: the only file with exports. Numbers and byte offsets in, numbers out.
export { alloc, free } from "./mem";
// blas.ts also shares its packing and micro-kernel with other modules, so its ABI functions are named here.
export { gemm, syrk, symmetrize_lower, gemv, dot, sumsq, sum, axpy, scale, copy, first_nonfinite } from "./blas";
export * from "./mixture";
export * from "./mfa";
// simd.ts and rng.ts also export v128 helpers for other modules, so their ABI functions are named here.
export { vexp, vlog, logsumexp_rows, softmax_rows } from "./simd";
export * from "./linalg";
export * from "./kmeans";
export * from "./pca";
export { rng_uniform, rng_uniform64, rng_normal, rng_categorical, rng_philox } from "./rng";
export * from "./nn/index";
