/** Topologies built in code for the simulation tests (the YAML loader has its own tests). */
import type { HostSpec, LinkImpairments, LinkSpec, RouterSpec, Topology } from '../../src/topology/types.js';

export const LINK: LinkImpairments = { latency: 1_000_000, jitter: 0, bandwidth: 0, queue: 1000, mtu: 1500, loss: 0 };

export function host(name: string, address: string, gateway?: string): HostSpec {
  const [ip, length] = address.split('/') as [string, string];
  return {
    kind: 'host', name, arpTimeout: 60e9,
    interfaces: [{ name: 'eth0', mac: mac(name, 0), ipv4: [{ address: ip, prefixLength: Number(length) }], ipv6: [] }],
    ...(gateway !== undefined && { gateway }),
  };
}

export function router(name: string, addresses: string[], routes: RouterSpec['routes'] = []): RouterSpec {
  return {
    kind: 'router', name, arpTimeout: 60e9, routes,
    interfaces: addresses.map((a, i) => {
      const [ip, length] = a.split('/') as [string, string];
      return { name: `eth${i}`, mac: mac(name, i), ipv4: [{ address: ip, prefixLength: Number(length) }], ipv6: [] };
    }),
  };
}

export function link(a: string, b: string, impairments: Partial<LinkImpairments> = {}, schedule: LinkSpec['schedule'] = []): LinkSpec {
  return { endpoints: [a, b], ...LINK, ...impairments, schedule };
}

let macs = 0;
function mac(_name: string, _i: number): string {
  macs++;
  return `02:00:00:00:${((macs >> 8) & 0xff).toString(16).padStart(2, '0')}:${(macs & 0xff).toString(16).padStart(2, '0')}`;
}

/** h1 — r1 — r2 — h2: two subnets behind two routers. */
export function twoRouters(overrides: Partial<Topology> = {}, linkImpairments: Partial<LinkImpairments> = {}): Topology {
  return {
    name: 'two-routers', seed: 1,
    nodes: [
      host('h1', '10.0.1.10/24', '10.0.1.1'),
      router('r1', ['10.0.1.1/24', '10.0.12.1/24'], [{ prefix: '10.0.2.0', prefixLength: 24, via: '10.0.12.2' }]),
      router('r2', ['10.0.12.2/24', '10.0.2.1/24'], [{ prefix: '10.0.1.0', prefixLength: 24, via: '10.0.12.1' }]),
      host('h2', '10.0.2.20/24', '10.0.2.1'),
    ],
    links: [link('h1:eth0', 'r1:eth0', linkImpairments), link('r1:eth1', 'r2:eth0', linkImpairments), link('r2:eth1', 'h2:eth0', linkImpairments)],
    traffic: [], expect: [],
    ...overrides,
  };
}
