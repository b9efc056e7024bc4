/**
 * One differential shape several interop tests share: hand-written (or seeded) flow tables, each
 * given to netloom's Bridge and a private ovs-vswitchd in both of netloom's modes (OpenFlow 1.0 +
 * NXM as plain ovs-ofctl; OpenFlow 1.1+ as ovs-ofctl -O OpenFlow15), then every packet of a fixed
 * list sent in on port 1: both must send it out of the same ports with the same bytes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bridge } from '../../src/switch/bridge.js';
import type { Protocols } from '../../src/switch/ofctl.js';
import { toHex } from '../../src/index.js';
import { OvsSwitch, haveOvs, ovsMissingMessage, type OpenFlowVersion } from './ovs.js';

export const PORTS = 4;
const ports = Array.from({ length: PORTS }, (_, i) => ({ number: i + 1, name: `p${i + 1}` }));
const MODES: readonly { name: string; netloom: Protocols; ovs: OpenFlowVersion }[] = [
  { name: 'OpenFlow 1.0 + NXM', netloom: 'OpenFlow10', ovs: 'OpenFlow10' },
  { name: 'OpenFlow 1.3+', netloom: 'OpenFlow13', ovs: 'OpenFlow15' },
];

export interface TableCase {
  name: string;
  flows: string[];
  /** Only in this mode (the flows need what the other cannot write). */
  only?: OpenFlowVersion;
}

/** A describe block running every case in both modes, each with every one of `packets`. */
export function describeTables(title: string, cases: readonly TableCase[], packets: readonly Uint8Array[]): void {
  if (!haveOvs()) console.warn(`skipping "${title}": ${ovsMissingMessage()}`);
  describe.skipIf(!haveOvs())(title, () => {
    let ovs: OvsSwitch;
    beforeAll(() => {
      ovs = OvsSwitch.start({ ports: PORTS });
    });
    afterAll(() => ovs?.stop());

    for (const mode of MODES) {
      it.each(cases.filter((c) => c.only === undefined || c.only === mode.ovs))(`${mode.name}: $name`, async ({ flows }) => {
        const bridge = new Bridge('br0', ports, { protocols: mode.netloom });
        for (const f of flows) bridge.addFlow(f);
        ovs.delFlows();
        ovs.addFlows(flows, mode.ovs);
        for (const [i, bytes] of packets.entries()) {
          const theirs = (await ovs.inject(1, bytes)).map((o) => `${String(o.port)} ${toHex(o.bytes)}`);
          const ours = bridge.process(1, bytes).outputs.map((o) => `${String(o.port)} ${toHex(o.bytes)}`);
          expect(ours.sort(), `packet ${i}: ${toHex(bytes)}\n${flows.join('\n')}`).toEqual(theirs.sort());
        }
      });
    }
  });
}
