/**
 * Every error gaussface raises on purpose: a message that names the problem and the fix, and a short `code`
 * (ENOMEM, ETRAP, EINPUT, ESHAPE, ENOTPD, EABORT, EWORKER, EFORMAT, ECOLLAPSE, EBUSY — a second fit on a model object while one runs, EDIVERGED — training whose loss
 * became NaN or infinite, EIO) for programs to branch on.
 */
export class GaussfaceError extends Error {
  readonly code: string;
  constructor(message: string, code = 'EINPUT') {
    super(message);
    this.name = 'GaussfaceError';
    this.code = code;
  }
}
