/**
 * Loading a topology file: YAML (or JSON, which is YAML) text -> a validated Topology, or one
 * TopologyError listing every problem, each at its line and column. The document and positions
 * are document.ts's, the shape and units of each piece schema.ts's, the cross-checks check.ts's;
 * a topology written in code (define.ts) goes through the same checks.
 */
import { readFileSync } from 'node:fs';
import { TopologyError } from './errors.js';
import { readDocument, type Issues } from './document.js';
import { Checker } from './check.js';
import type { Topology } from './types.js';

/**
 * Parses and checks a topology. `file` names the text in messages and gives the default `name`
 * (the file name without its extension). Throws one TopologyError carrying every problem found.
 */
export function loadTopology(text: string, file: string): Topology {
  const { value, issues } = readDocument(text, file);
  return checkDocument(value, issues, file);
}

/** Checks a document (a file's, or one written in code) and assembles its Topology; throws a TopologyError with every problem in `issues`. */
export function checkDocument(value: unknown, issues: Issues, file: string): Topology {
  const topology = new Checker(issues, file).check(value);
  if (topology === undefined || issues.count > 0) return issues.throw();
  return topology;
}

/** Reads and loads a topology file; a file that cannot be read is a TopologyError too. */
export function loadTopologyFile(path: string): Topology {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : String(error);
    throw new TopologyError([{ file: path, line: 0, column: 0, path: '', message: `cannot read the file: ${reason}` }]);
  }
  return loadTopology(text, path);
}
