// gaussface public API.
export { GaussfaceError } from './errors.js';
export { Engine, loadEngine, compileEngine } from './engine.js';
