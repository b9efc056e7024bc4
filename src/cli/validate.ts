/**
 * `netloom validate`: loads a topology file and reports every problem in it (exit 2), then what a
 * run would fail on though the file is legal, its tunnels' warnings (exit 1), or a one-line summary.
 */
import { loadTopologyFile } from '../topology/load.js';
import { tunnelWarnings } from '../topology/tunnels.js';

export function validateCommand(file: string): void {
  const topology = loadTopologyFile(file);
  const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
  const summary = [
    count(topology.nodes.length, 'node'),
    count(topology.links.length, 'link'),
    count(topology.traffic.length, 'traffic item'),
    count(topology.expect.length, 'expectation'),
  ].join(', ');
  const warnings = tunnelWarnings(topology);
  for (const w of warnings) process.stdout.write(`${file}: warning: ${w.port}: ${w.message}\n`);
  process.stdout.write(`${file}: ${warnings.length === 0 ? 'ok' : `loads, with ${count(warnings.length, 'warning')}`} (${summary})\n`);
  if (warnings.length > 0) process.exitCode = 1;
}
