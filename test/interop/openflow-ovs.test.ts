/**
 * ovs-ofctl -O OpenFlow13 against a netloom switch (`listen:`) and against a real ovs-vswitchd
 * (dummy datapath, test/interop/ovs.ts) with the same ports and the same flows: every command
 * must print the same, apart from counters, durations, MAC addresses and the datapath id (and the
 * switch description, which names netloom). Flows are added over OpenFlow with ovs-ofctl to
 * both, so what is compared is netloom's whole OpenFlow path: codec, mapping, agent, TCP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTopology } from '../../src/index.js';
import { runTopologyRealtime } from '../../src/topology/run.js';
import { ofctlNetloom, ofctlOvs, normalize, sorted } from './ofctl-compare.js';
import { OvsSwitch, haveOvs, ovsMissingMessage } from './ovs.js';

if (!haveOvs()) console.warn(`skipping the ovs-ofctl interop tests: ${ovsMissingMessage()}`);


/** The netloom switch is named br0 so that its LOCAL port has OVS's name. */
const TOPOLOGY = `
name: ofctl-interop
nodes:
  h1: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.1/24 } } }
  h2: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.2/24 } } }
  h3: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.3/24 } } }
  br0: { kind: switch, ports: { p1: null, p2: null, p3: { queues: { 1: { weight: 3 }, 2: { weight: 1 } } } }, listen: 0, flows: ["priority=0,actions=drop"] }
links:
  - endpoints: [h1:eth0, br0:p1]
  - endpoints: [h2:eth0, br0:p2]
  - endpoints: [h3:eth0, br0:p3]
`;

/** Flows people write, each valid for OpenFlow 1.3, covering every match field and instruction kind netloom maps. */
const FLOWS = [
  'priority=100,in_port=1,actions=output:2',
  'cookie=0x1234,priority=20,idle_timeout=3600,hard_timeout=7200,in_port=2,actions=output:1',
  'priority=10,in_port=3,actions=write_metadata:0x5/0xff,goto_table:1',
  'priority=50,dl_vlan=10,actions=output:3',
  'priority=40,vlan_tci=0x1000/0x1000,actions=pop_vlan,output:1',
  'priority=41,dl_vlan_pcp=3,actions=output:1',
  'priority=42,vlan_tci=0x0000/0x1fff,actions=mod_vlan_vid:7,output:2',
  'priority=30,ip,nw_tos=16,actions=output:2',
  'priority=31,ip,nw_tos=32,actions=mod_nw_tos:16,output:2',
  'priority=32,ip,nw_ecn=1,actions=output:3',
  'priority=60,tcp,tp_dst=80,actions=CONTROLLER:65535',
  'priority=61,udp,tp_src=53,actions=NORMAL',
  'priority=62,arp,arp_tpa=10.0.0.1,arp_op=1,actions=FLOOD',
  'priority=63,dl_src=02:00:00:00:00:01/ff:ff:ff:00:00:00,actions=IN_PORT',
  'priority=64,icmp,icmp_type=8,icmp_code=0,actions=ALL',
  'priority=65,ipv6,ipv6_dst=2001:db8::/32,actions=output:1',
  'priority=66,sctp,tp_dst=9,actions=set_field:10->sctp_dst,output:1',
  'priority=67,ip,nw_src=192.168.0.0/16,nw_ttl=5,actions=mod_nw_ttl:9,output:2',
  'priority=68,dl_dst=ff:ff:ff:ff:ff:ff,dl_type=0x88cc,actions=drop',
  'table=1,priority=5,ip,nw_dst=10.0.0.0/24,actions=dec_ttl,output:3',
  'table=1,priority=6,ip,actions=set_field:10.0.0.1->ip_src,output:2',
  'table=2,priority=7,in_port=1,actions=mod_vlan_vid:5,output:2',
  'table=2,priority=8,tun_id=0x10,actions=clear_actions',
  'table=3,priority=1,reg0=5,actions=output:1',
  'table=3,priority=3,metadata=0x1/0xff,actions=write_actions(output:2)',
  'table=3,priority=4,tcp6,tp_src=22,actions=set_field:2222->tcp_src,push_vlan:0x88a8,output:1',
  'priority=69,in_port=1,actions=set_queue:1,output:3',
  'priority=70,in_port=2,actions=enqueue:3:2',
  'priority=71,tcp,tcp_flags=+syn-ack,actions=output:2',
  'priority=72,tcp6,tcp_flags=fin|ack,actions=output:3',
  'priority=73,ip,ip_frag=first,actions=output:1',
  'priority=74,ipv6,nw_frag=not_later,actions=output:1',
  'priority=75,icmp6,icmpv6_type=135,icmpv6_code=0,actions=set_field:136->icmpv6_type,output:2',
  'priority=76,pkt_mark=0x5/0xff,actions=set_field:0x7->pkt_mark,output:3',
  'priority=77,icmp6,icmp_type=135,nd_target=fe80::1,nd_sll=00:11:22:33:44:55,actions=set_field:fe80::2->nd_target,output:2',
  'priority=78,icmp6,icmp_type=136,nd_tll=00:11:22:00:00:00/ff:ff:ff:00:00:00,actions=set_field:00:11:22:33:44:66->nd_tll,output:2',
  'table=3,priority=9,xreg1=0x100000002,actions=set_field:0xabc->xxreg1,output:NXM_NX_XXREG1[0..15]',
  'priority=71,udp,actions=set_queue:2,output:1,pop_queue,output:3',
  'table=3,priority=9,reg1=2,actions=write_actions(set_queue:2,output:3)',
  'priority=79,tun_flags=+oam,actions=set_field:0->tun_flags,output:1',
  'priority=81,tun_gbp_id=0x10/0xf0,tun_gbp_flags=0x81,actions=set_field:7->tun_gbp_id,set_field:0x1->tun_gbp_flags,output:1',
  'priority=82,ip,actions=push_mpls:0x8847,set_field:5->mpls_label,set_mpls_ttl(9),dec_mpls_ttl,output:2',
  'priority=83,mpls,mpls_label=16,mpls_tc=3,mpls_bos=1,actions=pop_mpls:0x0800,output:1',
  'priority=84,mplsm,mpls_ttl=5,actions=set_field:2->mpls_tc,push_mpls:0x8848,output:3',
  'priority=80,icmp6,icmp_type=136,nd_reserved=1610612736,nd_options_type=2,actions=set_field:536870912->nd_reserved,set_field:1->nd_options_type,output:3',
];



describe.skipIf(!haveOvs())('ovs-ofctl -O OpenFlow13: a netloom switch prints what Open vSwitch prints', () => {
  let ovs: OvsSwitch;
  const stop = new AbortController();
  let done: Promise<unknown>;
  let port = 0;

  const netloom = (args: string[]) => ofctlNetloom(port, args);
  const real = (args: string[]) => ofctlOvs(ovs, args);

  beforeAll(async () => {
    ovs = OvsSwitch.start({ ports: 3, protocol: 'OpenFlow13' });
    const topology = loadTopology(TOPOLOGY, 'ofctl-interop.yaml');
    const listening = new Promise<number>((resolve) => {
      done = runTopologyRealtime(topology, { signal: stop.signal, onListening: (_node, _host, p) => resolve(p) });
    });
    port = await listening;
    // Both start with one flow: drop everything.
    ovs.delFlows();
    ovs.addFlows(['priority=0,actions=drop']);
  }, 60_000);

  afterAll(async () => {
    stop.abort();
    await done;
    ovs?.stop();
  });

  it('show: features, ports (LOCAL included) and the switch config', async () => {
    const ours = await netloom(['show']);
    expect(ours.failed).toBe(false);
    expect(normalize(ours.stdout)).toBe(normalize(real(['show']).stdout));
  });

  it.each(FLOWS)('add-flow %s, then dump-flows', async (flow) => {
    const ours = await netloom(['add-flow', flow]);
    const theirs = real(['add-flow', flow]);
    expect({ failed: ours.failed, stderr: ours.stderr }).toEqual({ failed: false, stderr: '' });
    expect(theirs.failed).toBe(false);
    const dump = sorted((await netloom(['dump-flows'])).stdout);
    expect(dump).toBe(sorted(real(['dump-flows']).stdout));
    expect(dump.split('\n').length).toBeGreaterThan(2);
  });

  it('dump-flows with a table and with a match', async () => {
    for (const args of [['dump-flows', 'table=1'], ['dump-flows', 'in_port=1'], ['dump-flows', 'ip'], ['dump-flows', 'cookie=0x1234/-1']]) {
      expect(sorted((await netloom(args)).stdout), args.join(' ')).toBe(sorted(real(args).stdout));
    }
  });

  it('dump-aggregate, dump-tables, dump-ports, dump-ports 1, dump-ports-desc, get-frags', async () => {
    for (const args of [['dump-aggregate'], ['dump-tables'], ['dump-ports-desc'], ['get-frags']]) {
      expect(normalize((await netloom(args)).stdout), args.join(' ')).toBe(normalize(real(args).stdout));
    }
    for (const args of [['dump-ports'], ['dump-ports', '1']]) {
      expect(sorted((await netloom(args)).stdout), args.join(' ')).toBe(sorted(real(args).stdout));
    }
  });

  it('del-flows with a match, then without', async () => {
    for (const args of [['del-flows', 'in_port=1'], ['del-flows', 'table=1,ip'], ['del-flows', 'cookie=0x1234/-1']]) {
      const ours = await netloom(args);
      const theirs = real(args);
      expect(ours.failed, args.join(' ')).toBe(theirs.failed);
      expect(sorted((await netloom(['dump-flows'])).stdout), args.join(' ')).toBe(sorted(real(['dump-flows']).stdout));
    }
    await netloom(['del-flows']);
    real(['del-flows']);
    expect(normalize((await netloom(['dump-flows'])).stdout)).toBe(normalize(real(['dump-flows']).stdout));
  });

  it('queue-stats and queue-get-config: ovs-ofctl reads p3\'s queues (OVS\'s dummy ports have no QoS to compare them with)', async () => {
    expect(normalize((await netloom(['queue-stats'])).stdout)).toBe([
      'OFPST_QUEUE reply (OF1.3) (xid=?): 3 queues',
      '  port 3 queue 0: bytes=0, pkts=0, errors=0, duration=?',
      '  port 3 queue 1: bytes=0, pkts=0, errors=0, duration=?',
      '  port 3 queue 2: bytes=0, pkts=0, errors=0, duration=?',
    ].join('\n'));
    expect(normalize((await netloom(['queue-get-config', '3'])).stdout)).toBe(
      ['OFPT_QUEUE_GET_CONFIG_REPLY (OF1.3) (xid=?): port=3', 'queue 0: min_rate:20.0%', 'queue 1: min_rate:60.0%', 'queue 2: min_rate:20.0%'].join('\n'),
    );
    // A port that declares no queues lists none (ovs-vswitchd's dummy netdev makes up a queue 0 on every port, counters unknown, no properties).
    expect(normalize((await netloom(['queue-stats', '1'])).stdout)).toBe('OFPST_QUEUE reply (OF1.3) (xid=?): 0 queues');
    expect(normalize((await netloom(['queue-get-config', '1'])).stdout)).toBe('OFPT_QUEUE_GET_CONFIG_REPLY (OF1.3) (xid=?):');
  });

  it('refusals: the same OpenFlow error for a group that does not exist', async () => {
    const flow = 'priority=9,actions=group:1';
    const ours = await netloom(['add-flow', flow]);
    const theirs = real(['add-flow', flow]);
    expect(ours.failed).toBe(true);
    expect(ours.stderr.replace(/xid=0x[0-9a-f]+/g, 'xid')).toBe(theirs.stderr.replace(/xid=0x[0-9a-f]+/g, 'xid'));
  });
});
