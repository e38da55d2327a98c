// The engine's ABI: the only file with exports. Numbers and byte offsets in, numbers out.
export { alloc, free } from "./mem";
export * from "./blas";
export * from "./mixture";
// simd.ts and rng.ts also export v128 helpers for other modules, so their ABI functions are named here.
export { vexp, vlog, logsumexp_rows, softmax_rows } from "./simd";
export * from "./linalg";
export { rng_uniform, rng_uniform64, rng_normal, rng_categorical, rng_philox } from "./rng";
