// Every gaussface widget in one module: <gaussface-points>, <gaussface-faces>, <gaussface-morph>, <gaussface-fit>.
// Each part is small; the SDK and engine load only when a widget starts.
export { GaussfacePoints } from './points.js';
export { GaussfaceFaces } from './faces.js';
export { GaussfaceMorph } from './morph.js';
export { GaussfaceFit } from './fit.js';
