// A module worker started from a script next to this bundle (the SDK's same-origin shim when the widgets are
// loaded from another host, as a blog post often does).
import { sameOriginScript } from '../../sdk/spawn.js';

export function startModuleWorker(url: URL): Worker {
  return new Worker(sameOriginScript(url), { type: 'module' });
}
