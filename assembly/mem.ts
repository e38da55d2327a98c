// Unmanaged buffers for the engine's ABI. The SDK owns every buffer it passes in; kernels never allocate.
// TLSF (the "minimal" runtime's heap) returns 16-byte aligned blocks, which v128 loads rely on.

/** Allocates `bytes` bytes (16-byte aligned); returns 0 when memory cannot grow. */
export function alloc(bytes: usize): usize {
  return heap.alloc(bytes);
}

/** Frees a block returned by `alloc`. */
export function free(ptr: usize): void {
  if (ptr != 0) heap.free(ptr);
}
