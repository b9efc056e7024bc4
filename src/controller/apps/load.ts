/**
 * Loading a controller app named by module path (`app: ./my-app.js` in a topology file, `--app
 * ./my-app.js` at the CLI): the module's default export, or its export named `app`, must be an
 * app factory. A module that cannot be loaded or exports no factory is an AppLoadError naming
 * the path.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AppFactory } from '../controller.js';
import { BUILT_IN_APPS, BUILT_IN_APP_NAMES, isModulePath } from './index.js';

export class AppLoadError extends Error {
  override readonly name = 'AppLoadError';
  readonly code = 'NETLOOM_APP_LOAD';
}

/** One app: a built-in name, or a module path resolved against `baseDir`. */
export async function loadApp(app: string, baseDir: string): Promise<AppFactory> {
  const builtIn = BUILT_IN_APPS[app];
  if (builtIn !== undefined) return builtIn;
  if (!isModulePath(app)) throw new AppLoadError(`unknown app "${app}" (built-in apps are ${BUILT_IN_APP_NAMES.join(', ')}; a module path starts with ./, ../ or /)`);
  const path = resolve(baseDir, app);
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (e) {
    throw new AppLoadError(`cannot load app ${path}: ${(e as Error).message}`);
  }
  const factory = module['default'] ?? module['app'];
  if (typeof factory !== 'function') throw new AppLoadError(`app ${path} exports no app factory (export default (context) => ({ packetIn(dp, ev) { … } }), or export const app = …)`);
  return factory as AppFactory;
}
