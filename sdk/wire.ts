// How values cross the worker boundary: errors keep their class and code, typed arrays move without copies.
import { transfer, transferHandlers } from 'comlink';
import { GaussfaceError, type ErrorCode } from './errors.js';


interface SerializedError {
  isError: boolean;
  value: unknown;
}

// Replaces comlink's "throw" handler, which drops everything but message/name/stack.
const base = transferHandlers.get('throw')!;
transferHandlers.set('throw', {
  canHandle: base.canHandle,
  serialize(thrown: any): [SerializedError, Transferable[]] {
    const v = thrown.value;
    if (!(v instanceof Error)) return [{ isError: false, value: v }, []];
    return [{ isError: true, value: { message: v.message, name: v.name, stack: v.stack, code: (v as GaussfaceError).code } }, []];
  },
  deserialize(s: SerializedError): never {
    if (!s.isError) throw s.value;
    const v = s.value as { message: string; name: string; stack?: string; code?: ErrorCode };
    const err = v.name === 'GaussfaceError' ? new GaussfaceError(v.message, v.code) : new Error(v.message);
    err.stack = v.stack;
    throw err;
  },
});

/** The distinct buffers of the typed arrays anywhere inside `value` (arrays and plain objects are searched). */
export function buffersIn(value: unknown): Set<ArrayBufferLike> {
  const buffers = new Set<ArrayBufferLike>();
  const walk = (v: unknown) => {
    if (ArrayBuffer.isView(v)) buffers.add(v.buffer);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(value);
  return buffers;
}

/**
 * Marks every typed-array buffer inside `value` for transfer (zero-copy back to the caller); a view of the
 * engine's own memory is a task bug and is refused rather than detaching the engine.
 */
export function transferable<T>(value: T, engineBuffer: ArrayBufferLike): T {
  const buffers = buffersIn(value);
  if (buffers.has(engineBuffer)) throw new GaussfaceError('a task returned a view of engine memory; return a copy', 'EWORKER');
  return buffers.size ? transfer(value, [...buffers] as ArrayBuffer[]) : value;
}
