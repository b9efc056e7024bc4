/** The controller apps a topology names by module path, loaded before a run (runTopology's `apps`). */
import { loadApp } from '../controller/apps/load.js';
import { isModulePath } from '../controller/apps/index.js';
import type { AppFactory } from '../controller/controller.js';
import type { Topology } from './types.js';

/** Every module app of the topology's controllers, keyed as the file writes it; paths resolve against `baseDir` (the file's folder). */
export async function loadApps(topology: Topology, baseDir: string): Promise<Map<string, AppFactory>> {
  const apps = new Map<string, AppFactory>();
  for (const node of topology.nodes) {
    if (node.kind === 'controller' && isModulePath(node.app) && !apps.has(node.app)) apps.set(node.app, await loadApp(node.app, baseDir));
  }
  return apps;
}
