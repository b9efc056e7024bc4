/** netloom's public API, listed explicitly. Everything not exported here is internal. */
export { decode, decodeTolerant, type TolerantDecode, type LayerSpan } from './wire/decode.js';
export { encode, encodeInto } from './wire/encode.js';
export type { DecodeOptions, EncodeOptions } from './wire/codec.js';
export {
  LAYER_NAMES,
  type Layer,
  type LayerName,
  type LayerSpec,
  type SpecOf,
  type Ethernet,
  type Vlan,
  type Arp,
  type Ipv4,
  type Ipv6,
  type Ipv6ExtensionHeader,
  type Ipv6ExtensionHeaderSpec,
  type Icmp,
  type Icmpv6,
  type Udp,
  type Tcp,
  type Vxlan,
  type Gre,
  type Esp,
  type EspAlgorithm,
  type Payload,
} from './wire/layers.js';
export { WireError, type WireErrorCode } from './wire/errors.js';
export { LayerRegistry, defaultRegistry, ETHERTYPE, IPPROTO, VXLAN_PORT } from './wire/registry.js';
export { FlowKey, extractFlowKey, extractTunnelFlowKey, flowHash, NW_FRAG, VLAN_CFI } from './wire/flowkey.js';
export { ReplayWindow, ESP_ALGORITHMS, type SecurityAssociation } from './wire/esp-sa.js';
export { layerToJson, layersFromJson, type JsonLayer } from './wire/json.js';
export { parseSpec, SpecError } from './wire/craft.js';
export { explain } from './wire/explain.js';
export { toHex, fromHex } from './wire/addresses.js';
export { internetChecksum } from './wire/checksum.js';

// Captures.
export { openCapture, type OpenCaptureOptions } from './capture/open.js';
export { PcapngWriter, type PcapngOptions } from './capture/pcapng.js';
export { writePcap, type PcapOptions } from './capture/pcap.js';
export { MemorySink } from './capture/sinks.js';
export { readCapture, type CaptureRead, type CapturedPacket, type CapturedInterface } from './capture/read.js';
export { CaptureError, type CaptureErrorCode } from './capture/errors.js';
export { tsharkEspOptions } from './capture/esp-secrets.js';
export { CAPTURE_EPOCH } from './capture/writer.js';
export type { CaptureWriter, CaptureInterface, PacketMeta, EspSaRecord, WriterOptions } from './capture/writer.js';

// Topologies, runs and paths: assert forwarding in tests as `netloom run` and `trace` do.
export { loadTopology, loadTopologyFile } from './topology/load.js';
export { topology, type TopologyBuilder, type TopologyOptions, type TopologyDocument, type HostInput, type RouterInput, type SwitchInput, type ControllerInput, type LinkInput, type PingInput, type UdpInput, type ExpectationInput, type TenantInput, type PlatformInput } from './topology/define.js';
export { lessonPath } from './topology/lessons.js';
export { TopologyError, ProbeError, RunOptionError, type TopologyIssue, type ProbeArgument, type RunOption } from './topology/errors.js';
export { runTopology, runTopologyRealtime, tracePath, type RunOptions, type TraceOptions, type RealtimeOptions, type RunSummary, type TrafficSummary, type ExpectationResult } from './topology/run.js';
export { formatRunSummary } from './topology/summary.js';
export { netloomMatchers, type PathProbe } from './topology/assert.js';
export type { AssertionResult, DropExpectation } from './trace/assert.js';
export { loadApps } from './topology/apps.js';
export { verifyIsolation, replayWitness, formatIsolationReport, VerifyError, type VerifyRunOptions, type ReplayResult } from './topology/verify.js';
export type { IsolationReport, Leak, LeakKind, Witness, PathStep, RuleRef, FlowspaceEntry, FlowspaceOverlap, VerifyOptions } from './tenants/verify.js';
export type { Topology, NodeSpec, HostSpec, RouterSpec, SwitchSpec, SwitchPortSpec, ControllerSpec, TunnelSpec, LinkSpec, TrafficSpec, Expectation, DropReason, Disposition } from './topology/types.js';
export { formatPath, type PathResult, type Hop } from './trace/path.js';
export type { TraceEvent, TraceSink, TraceDirection } from './sim/recorder.js';

// The live feed: trace events over WebSocket and the run as live pcapng, with its message schema for clients.
export { startFeed, type Feed, type FeedOptions } from './feed/feed.js';
export type { FeedServer, FeedServerOptions, FeedMetrics, Refusals } from './feed/server.js';
export { FeedError, type FeedErrorCode } from './feed/errors.js';
export {
  FEED_PROTOCOL,
  type ServerMessage,
  type HelloMessage,
  type EventsMessage,
  type StateMessage,
  type DecodeMessage,
  type ErrorMessage,
  type FeedMessageErrorCode,
  type FeedEvent,
  type GapMarker,
  type StackEntry,
  type EncapEntry,
  type TopologyView,
  type RunState,
  type PlayState,
  type ClientMessage,
  type FeedFilter,
} from './feed/messages.js';

// The switch: flow tables in ovs-ofctl syntax on a stand-alone bridge.
export { Bridge } from './switch/bridge.js';
export { parseFlow, FlowSyntaxError } from './switch/ofctl.js';
export { GroupError } from './switch/group.js';
export { MeterError, type Meter, type MeterBand } from './switch/meter.js';
export { formatTrace, packetFromFlow } from './switch/trace.js';
export type { Rule, Action, Group, Bucket } from './switch/flow.js';
export type { PipelineResult, Output } from './switch/pipeline.js';

// OpenFlow 1.3 on the wire: every message, decoded and encoded byte-exact.
export { decodeMessage, encodeMessage, OFPT, OFPP, type OfMessage, type MessageOf, type MessageType } from './openflow/messages.js';
export { OpenFlowError, OFPET, type OpenFlowErrorCode } from './openflow/errors.js';
export type { OfAction, OfInstruction } from './openflow/actions.js';
export type { Oxm } from './openflow/oxm.js';

// The controller: apps in the style of os-ken, for topologies and for real switches over TCP.
export { Controller, type ControllerApp, type AppFactory, type AppContext, type PacketInEvent } from './controller/controller.js';
export { Datapath, OpenFlowRequestError, type FlowModSpec } from './controller/datapath.js';
export { listenController } from './controller/tcp.js';
export { BUILT_IN_APPS } from './controller/apps/index.js';
