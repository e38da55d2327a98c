// Dense linear-algebra tasks over resident row chunks.
import type { TaskContext } from '../executor.js';
import { defineTask } from './define.js';

export interface GemmParams {
  /** Right operand, row-major k × n. */
  b: Float32Array;
  k: number;
  n: number;
  /** Keep the products resident as this dataset id instead of returning them. */
  into?: number;
}

/** C_chunk = A_chunk · B for every chunk; B is copied into the engine once per call. */
const gemm = ({ engine, chunks, keep }: TaskContext, p: GemmParams) =>
  engine.scoped((take) => {
    const bPtr = take(p.b.length * 4);
    engine.f32(bPtr, p.b.length).set(p.b);
    const maxRows = Math.max(0, ...chunks.map((c) => c.rows));
    const cPtr = take(maxRows * p.n * 4);
    return chunks.map((c) => {
      // Kept results are written straight into their resident buffer; returned ones go through one copy.
      const dst = p.into === undefined ? cPtr : keep(p.into, c, p.n);
      engine.call('gemm', 0, 0, c.rows, p.n, p.k, 1, c.ptr, p.k, bPtr, p.n, 0, dst, p.n);
      return p.into === undefined ? engine.f32(cPtr, c.rows * p.n).slice() : null; // null: kept, see `into`
    });
  });

export const linalgTasks = {
  gemm: defineTask('gemm', gemm),
};
