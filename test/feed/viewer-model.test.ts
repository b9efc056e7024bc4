/** The viewer's pure parts, in Node: the event store's flights, the page clock, the layer boxes, encapsulation costs and hop changes. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EventStore, MAX_EVENTS } from '../../src/feed/viewer/app/store.js';
import { Clock } from '../../src/feed/viewer/app/clock.js';
import { encapCost, hopChanges, layerSummary, nestLayers } from '../../src/feed/viewer/app/layers.js';
import type { FeedEvent, TopologyView } from '../../src/feed/messages.js';
import type { JsonLayer } from '../../src/wire/json.js';
import { decodeTolerant } from '../../src/wire/decode.js';
import { decodedToJson } from '../../src/wire/json.js';
import { fromHex } from '../../src/wire/addresses.js';
import { topologyView } from '../../src/feed/view.js';
import { loadTopologyFile } from '../../src/topology/load.js';

const topology: TopologyView = {
  name: 't', seed: 1,
  nodes: [{ name: 'h1', kind: 'host', ports: ['eth0'] }, { name: 's1', kind: 'switch', ports: ['p1'] }],
  links: [{ id: 0, endpoints: ['h1:eth0', 's1:p1'], latency: 1_000_000, bandwidth: 1_000_000_000, mtu: 1500 }],
  channels: [],
  tenants: [],
};

const event = (seq: number, t: number, node: string, port: string | undefined, dir: FeedEvent['dir'], packet: number, extra: Partial<FeedEvent> = {}): FeedEvent => ({
  kind: 'event', seq, run: 1, t, node, ...(port !== undefined && { port }), dir, packet, trace: packet, parent: 0, ...extra,
});

describe('the topology as the viewer draws it', () => {
  it('names each tenant\'s physical ports and controller, and every control channel', () => {
    const view = topologyView(loadTopologyFile('topologies/tenants-shared-switch.yaml'));
    expect(view.tenants).toEqual([
      { name: 'blue', id: 1, switches: ['vs1'], ports: ['s1:p1', 's1:p2'], controller: 'c-blue' },
      { name: 'red', id: 2, switches: ['vs1'], ports: ['s1:p3', 's1:p4'], controller: 'c-red' },
    ]);
    expect(view.channels).toEqual([{ controller: 'c-blue', switch: 's1' }, { controller: 'c-red', switch: 's1' }]);
    expect(topologyView(loadTopologyFile('topologies/controller-learning.yaml')).channels.length).toBeGreaterThan(0);
  });
});

describe('EventStore', () => {
  it('flies a frame from its tx to its rx: estimated from latency and serialization until the rx comes', () => {
    const store = new EventStore(topology);
    store.add(event(1, 0, 'h1', 'eth0', 'tx', 1, { link: 0, length: 125 }));
    // 1 ms latency + 125 bytes at 1 Gb/s (1,000 ns).
    expect(store.flight(1)).toMatchObject({ from: 'h1', to: 's1', link: 0, t0: 0, t1: 1_001_000, arrived: false, seq: 1 });
    expect(store.inFlight(0).map((f) => f.packet)).toEqual([1]);
    store.add(event(2, 1_000_500, 's1', 'p1', 'rx', 1));
    expect(store.flight(1)).toMatchObject({ t1: 1_000_500, arrived: true });
    expect(store.inFlight(1_000_499).length).toBe(1);
    expect(store.inFlight(1_000_500).length).toBe(0);
    expect([store.nextTime(0), store.previousTime(1_000_500), store.nextTime(1_000_500), store.previousTime(0)]).toEqual([1_000_500, 0, undefined, undefined]);
    expect(store.bySeq(2)?.dir).toBe('rx');
    expect(store.bySeq(3)).toBeUndefined();
  });

  it('counts what gaps say it missed, starts over on a new run, and keeps at most MAX_EVENTS', () => {
    const store = new EventStore(topology);
    store.add({ kind: 'gap', from: 1, to: 10, dropped: 7 });
    expect(store.missed).toBe(7);
    for (let i = 1; i <= MAX_EVENTS + 5; i++) store.add(event(i, i, 'h1', 'eth0', 'tx', i));
    expect([store.events.length, store.events[0]!.seq, store.flight(5), store.flight(6)?.seq]).toEqual([MAX_EVENTS, 6, undefined, 6]);
    store.add({ ...event(MAX_EVENTS + 6, 0, 'h1', 'eth0', 'tx', 1), run: 2 });
    expect([store.run, store.events.length, store.missed]).toEqual([2, 1, 0]);
  });

  it('finds drops near a time and the events of one trace', () => {
    const store = new EventStore(topology);
    store.add(event(1, 10, 'h1', 'eth0', 'tx', 1));
    store.add(event(2, 20, 's1', 'p1', 'drop', 1, { reason: 'NO_ROUTE' }));
    store.add(event(3, 30, 'h1', 'eth0', 'tx', 2));
    expect(store.dropsNear(25, 10).map((e) => e.seq)).toEqual([2]);
    expect(store.dropsNear(35, 10)).toEqual([]);
    expect(store.trace(1).map((e) => e.seq)).toEqual([1, 2]);
  });
});

describe('Clock', () => {
  it('follows a playing run at its speed from its last state, and stands still when it is paused', () => {
    const clock = new Clock();
    clock.setState({ run: 1, state: 'playing', t: 5_000, speed: 0.01, control: true }, 1000);
    // 250 ms of wall time at 1/100: 2.5 ms of virtual time.
    expect(clock.now(1250, 0)).toBe(2_505_000);
    clock.setState({ run: 1, state: 'paused', t: 7_000, speed: 0.01, control: true }, 2000);
    expect(clock.now(9000, 0)).toBe(7_000);
    clock.setState({ run: 1, state: 'playing', t: 0, speed: null, control: false }, 0);
    expect(clock.now(5, 42)).toBe(42);
  });

  it('replays at its own speed from a seek, never past the last event', () => {
    const clock = new Clock();
    clock.seek(1_000, 0);
    expect([clock.mode, clock.now(500, 10 ** 12)]).toEqual(['replay', 1_000]);
    clock.setReplaying(true, 0, 10 ** 12);
    clock.setReplaySpeed(0.001, 0, 10 ** 12);
    expect(clock.now(1000, 10 ** 12)).toBe(1_001_000);
    expect(clock.now(1000, 500_000)).toBe(500_000);
    clock.follow();
    expect(clock.mode).toBe('live');
  });
});

/** The first ping of the VXLAN lesson as h1 sends it, and as s1 sends it on, wrapped (`run --events`). */
const inner =
  '024e4c8e361f024e4cac230908004500005400010000400166920a0a00010a0a0002080000eb00010001000102030405060708090a0b0c0d0e0f1011' +
  '12131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637';
const outer = '024e4c30f4e3024e4c7fbf51080045000086000040004011b614c0a80101c0a80201d39312b5007200000800000000138800' + inner;
const layersOf = (hex: string): JsonLayer[] => decodedToJson(decodeTolerant(fromHex(hex))).layers;

describe('layers', () => {
  it('nests each header around what it carries, a tunnel header around its inner frame', () => {
    const box = nestLayers(layersOf(outer), [{ layer: 'ethernet', bytes: 14 }, { layer: 'ipv4', bytes: 20 }, { layer: 'udp', bytes: 8 }, { layer: 'vxlan', bytes: 8 }]);
    const chain: string[] = [];
    for (let b = box; b !== undefined; b = b.inner) chain.push(`${b.layer}${b.bytes === undefined ? '' : `:${b.bytes}`}${b.tunnel === undefined ? '' : `(${b.tunnel})`}`);
    expect(chain).toEqual(['ethernet:14', 'ipv4:20', 'udp:8', 'vxlan:8(VXLAN)', 'ethernet', 'ipv4', 'icmp', 'payload']);
    expect(box!.inner!.inner!.inner!.fields.find(([k]) => k === 'vni')).toEqual(['vni', '5000']);
  });

  it('marks ESP without its key as encrypted', () => {
    expect(nestLayers([{ layer: 'esp', spi: 256, seq: 1 }, { layer: 'payload', data: 'ab'.repeat(40) }])).toMatchObject({
      layer: 'esp', tunnel: 'ESP', encrypted: true, inner: { layer: 'payload', fields: [['data', `${'ab'.repeat(24)}… (40 bytes)`]] },
    });
  });

  it('marks what an opened ESP carried as decrypted', () => {
    const box = nestLayers([{ layer: 'ipv4', src: '1.1.1.1' }, { layer: 'esp', spi: 1, seq: 1, alg: 'aes-gcm-128' }, { layer: 'gre', key: 7 }, { layer: 'payload', data: '' }]);
    const flags: string[] = [];
    for (let b = box; b !== undefined; b = b.inner) flags.push(`${b.layer}${b.encrypted ? ' encrypted' : ''}${b.decrypted ? ' decrypted' : ''}`);
    expect(flags).toEqual(['ipv4', 'esp', 'gre decrypted', 'payload decrypted']);
  });

  it('says what an encapsulation adds and leaves of the MTU', () => {
    expect(encapCost({ tunnel: 'VXLAN', inner: 'ethernet', innerBytes: 98, before: 50, after: 0 }, 1500)).toEqual({
      added: 50, outer: 148, innerMtu: 1450,
      text: 'VXLAN adds 50 bytes (50 in front): the 98-byte inner ethernet goes out as 148 bytes; on a link with MTU 1500 the inner IP packet can be at most 1450 bytes',
    });
    // GRE carrying IPv4 directly (no inner Ethernet): 24 bytes of outer IPv4 + GRE.
    expect(encapCost({ tunnel: 'GRE', inner: 'ipv4', innerBytes: 84, before: 38, after: 0 }, 1500).innerMtu).toBe(1476);
    expect(encapCost({ tunnel: 'ESP', inner: 'ipv4', innerBytes: 84, before: 42, after: 18 }, 1500)).toMatchObject({ added: 60, innerMtu: 1454 });
  });

  it('says how a frame changed: encapsulated, decapsulated, a tag pushed, fields rewritten', () => {
    const ping = layersOf(inner);
    const wrapped = layersOf(outer);
    expect(hopChanges(ping, wrapped)).toEqual([
      'encapsulated: added ethernet src=02:4e:4c:7f:bf:51 dst=02:4e:4c:30:f4:e3 / ipv4 src=192.168.1.1 dst=192.168.2.1 ttl=64 / udp srcPort=54163 dstPort=4789 / vxlan vni=5000 in front',
    ]);
    expect(hopChanges(wrapped, ping)).toEqual(['decapsulated: took off ethernet src=02:4e:4c:7f:bf:51 dst=02:4e:4c:30:f4:e3 / ipv4 src=192.168.1.1 dst=192.168.2.1 ttl=64 / udp srcPort=54163 dstPort=4789 / vxlan vni=5000']);
    const tagged: JsonLayer[] = [ping[0]!, { layer: 'vlan', vid: 10, pcp: 0 }, ...ping.slice(1)];
    expect(hopChanges(ping, tagged)).toEqual(['added vlan vid=10 pcp=0']);
    expect(hopChanges(tagged, ping)).toEqual(['removed vlan vid=10 pcp=0']);
    const rewritten = ping.map((l) => (l.layer === 'ipv4' ? { ...l, src: '1.0.0.1', ttl: 63, checksum: 1 } : l));
    expect(hopChanges(ping, rewritten)).toEqual(['ipv4.ttl 64 → 63', 'ipv4.src 10.10.0.1 → 1.0.0.1', 'ipv4 checksum recomputed']);
    expect(layerSummary({ layer: 'gre', protocol: 25944, key: 7 })).toBe('gre protocol=25944 key=7');
  });

  it('finds no change between a frame and itself, and undoes what it adds', () => {
    const layer = fc.constantFrom<JsonLayer>({ layer: 'ethernet', src: 'a', dst: 'b' }, { layer: 'vlan', vid: 5 }, { layer: 'ipv4', src: '1.1.1.1', dst: '2.2.2.2' }, { layer: 'udp', srcPort: 1, dstPort: 2 }, { layer: 'vxlan', vni: 9 });
    fc.assert(
      fc.property(fc.array(layer, { maxLength: 8 }), fc.array(layer, { minLength: 1, maxLength: 4 }), (stack, outerLayers) => {
        expect(hopChanges(stack, stack)).toEqual([]);
        const wrapped = [...outerLayers, ...stack];
        expect(hopChanges(stack, wrapped)).toEqual([`encapsulated: added ${outerLayers.map(layerSummary).join(' / ')} in front`]);
      }),
    );
  });
});
