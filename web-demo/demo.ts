// <gaussface-demo>: the original embeddable demo — learn the built-in faces in the visitor's browser and draw new
// ones. It is now <gaussface-fit> under its old name (attributes size, faces, seed, autorun), so the faces are
// drawn in a worker and the SDK loads on the first click.
import { GaussfaceFit } from './widgets/fit.js';

customElements.get('gaussface-demo') ?? customElements.define('gaussface-demo', class GaussfaceDemo extends GaussfaceFit {});
