#!/usr/bin/env node
/**
 * The netloom command line: commander wiring only. Each command's work lives in its own file,
 * loaded when that command runs, so `netloom --version` starts fast.
 */
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { run } from './errors.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const collect = (value: string, previous: string[]) => [...previous, value];

// A reader that stops early (`| head -1`) closes the pipe: that is done, not a failure; a full disk is one line, not a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    if (stream === process.stdout) process.stderr.write(`netloom: NETLOOM_OUTPUT: cannot write standard output: ${error.code ?? error.message}\n`);
    process.exit(3);
  });
}

const program = new Command('netloom')
  .description('Packet-level virtual network emulator: real bytes on every emulated link')
  .version(version)
  .showHelpAfterError('(run with --help for usage)')
  // A mistake on the command line is bad input like any other: one NETLOOM_USAGE line, exit 2.
  .configureOutput({ outputError: (text, write) => write(`netloom: NETLOOM_USAGE: ${text.replace(/^error: /, '')}`) })
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));

program
  .command('craft')
  .description('build packets from Scapy-like specs and explain them (or print hex, JSON, or a pcap)')
  .argument('[spec...]', 'e.g. ethernet(src=02:00:00:00:00:01)/ipv4(dst=10.0.0.2)/udp(dstPort=4789)/vxlan(vni=5000)/ethernet/ipv4/icmp')
  .option('-f, --file <file>', 'read one spec per line (blank lines and # comments skipped)')
  .option('--hex', 'print each packet as one line of hex')
  .option('--json', 'print each packet as one JSON object per line')
  .option('--pcap <file>', 'write the packets to a classic pcap file')
  .option('--epoch <date>', 'the first packet\'s time: a date (2025-01-01T09:00:00Z) or seconds since 1970 (default 2025-01-01T00:00:00Z)')
  .option('--force', 'overwrite an existing --pcap file')
  .addHelpText('after', `
Layers: ethernet vlan arp ipv4 ipv6 icmp icmpv6 udp tcp vxlan gre esp payload
Fields use the JSON names (decode --json shows them); unset lengths, checksums and
next-protocol fields are computed. payload takes data=0x…, text="…" or size=N.
esp(spi=…,seq=…,alg=aes-gcm-128,key=0x…) encrypts the layers after it.

Example:
  netloom craft 'ethernet/ipv4(src=10.0.0.1,dst=10.0.0.2)/udp(dstPort=4789)/vxlan(vni=5000)/ethernet/ipv4/icmp'`)
  .option('--vxlan-port <port>', 'also show this UDP destination port as VXLAN (repeatable)', collect, [])
  .action((specs: string[], options) => run(async () => (await import('./craft.js')).craft(specs, options)));

program
  .command('decode')
  .description('decode packets given as hex, from a pcap/pcapng file, or hex lines on stdin')
  .argument('[hex...]', 'packet bytes in hex (spaces and colons allowed); - or nothing reads stdin')
  .option('--pcap <file>', 'decode every packet of a pcap or pcapng file (- for standard input), printed as it is read')
  .option('--json', 'one JSON object per packet (JSON Lines)')
  .option('--first <layer>', 'the first layer in the bytes', 'ethernet')
  .option('--esp-sa <sa>', 'decrypt ESP with spi=N,alg=aes-gcm-128,key=0x… (repeatable)', collect, [])
  .option('--vxlan-port <port>', 'also decode this UDP destination port as VXLAN (repeatable)', collect, [])
  .option('--nvgre', "also read a GRE key in front of Ethernet as NVGRE's VSID and FlowID (RFC 7637)")
  .action((hex: string[], options) => run(async () => (await import('./decode.js')).decodeCommand(hex, options)));

program
  .command('run')
  .description("run a topology's traffic, print what happened, check its expectations (exit 1 if one fails)")
  .argument('<topology>', 'a topology file (YAML or JSON)')
  .option('--until <time>', 'stop at this virtual time (e.g. 10s); default: when nothing is left to do')
  .option('--seed <n>', "seed for the run's random source (losses, jitter); overrides the file's")
  .option('--pcap <path>', 'capture the run: FILE (pcapng), FILE.pcap, DIR/ (a pcap per port) or - (stdout)')
  .option('--capture <ports>', "the ports captured, e.g. s1:p1,r1:* (NODE:PORT, NODE:*, *); default: the topology's capture:, else every port")
  .option('--epoch <date>', 'what virtual time 0 is in captures: a date (2025-01-01T09:00:00Z) or seconds since 1970 (default 2025-01-01T00:00:00Z)')
  .option('--events <file>', 'write every trace event as JSON Lines')
  .option('--force', 'overwrite existing capture or events files')
  .option('--json', 'print the summary as one JSON object')
  .option('--realtime', 'pace virtual time to the wall clock (automatic when a switch has listen: or a tcp: controller)')
  .option('--feed <[host:]port>', 'serve the run live: trace events over WebSocket, pcapng over HTTP (paced to the wall clock at --speed)')
  .option('--speed <x>', 'with --feed: virtual seconds per real second, e.g. 0.01 to watch packets cross links, or max (default 1)')
  .option('--token <token>', 'with --feed: the token clients must give (one is generated when --feed is not on loopback)')
  .action((file: string, options) => run(async () => (await import('./run.js')).runCommand(file, options)));

program
  .command('serve')
  .description('serve a topology on the live feed and let a client play, pause, step and restart its run')
  .argument('<topology>', 'a topology file (YAML or JSON)')
  .option('--listen <[host:]port>', 'where the feed listens (not loopback: a token is required)', '127.0.0.1:7681')
  .option('--token <token>', 'the token clients must give (generated and printed when needed and not given)')
  .option('--speed <x>', 'virtual seconds per real second when playing, or max', '1')
  .option('--seed <n>', "seed for the run's random source")
  .option('--until <time>', 'stop at this virtual time (e.g. 10s)')
  .addHelpText('after', `
Endpoints: / (a page listing them), /feed (WebSocket), /capture.pcapng (live pcapng),
/topology.json, /metrics. The README's "Live feed" section has the message schema.`)
  .action((file: string, options) => run(async () => (await import('./serve.js')).serveCommand(file, options)));

program
  .command('controller')
  .description("run netloom's OpenFlow 1.3 controller for real switches (ovs-vsctl set-controller BRIDGE tcp:HOST:PORT)")
  .option('--listen <[host:]port>', 'where switches connect', '127.0.0.1:6653')
  .option('--app <app>', 'a built-in app (learning) or the path of an app module', 'learning')
  .option('--option <key=value...>', "an option for the app, e.g. --option idleTimeout=10 (values are JSON when they parse as JSON)")
  .action((options) => run(async () => (await import('./controller.js')).controllerCommand(options)));

program
  .command('trace')
  .description('send one packet through a topology and print its path hop by hop (exit 1 when it is not delivered)')
  .argument('<topology>', 'a topology file (YAML or JSON)')
  .requiredOption('--from <host>', 'the host that sends')
  .requiredOption('--to <target>', 'a node name or an IPv4 address')
  .option('--proto <proto>', 'icmp or udp', 'icmp')
  .option('--dport <port>', 'UDP destination port', '33434')
  .option('--at <time>', 'when to send it (link schedules apply), e.g. 4s')
  .option('--size <bytes>', 'payload bytes: ICMP echo data (default 56) or UDP payload (default 32)')
  .option('--df', "set IPv4 don't-fragment: a link with a smaller MTU drops it and says so")
  .option('--seed <n>', "seed for the run's random source")
  .option('--pcap <path>', 'capture the trace (as for run)')
  .option('--capture <ports>', 'the ports captured (as for run)')
  .option('--epoch <date>', 'what virtual time 0 is in the capture (as for run)')
  .option('--force', 'overwrite an existing capture')
  .option('--json', 'print the path result as JSON')
  .action((file: string, options) => run(async () => (await import('./trace.js')).traceCommand(file, options)));

const flows = program.command('flows').description('OpenFlow tables in ovs-ofctl syntax, on a stand-alone bridge');
const flowOptions = (c: Command) =>
  c
    .requiredOption('--flows <file>', 'flows in ovs-ofctl add-flow syntax, one per line (# comments)')
    .option('--meters <file>', 'meters the flows use (meter:N), in ovs-ofctl add-meter syntax, one per line (# comments)')
    .option('--ports <ports>', 'the bridge\'s OpenFlow port numbers, e.g. 1-8 or 1,2,5 (named p1, p2, …)', '1-8')
    .option('--protocols <version>', 'whose action checks flows get: OpenFlow10 (plain ovs-ofctl: strip_vlan, mod_nw_src… act on the packet as it is) or OpenFlow13 (as ovs-ofctl -O OpenFlow13: the match must prove the header)', 'OpenFlow10');

flowOptions(
  flows
    .command('trace')
    .description('explain how packets go through the tables, as ovs-appctl ofproto/trace does, and show the packets that leave')
    .argument('[flow...]', 'fields describing a packet, e.g. in_port=1,tcp,nw_dst=10.0.0.2,tp_dst=80 or in_port=2,vlan_tci=0,dl_src=…; several go through in order'),
)
  .option('--in-port <n>', 'the port the packet arrives on (default: in_port of FLOW, else 1)')
  .option('--packet <hex>', 'the packet bytes')
  .option('--pcap <file>', 'every packet of a capture, in order, through one bridge')
  .option('--generate', 'as ofproto/trace -generate (or -generate): a FLOW runs with side effects (MAC learning, learn actions, counters, meters), as packets from --packet and --pcap always do')
  .option('--state <file>', 'keep the bridge across commands: learned MACs, flows added by learn and counters are read from FILE when it exists, and written back after a --generate run')
  .option('--frags <mode>', 'what lookups do with IP fragments, as ovs-ofctl set-frags: normal (no L4 ports), drop or nx-match', 'normal')
  .option('--ct-next <flags>', 'as ofproto/trace --ct-next: the ct_state (e.g. trk,est) the next clone a ct(table=…) forks resumes with, in place of trk|new or what the tracker says; once per clone, in order, for each packet', (flags: string, all: string[] = []) => [...all, flags])
  .option('--json', 'one JSON object per packet: {"outputs":[{"port":2,"packet":"<hex>"}],"steps":[…]}')
  .action((flows: string[], options) => run(async () => (await import('./flows.js')).flowsTrace(flows, options)));

flowOptions(flows.command('dump').description('list the flows as ovs-ofctl dump-flows does')).action((options) =>
  run(async () => (await import('./flows.js')).flowsDump(options)),
);

flowOptions(flows.command('dump-meters').description('list the meters as ovs-ofctl -O OpenFlow13 dump-meters does')).action((options) =>
  run(async () => (await import('./flows.js')).flowsDumpMeters(options)),
);

program
  .command('validate')
  .description('check a topology file: every problem in it at its line and column (exit 2), then what its tunnels would fail on (exit 1)')
  .argument('<topology>', 'a topology file, YAML or JSON')
  .action((file: string) => run(async () => (await import('./validate.js')).validateCommand(file)));

program
  .command('schema')
  .description('print the JSON Schema of topology files, for editors (yaml-language-server)')
  .addHelpText('after', `
In VS Code with the YAML extension, save it and put this first in a topology file:
  # yaml-language-server: $schema=./netloom.schema.json`)
  .action(() => run(async () => (await import('./schema.js')).schemaCommand()));

program
  .command('test')
  .description("run every topology's expectations as a test suite (exit 1 if one fails, 2 if a file is bad)")
  .argument('[paths...]', 'topology files, or folders of them (.yaml, .yml, .json); default: ./topologies')
  .option('--junit <file>', 'also write a JUnit XML report: a testsuite per topology, a testcase per expectation')
  .action((paths: string[], options) => run(async () => (await import('./test.js')).testCommand(paths, options)));

program
  .command('tenants')
  .description("print each tenant's virtual switches, its address mapping and the physical ports behind its virtual ones")
  .argument('<topology>', 'a topology file with tenants:')
  .action((file: string) => run(async () => (await import('./tenants.js')).tenantsCommand(file)));

program
  .command('verify')
  .description('prove the tenants isolated in the installed physical flow tables, or show a leak with a witness frame (exit 1 if isolation fails)')
  .argument('<topology>', 'a topology file with tenants:')
  .option('--at <time>', 'verify the tables installed at this virtual time (e.g. 2s); default: when the run has nothing left to do')
  .option('--tenants <names>', 'check only these tenants and leaks between them, e.g. blue,red')
  .option('--json', 'print the report as one JSON object')
  .action((file: string, options) => run(async () => (await import('./verify.js')).verifyCommand(file, options)));

// ofproto/trace's own spelling of --generate, so a pasted `ovs-appctl ofproto/trace` line works.
if (process.argv[2] === 'flows' && process.argv[3] === 'trace') process.argv = process.argv.map((a) => (a === '-generate' ? '--generate' : a));
program.parseAsync().catch((error: unknown) => {
  process.stderr.write(`netloom: internal error: ${String(error)}\n`);
  process.exitCode = 3;
});
