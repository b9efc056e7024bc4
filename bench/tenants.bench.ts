/**
 * The tenant platform: FLOW_MODs a second through a tenant's virtual switch — decoded, checked
 * against the tenant's flowspace, compiled (its tag, ports and addresses) and installed on the
 * physical switch — beside the same FLOW_MODs sent to the physical switch directly, in the same
 * run. The FLOW_MODs cycle through 1,000 distinct rules (an ADD of a rule already there replaces
 * it, so the tables stay at 1,000); each batch of 100 is delivered over the simulated channels by
 * running the scheduler, on both sides.
 */
import { build } from '../src/topology/build.js';
import { loadTopology } from '../src/topology/load.js';
import { SwitchAgent, type Transport } from '../src/openflow/agent.js';
import { encodeMessage, type OfMessage } from '../src/openflow/messages.js';
import type { SwitchNode } from '../src/switch/node.js';
import { measureAsync, report, type Result } from './harness.js';

const RULES = 1000;
const BATCH = 100;

const TOPOLOGY = `
name: bench
nodes:
  c-blue: { kind: controller, app: learning }
  b1: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.1/24 } } }
  b2: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.2/24 } } }
  s1: { kind: switch, ports: [b1, b2] }
links:
  - endpoints: [b1:eth0, s1:b1]
  - endpoints: [b2:eth0, s1:b2]
tenants:
  blue: { controller: c-blue, addresses: 10.0.0.0/24, switches: { vs1: { switch: s1, ports: [b1, b2] } } }
`;

/** Rule n: TCP to 10.0.0.2 port n, out of port 2 (a port on both the virtual and the physical switch). */
const flowMod = (n: number, tableId: number): Uint8Array =>
  encodeMessage({
    type: 'flow_mod', xid: n, cookie: 0n, cookieMask: 0n, tableId, command: 0, idleTimeout: 0, hardTimeout: 0, priority: 10, bufferId: 0xffffffff,
    outPort: 0xffffffff, outGroup: 0xffffffff, flags: 0,
    match: [{ field: 'eth_type', value: 0x0800n }, { field: 'ip_proto', value: 6n }, { field: 'ipv4_dst', value: 0x0a000002n }, { field: 'tcp_dst', value: BigInt(n + 1) }],
    instructions: [{ type: 'apply_actions', actions: [{ type: 'output', port: 2, maxLen: 0 }] }],
  } as OfMessage);

export async function main(): Promise<void> {
  const built = build(loadTopology(TOPOLOGY, 'bench.yaml'));
  await built.net.run(1e9);
  const s1 = built.net.nodes.get('s1') as SwitchNode;
  const virtual = built.platform!.virtualSwitches[0]!;
  let errors = 0;
  const transport: Transport = { label: 'bench', send: (bytes) => ((errors += bytes[1] === 1 ? 1 : 0), true), close: () => {} };
  const hello = encodeMessage({ type: 'hello', xid: 1, elements: [{ type: 'versionbitmap', bitmaps: [0x10] }] });
  const open = (agent: SwitchAgent) => {
    const c = agent.connect(transport);
    c.receive(hello);
    return c;
  };
  // Table 2 on the physical switch, where no platform rule is: the same work a switch does for any FLOW_MOD.
  const direct = open(built.agents.get('s1')!);
  const direct_ = Array.from({ length: RULES }, (_, n) => flowMod(n, 2));
  const tenant = open(new SwitchAgent(virtual));
  const tenant_ = Array.from({ length: RULES }, (_, n) => flowMod(n, 0));
  let i = 0;
  let j = 0;
  const batch = async (connection: { receive(b: Uint8Array): void }, messages: Uint8Array[], next: () => number) => {
    for (let k = 0; k < BATCH; k++) connection.receive(messages[next() % RULES]!);
    await built.net.run(built.net.scheduler.now + 10e6);
  };
  const baseline = 'baseline: FLOW_MODs to the switch directly';
  const perFlowMod = (r: Result): Result => ({ ...r, opsPerSecond: r.opsPerSecond * BATCH });
  const results = [
    perFlowMod(await measureAsync(baseline, () => batch(direct, direct_, () => i++))),
    perFlowMod(await measureAsync('FLOW_MODs through the platform (checked, compiled)', () => batch(tenant, tenant_, () => j++), baseline)),
  ];
  if (errors > 0) throw new Error(`${errors} FLOW_MODs refused: the benchmark would measure refusals`);
  const installed = s1.bridge.pipeline.allRules().length;
  report(`tenant platform: FLOW_MODs per second, ${RULES.toLocaleString('en')} rules cycling (the physical switch holds ${installed.toLocaleString('en')})`, results);
}
