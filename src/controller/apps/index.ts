/** The built-in controller apps, by the name a topology file gives them. */
import type { AppFactory } from '../controller.js';
import { learning } from './learning.js';
import { firewall } from './firewall.js';
import { proactive } from './proactive.js';

export const BUILT_IN_APPS: Readonly<Record<string, AppFactory>> = { learning, proactive, firewall };
export const BUILT_IN_APP_NAMES: readonly string[] = Object.keys(BUILT_IN_APPS);

/** An app given as a module path rather than a built-in name. */
export function isModulePath(app: string): boolean {
  return app.startsWith('./') || app.startsWith('../') || app.startsWith('/');
}
