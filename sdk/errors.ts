/**
 * Every error code gaussface raises on purpose, for programs to branch on:
 * - `EINPUT` a bad argument or input value; `ESHAPE` arrays whose sizes disagree; `EFORMAT` a file that is not
 *   what it claims (truncated, hostile, wrong format or version);
 * - `ECOLLAPSE` a mixture component lost its covariance; `ENOTPD` a matrix that should be positive definite is not;
 * - `ENOMEM` the engine ran out of memory; `ETRAP` an engine kernel trapped; `EWORKER` a worker died;
 * - `EDIVERGED` training whose loss became NaN or infinite; `EBUSY` a second fit on a model object while one runs;
 * - `EABORT` cancelled by an AbortSignal (or a pool shutdown); `EIO` a file could not be written;
 * - `EMISSING` an optional package the call needs is not installed (sharp, to read images in Node).
 */
export type ErrorCode = 'EINPUT' | 'ESHAPE' | 'EFORMAT' | 'ECOLLAPSE' | 'ENOTPD' | 'ENOMEM' | 'ETRAP' | 'EWORKER' | 'EABORT' | 'EIO' | 'EDIVERGED' | 'EBUSY' | 'EMISSING';

/** Every error gaussface raises on purpose: a message that names the problem and the fix, and an {@link ErrorCode}. */
export class GaussfaceError extends Error {
  readonly code: ErrorCode;
  constructor(message: string, code: ErrorCode = 'EINPUT') {
    super(message);
    this.name = 'GaussfaceError';
    this.code = code;
  }
}
