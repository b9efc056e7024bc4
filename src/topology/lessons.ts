/**
 * The lessons netloom ships (the package's topologies/ folder), found by name so that a project
 * that installed netloom loads them as the README does. Owns only their paths: loading is load.ts's.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TopologyError, didYouMean, listNames } from './errors.js';

// Two folders up from src/topology/ (under tsx) or dist/topology/ (installed): the package root.
const LESSONS = fileURLToPath(new URL('../../topologies/', import.meta.url));

/**
 * The path of a shipped lesson, for loadTopologyFile: `lessonPath('vxlan')` is
 * `…/node_modules/netloom/topologies/vxlan.yaml`. An unknown name is a TopologyError listing the lessons.
 */
export function lessonPath(name: string): string {
  const lessons = readdirSync(LESSONS).filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -'.yaml'.length)).sort();
  const file = `${LESSONS}${name}.yaml`;
  if (lessons.includes(name)) return file;
  throw new TopologyError([{ file, line: 0, column: 0, path: '', message: `no such lesson${didYouMean(name, lessons)} (lessons are ${listNames(lessons)})` }]);
}
