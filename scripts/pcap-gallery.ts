/**
 * The pcap gallery (pcap/ and its README.md): a capture of each lesson, made by running the lesson
 * with its own seed, so the same netloom makes the same bytes. `npx tsx scripts/pcap-gallery.ts`
 * writes them; test/capture/gallery.test.ts checks that pcap/ holds exactly these bytes and that
 * tshark finds nothing malformed or wrong in them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MemorySink } from '../src/capture/sinks.js';
import { PcapngWriter } from '../src/capture/pcapng.js';
import { CAPTURE_EPOCH } from '../src/capture/writer.js';
import { tsharkEspOptions } from '../src/capture/esp-secrets.js';
import { loadTopologyFile } from '../src/topology/load.js';
import { espSecretsOf, runTopology } from '../src/topology/run.js';

const root = join(import.meta.dirname, '..');

/** The lessons in the gallery, and what to look at in each capture. */
export const GALLERY: readonly { lesson: string; look: string }[] = [
  { lesson: 'lan', look: 'ARP first, then ICMP: the switch floods each first frame (it is on every port) and forwards to one port once it has learned the MAC.' },
  { lesson: 'two-subnets', look: "The same echo request on each router's two ports: TTL one lower and new MACs after each hop; the TTL-2 pings come back as ICMP time exceeded from the second router." },
  { lesson: 'vlan', look: "802.1Q tags (VLAN 10 and 20) on s1:uplink only, none on the hosts' ports; h1's ARP for h5 unanswered across VLANs." },
  { lesson: 'mtu', look: 'Fragmentation needed (ICMP type 3 code 4, next-hop MTU 1400) for the DF pings; without DF, r1 sends two IPv4 fragments that h2 reassembles.' },
  { lesson: 'vxlan', look: 'On s1:eth1 and r1 every frame is Ethernet / IPv4 / UDP 4789 / VXLAN (VNI 5000) / Ethernet / IPv4: two of each, 50 bytes of overlay.' },
  { lesson: 'gre', look: 'IPv4 / GRE (key 100, protocol 0x6558) / Ethernet / IPv4 / ICMP on r1: 42 bytes around each frame.' },
  { lesson: 'esp', look: 'IPv4 / ESP on s1:eth1 (SPIs 0x1001 and 0x1002), the pings in the clear at h1 and h2; with the options below Wireshark decrypts the ESP to GRE / Ethernet / IPv4 / ICMP.' },
  { lesson: 'docker-encrypted-overlay', look: 'IPv4 / ESP on node1:eth1, between the Docker hosts; decrypted (options below) it is UDP 4789 / VXLAN VNI 4097 / the containers\' frames.' },
  { lesson: 'vlan-vs-vxlan', look: 'One ping with a local VLAN on int1:patch (VLAN 1), VNI 70000 on tun1:eth1, and VLAN 3 on int2:patch.' },
  { lesson: 'gre-costs', look: "h2's ARP broadcast crossing the underlay twice through the hub; the 1472-byte pings as two outer IPv4 fragments on s2:eth1." },
  { lesson: 'acl', look: 'UDP to port 5001 never leaves s1 (the ACL drops it); UDP to 5002, ARP and ICMP do.' },
  { lesson: 'link-failure', look: 'The pings sent while r1–r2 is down end at r1 (their comments say LINK_DOWN); later ones cross again.' },
  { lesson: 'controller-learning', look: "OpenFlow on each switch's openflow interface (TCP 6653): PACKET_IN, FLOW_MOD, PACKET_OUT, then the pings stay in the switches." },
  { lesson: 'controller-proactive', look: 'LLDP PACKET_OUTs and PACKET_INs as c1 discovers the links, then PORT_STATUS when s1–s3 fails and the new FLOW_MODs.' },
  { lesson: 'tenants-two-switches', look: "Tenant addresses (10.0.0.x) at the hosts, physical ones (1.0.0.x blue, 2.0.0.x red) on s1:core; every frame's comment names its tenant. Wireshark's ARP analysis warns of a duplicate IP address: the tenants do share 10.0.0.2, which is the point." },
  { lesson: 'tenants-vlan-trunk', look: "blue's frames in VLAN 10 and red's in VLAN 20 on s1:trunk, both from 10.0.0.1; untagged at the hosts. The duplicate IP address Wireshark warns of is the tenants' shared 10.0.0.2." },
  { lesson: 'tenants-big-switch-failover', look: "blue's pings to b3 leave s1 on s1:s3, then on s1:s2 in VLAN 3 while that link is down, then on s1:s3 again." },
];

/** A lesson's capture, as its run with its own seed writes it. */
export async function galleryCapture(lesson: string): Promise<Uint8Array> {
  const sink = new MemorySink();
  const summary = await runTopology(loadTopologyFile(join(root, 'topologies', `${lesson}.yaml`)), { capture: new PcapngWriter(sink, { epoch: CAPTURE_EPOCH }) });
  if (!summary.passed) throw new Error(`${lesson}: its expectations failed`);
  return sink.bytes();
}

/** The tshark options that decrypt a lesson's ESP (empty when it has none). */
export function galleryEspOptions(lesson: string): string {
  const secrets = espSecretsOf(loadTopologyFile(join(root, 'topologies', `${lesson}.yaml`)));
  return secrets.length === 0 ? '' : tsharkEspOptions(secrets);
}

/** pcap/README.md. */
export function galleryReadme(): string {
  const lines = [
    '# The pcap gallery',
    '',
    "A capture of the lessons in `topologies/`, written by `npx tsx scripts/pcap-gallery.ts` (each lesson's own seed: the same",
    'netloom writes the same bytes; `npm test` checks these are them, and that tshark finds nothing wrong in them). Every port',
    'captured is an interface of its own (`frame.interface_name`, e.g. `s1:eth1`); each frame\'s comment says what happened to it.',
    'A lesson captures every port unless it names its capture points (`capture:`, as the ESP lessons do, so each ESP packet is',
    'seen once). Time 0 of a run is 2025-01-01 00:00:00 UTC.',
    'Lessons that push thousands of frames to fill a link (meters, qos-shares, tenants-bandwidth) are left out for their size:',
    '`npx netloom run topologies/meters.yaml --pcap meters.pcapng` makes one.',
    '',
    ...GALLERY.flatMap(({ lesson, look }) => {
      const esp = galleryEspOptions(lesson);
      return [`- **${lesson}.pcapng** (\`topologies/${lesson}.yaml\`): ${look}`, ...(esp === '' ? [] : ['', `  \`tshark -r pcap/${lesson}.pcapng ${esp}\``, ''])];
    }),
    '',
  ];
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  mkdirSync(join(root, 'pcap'), { recursive: true });
  for (const { lesson } of GALLERY) {
    const bytes = await galleryCapture(lesson);
    writeFileSync(join(root, 'pcap', `${lesson}.pcapng`), bytes);
    console.log(`pcap/${lesson}.pcapng  ${bytes.length} bytes`);
  }
  writeFileSync(join(root, 'pcap', 'README.md'), galleryReadme());
  console.log('pcap/README.md');
}
