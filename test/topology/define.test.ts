/** Topologies written in code: the same document and checks as a file, problems named by builder call. */
import { describe, expect, it } from 'vitest';
import '../../src/vitest.js';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { lessonPath, loadTopology, loadTopologyFile, topology, TopologyError } from '../../src/index.js';
import type { ExpectationInput, LinkInput, PingInput, PlatformInput, TenantInput, TopologyOptions, UdpInput } from '../../src/index.js';

/** A lesson's file as YAML parses it: the builder's argument types, keyed as the file is. */
interface LessonDocument extends TopologyOptions {
  name?: string;
  nodes: Record<string, { kind: 'host' | 'router' | 'switch' | 'controller' }>;
  links?: ({ endpoints: [string, string] } & LinkInput)[];
  tenants?: Record<string, TenantInput>;
  platform?: PlatformInput;
  capture?: string[];
  traffic?: ({ ping: PingInput } | { udp: UdpInput })[];
  expect?: ExpectationInput[];
}

/** topologies/two-subnets.yaml, written in code. */
const twoSubnets = () =>
  topology('two-subnets', { defaults: { link: { latency: '2ms', bandwidth: '100Mbps' } } })
    .host('h1', { interfaces: { eth0: { ipv4: '10.0.1.10/24' } }, gateway: '10.0.1.1' })
    .router('r1', { interfaces: { eth0: { ipv4: '10.0.1.1/24' }, eth1: { ipv4: '10.0.12.1/24' } }, routes: [{ to: '10.0.2.0/24', via: '10.0.12.2' }] })
    .router('r2', { interfaces: { eth0: { ipv4: '10.0.12.2/24' }, eth1: { ipv4: '10.0.2.1/24' } }, routes: [{ to: '10.0.1.0/24', via: '10.0.12.1' }] })
    .host('h2', { interfaces: { eth0: { ipv4: '10.0.2.20/24' } }, gateway: '10.0.2.1' })
    .link('h1:eth0', 'r1:eth0')
    .link('r1:eth1', 'r2:eth0')
    .link('r2:eth1', 'h2:eth0')
    .ping({ name: 'ping h1 to h2', from: 'h1', to: 'h2', count: 5 })
    .ping({ name: 'ttl 2', from: 'h1', to: 'h2', count: 3, ttl: 2, start: '10s' })
    .expect({ delivered: { traffic: 'ping h1 to h2', min: 5 } })
    .expect({ delivered: { traffic: 'ttl 2', max: 0 } })
    .expect({ dropped: { node: 'r2', reason: 'TTL_EXCEEDED', min: 3 } })
    .expect({ path: { from: 'h1', to: 'h2', via: ['r1', 'r2'], disposition: 'DELIVERED' } })
    .expect({ path: { from: 'h1', to: '10.0.99.1', via: ['r1'], disposition: 'NO_ROUTE' } });

describe('topology(): a topology written in code', () => {
  it('is the topology the loader makes of the same file', () => {
    expect(twoSubnets().build()).toEqual(loadTopologyFile(lessonPath('two-subnets')));
  });

  it('is a document: JSON.stringify gives a topology file that loads to the same topology', () => {
    const builder = twoSubnets();
    expect(loadTopology(JSON.stringify(builder), 'two-subnets.json')).toEqual(builder.build());
  });

  // Every lesson's document, given call by call: every builder method, every node kind, tenants, platform and capture.
  const lessons = readdirSync(join(import.meta.dirname, '..', '..', 'topologies')).filter((f) => f.endsWith('.yaml'));
  it.each(lessons)('%s, written through the builder, is the topology its file loads to', (file) => {
    const path = lessonPath(file.slice(0, -'.yaml'.length));
    const doc = parse(readFileSync(path, 'utf8')) as LessonDocument;
    const builder = topology(doc.name ?? file.slice(0, -'.yaml'.length), { ...(doc.seed !== undefined && { seed: doc.seed }), ...(doc.defaults !== undefined && { defaults: doc.defaults }) });
    for (const [name, { kind, ...spec }] of Object.entries(doc.nodes)) builder[kind](name, spec as never);
    for (const { endpoints: [a, b], ...spec } of doc.links ?? []) builder.link(a, b, spec);
    for (const [name, spec] of Object.entries(doc.tenants ?? {})) builder.tenant(name, spec);
    if (doc.platform !== undefined) builder.platform(doc.platform);
    if (doc.capture !== undefined) builder.capture(doc.capture);
    for (const item of doc.traffic ?? []) ('ping' in item ? builder.ping(item.ping) : builder.udp(item.udp));
    for (const e of doc.expect ?? []) builder.expect(e);
    expect(builder.build()).toEqual(loadTopologyFile(path));
  });

  it('runs and asserts as any topology does', async () => {
    const lan = topology('lan')
      .host('h1', { interfaces: { eth0: { ipv4: '10.0.0.1/24' } } })
      .host('h2', { interfaces: { eth0: { ipv4: '10.0.0.2/24' } } })
      .switch('s1', { ports: ['p1', 'p2'], flows: ['priority=10,udp,tp_dst=53,actions=drop', 'priority=0,actions=NORMAL'] })
      .link('h1:eth0', 's1:p1')
      .link('h2:eth0', 's1:p2', { latency: '5ms' })
      .build();
    await expect(lan).toTraverse({ from: 'h1', to: 'h2' }, ['h1', 's1', 'h2']);
    await expect(lan).toDrop({ from: 'h1', to: 'h2', proto: 'udp', dstPort: 53 }, { at: 's1', reason: 'FLOW_DROP' });
    expect(lan.links[1]!.latency).toBe(5_000_000);
  });

  it('lists every problem at once, each at the builder call and path that gave it, with the loader\'s messages', () => {
    const build = () =>
      topology('broken')
        .host('h1', { interfaces: { eth0: { ipv4: '10.0.0.300/24' } } })
        .switch('s1', { ports: ['p1', 'p2'], flows: ['priority=1,actions=frob'] })
        .host('h1', { interfaces: { eth0: { ipv4: '10.0.0.1/24' } }, gateway: '10.9.9.9' })
        .link('h1:eth0', 's9:p1')
        .link('h1:eth0', 's1:p2', { mtu: 20 })
        .ping({ from: 'h1', to: 'h3' })
        .expect({ delivered: { traffic: 'pnig', min: 1 } })
        .build();
    const error = (() => {
      try {
        build();
      } catch (e) {
        return e;
      }
    })() as TopologyError;
    expect(error).toBeInstanceOf(TopologyError);
    expect(error.message.split('\n')).toEqual([
      'topology("broken").switch("s1", …) nodes.s1.flows[0]: unknown action "frob"',
      'topology("broken").host("h1", …) nodes.h1: duplicate node "h1"',
      'topology("broken").host("h1", …) nodes.h1.gateway: 10.9.9.9 is not on a subnet of h1 (10.0.0.0/24)',
      'topology("broken").link("h1:eth0", "s9:p1") links[0].endpoints[1]: unknown node "s9"; did you mean "s1"? (nodes are h1, s1)',
      'topology("broken").link("h1:eth0", "s1:p2", …) links[1].mtu: expected an integer in 68-65535, got 20',
      'topology("broken").link("h1:eth0", "s1:p2", …) links[1].endpoints[0]: h1:eth0 is already used by links[0]',
      'topology("broken").ping(…) traffic[0].ping.to: unknown node "h3"; did you mean "h1"? (nodes are h1, s1)',
      'topology("broken").expect(…) expect[0].delivered.traffic: unknown traffic "pnig" (traffic is "ping h1 → h3")',
    ]);
    expect(error.issues[0]).toEqual({ file: 'topology("broken").switch("s1", …)', line: 0, column: 0, path: 'nodes.s1.flows[0]', message: 'unknown action "frob"' });
  });

  it('checks what JavaScript callers give without types: unknown keys and kinds of value', () => {
    const spec = { interfaces: { eth0: { ipv4: '10.0.0.1/24' } }, gatway: '10.0.0.254' } as unknown as Parameters<ReturnType<typeof topology>['host']>[1];
    expect(() => topology('js').host('h1', spec).build()).toThrow(new TopologyError([{ file: 'topology("js").host("h1", …)', line: 0, column: 0, path: 'nodes.h1', message: 'unknown key "gatway"; did you mean "gateway"?' }]));
    expect(() => topology('', { seed: -1 }).build()).toThrow(new TopologyError([
      { file: 'topology("")', line: 0, column: 0, path: 'name', message: 'must not be empty' },
      { file: 'topology("")', line: 0, column: 0, path: 'seed', message: 'expected an integer in 0-4294967295, got -1' },
    ]));
  });
});
