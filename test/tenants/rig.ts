/**
 * What the tests that drive tenant controllers by hand share: two tenants, blue and red, with the
 * same addresses on one switch (b1, b2 and r1, r2 on s1), their controllers running quiet-app so
 * the test sends every message; and a rig that builds a topology, runs it to 0.5 s, and answers
 * each message it sends with "ok" or the OpenFlow error's name.
 */
import { join } from 'node:path';
import { loadTopology } from '../../src/index.js';
import { build, type Built } from '../../src/topology/build.js';
import { loadApps } from '../../src/topology/apps.js';
import type { ControllerNode } from '../../src/controller/node.js';
import { OpenFlowRequestError, type Datapath } from '../../src/controller/datapath.js';
import type { SwitchNode } from '../../src/switch/node.js';
import { ofpErrorName } from '../../src/openflow/errors.js';
import type { OfMessage } from '../../src/openflow/messages.js';

/** The two tenants' hosts, switch and links; a test adds its controllers and `tenants:`. */
export const SHARED_SWITCH = `
  b1: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.1/24 } } }
  b2: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.2/24 } } }
  r1: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.1/24 } } }
  r2: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.2/24 } } }
  s1: { kind: switch, ports: [b1, b2, r1, r2] }
links:
  - endpoints: [b1:eth0, s1:b1]
  - endpoints: [b2:eth0, s1:b2]
  - endpoints: [r1:eth0, s1:r1]
  - endpoints: [r2:eth0, s1:r2]
`;

export class TenantRig {
  private clock = 0.5e9;
  private constructor(readonly built: Built) {}

  /** The topology built (apps from test/tenants/) and run to 0.5 s: every controller has met its switches. */
  static async start(text: string, name: string): Promise<TenantRig> {
    const topology = loadTopology(text, join(import.meta.dirname, name));
    const rig = new TenantRig(build(topology, { apps: await loadApps(topology, import.meta.dirname) }));
    await rig.built.net.run(rig.clock);
    return rig;
  }

  /** A tenant's first virtual switch, as its controller holds it. */
  dp(controller: string, tenant: number): Datapath {
    return (this.built.net.nodes.get(controller) as ControllerNode).controller.datapaths.get((BigInt(tenant) << 48n) | 1n)!;
  }

  node<T>(name: string): T {
    return this.built.net.nodes.get(name) as T;
  }

  get s1(): SwitchNode {
    return this.node('s1');
  }

  /** Runs the network on (`ns` more, 0.2 s by default) until `work` is done. */
  async drive<T>(work: Promise<T>, ns = 0.2e9): Promise<T> {
    const [result] = await Promise.all([work, this.built.net.run((this.clock += ns))]);
    return result;
  }

  /** Runs the network on for `ns`. */
  async run(ns: number): Promise<void> {
    await this.built.net.run((this.clock += ns));
  }

  /** The answer to a message: ok, or the OpenFlow error's name. */
  answer(d: Datapath, m: OfMessage): Promise<string> {
    return this.drive(d.apply(m).then(() => 'ok', (e: unknown) => (e instanceof OpenFlowRequestError ? ofpErrorName({ type: e.errorType, code: e.errorCode }) : String(e))));
  }
}
