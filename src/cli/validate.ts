/** `netloom validate`: loads a topology file and reports every problem in it, or a one-line summary. */
import { loadTopologyFile } from '../topology/load.js';

export function validateCommand(file: string): void {
  const topology = loadTopologyFile(file);
  const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
  const summary = [
    count(topology.nodes.length, 'node'),
    count(topology.links.length, 'link'),
    count(topology.traffic.length, 'traffic item'),
    count(topology.expect.length, 'expectation'),
  ].join(', ');
  process.stdout.write(`${file}: ok (${summary})\n`);
}
