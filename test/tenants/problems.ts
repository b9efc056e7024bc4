/** What the tenant tests share: the problems loading a topology text reports (none when it loads). */
import { loadTopology } from '../../src/topology/load.js';
import { TopologyError } from '../../src/topology/errors.js';

/** The message lines of the TopologyError that loading `text` throws, or none when it loads. */
export function problems(text: string): string[] {
  try {
    loadTopology(text, 'bad.yaml');
  } catch (e) {
    if (e instanceof TopologyError) return e.message.split('\n');
    throw e;
  }
  return [];
}
