/**
 * Loading a topology file: YAML (or JSON, which is YAML) text -> a validated Topology, or one
 * TopologyError listing every problem, each at its line and column. The document and positions
 * are document.ts's, the shape and units of each piece schema.ts's, the cross-checks check.ts's;
 * a topology written in code (define.ts) goes through the same checks.
 */
import { MiB, readFileBounded } from '../capture/files.js';
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

const TOPOLOGY_FILE_LIMIT = 64 * MiB;

/** Reads and loads a topology file (up to 64 MiB: /dev/zero is refused, not read until memory runs out); a file that cannot be read is a TopologyError too. */
export function loadTopologyFile(path: string): Topology {
  const bytes = readFileBounded(path, TOPOLOGY_FILE_LIMIT);
  if (typeof bytes === 'string') throw new TopologyError([{ file: path, line: 0, column: 0, path: '', message: `cannot read the file: ${bytes}` }]);
  return loadTopology(new TextDecoder().decode(bytes), path);
}
