/**
 * The shape of a topology file, as zod schemas: what each key may hold, the units and defaults
 * of each value, the text forms of names and addresses. Parsing one piece gives its values in
 * the units of types.ts. The loader checks the pieces one by one (to report every problem and
 * avoid knock-on ones); `topologyFileSchema` puts them together for `netloom schema`.
 * Cross-references (a link's node, a route's next hop on a subnet) are the loader's, not here.
 */
import * as z from 'zod';
import { Address4, Address6 } from 'ip-address';
import type { Disposition, DropReason } from './types.js';
import { parseBandwidth, parseDuration, parseLoss, parseRate, UnitError } from './units.js';
import { didYouMean, listNames } from './errors.js';
import { networkOf, numberToIpv4 } from '../hosts/addressing.js';

/** Every value of a union type, checked by the compiler to be complete. */
const allOf =
  <T extends string>() =>
  <const A extends readonly [T, ...T[]]>(values: A, ..._complete: [Exclude<T, A[number]>] extends [never] ? [] : [missing: Exclude<T, A[number]>]): A =>
    values;

export const NODE_KINDS = ['host', 'router', 'switch', 'controller'] as const;
export const DROP_REASONS = allOf<DropReason>()([
  'MTU_EXCEEDED',
  'QUEUE_FULL',
  'LOSS',
  'LINK_DOWN',
  'NO_LINK',
  'TTL_EXCEEDED',
  'NO_ROUTE',
  'ARP_FAILED',
  'NOT_FOR_US',
  'PORT_UNREACHABLE',
  'REASSEMBLY_TIMEOUT',
  'FLOW_DROP',
  'LOOP',
  'BAD_PACKET',
]);
export const DISPOSITIONS = allOf<Disposition>()(['DELIVERED', 'DROPPED', 'LOOP', 'NO_ROUTE', 'TTL_EXCEEDED', 'MTU_EXCEEDED', 'ISOLATED']);
export const TRAFFIC_KINDS = ['ping', 'udp'] as const;
export const EXPECTATION_KINDS = ['delivered', 'dropped', 'path', 'isolated'] as const;

// ---- names -------------------------------------------------------------------------------

export const NODE_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;
/** Interface and switch port names; `.` and `/` allow eth0.10 and Gi0/1. */
export const PORT_NAME = /^[A-Za-z][A-Za-z0-9_./-]*$/;

export const nodeName = z
  .string()
  .regex(NODE_NAME, { error: (issue) => `node name ${JSON.stringify(issue.input)} must start with a letter and hold only letters, digits, _ and -` })
  .meta({ description: 'A node name: a letter, then letters, digits, _ or -' });

export const portName = z
  .string()
  .regex(PORT_NAME, { error: (issue) => `port name ${JSON.stringify(issue.input)} must start with a letter and hold only letters, digits, _ . / and -` })
  .meta({ description: 'An interface or port name, e.g. eth0' });

/** `one of "a"|"b"` reworded: `unknown reason "X"; did you mean "Y"? (reasons are A, B)`. */
function oneOf<const T extends readonly [string, ...string[]]>(values: T, noun: string, plural = `${noun}s`) {
  return z.enum(values, {
    error: (issue) => {
      const input = issue.input;
      if (typeof input !== 'string') return undefined;
      return `unknown ${noun} ${JSON.stringify(input)}${didYouMean(input, values)} (${plural} are ${listNames(values)})`;
    },
  });
}

// ---- numbers and units -------------------------------------------------------------------

function int(min: number, max: number) {
  const range = `an integer in ${min}-${max}`;
  return z
    .number({ error: (issue) => (issue.input === undefined ? undefined : `expected ${range}, got ${describeValue(issue.input)}`) })
    .int({ error: (issue) => `expected ${range}, got ${describeValue(issue.input)}` })
    .min(min, { error: (issue) => `expected ${range}, got ${describeValue(issue.input)}` })
    .max(max, { error: (issue) => `expected ${range}, got ${describeValue(issue.input)}` });
}

function unit(parse: (value: string | number) => number, expected: string, description: string, pattern: string) {
  return z
    .union([z.string(), z.number()], { error: (issue) => (issue.input === undefined ? undefined : `expected ${expected}, got ${describeValue(issue.input)}`) })
    .meta({ description, pattern })
    .transform((value, ctx) => {
      try {
        return parse(value);
      } catch (error) {
        if (!(error instanceof UnitError)) throw error;
        ctx.issues.push({ code: 'custom', message: error.message, input: value });
        return z.NEVER;
      }
    });
}

const DECIMAL = String.raw`(\d+(\.\d*)?|\.\d+)`;

export const duration = unit(parseDuration, 'a duration such as 2.5ms', 'A duration: a number and ns, us, ms or s (2.5ms); 0 alone is allowed', `^(0|${DECIMAL} *(ns|us|µs|μs|ms|s))$`);
export const bandwidth = unit(parseBandwidth, 'a bandwidth such as 100Mbps', 'Bits per second: a number and bps, kbps, Mbps or Gbps (1000-based); 0 is unlimited', `^(0|${DECIMAL} *[kKmMgGtT]?bps)$`);
export const rate = unit(parseRate, 'a rate such as 100pps', 'Packets per second: 100pps or a bare number', `^${DECIMAL} *(pps)?$`);
export const loss = unit(parseLoss, 'a fraction in 0-1 or a percentage such as 1%', 'Probability a frame is lost: a fraction in 0-1 or a percentage (1%)', `^${DECIMAL} *%?$`);

/** A duration that must be above zero (a timeout). */
const positiveDuration = duration.refine((ns) => ns > 0, { error: 'must be longer than 0s' });

// ---- addresses ---------------------------------------------------------------------------

/** An IPv4 address or prefix, parsed once: `value` is the address as an unsigned 32-bit number. */
export interface Ipv4 {
  address: string;
  prefixLength: number;
  value: number;
}

export interface Ipv6 {
  /** RFC 5952 text. */
  address: string;
  prefixLength: number;
  value: bigint;
}

function parseIpv4(text: string): Address4 | undefined {
  if (!Address4.isValid(text)) return undefined;
  return new Address4(text);
}

function ipv4Of(parsed: Address4): Ipv4 {
  return { address: parsed.addressMinusSuffix, prefixLength: parsed.subnetMask, value: Number(parsed.bigInt()) };
}

function text(description: string) {
  return z.string({ error: (issue) => (issue.input === undefined ? undefined : `expected text, got ${describeValue(issue.input)}`) }).meta({ description });
}

/** An interface address with its prefix length: 10.0.1.10/24. */
export const ipv4Interface = text('An IPv4 address and prefix length, e.g. 10.0.1.10/24').transform((input, ctx): Ipv4 => {
  const parsed = parseIpv4(input);
  const fail = (message: string) => {
    ctx.issues.push({ code: 'custom', message, input });
    return z.NEVER;
  };
  if (parsed === undefined) return fail(`"${input}" is not an IPv4 address with a prefix length (e.g. 10.0.1.10/24)`);
  if (!input.includes('/')) return fail(`"${input}" has no prefix length (e.g. ${input}/24)`);
  const ip = ipv4Of(parsed);
  if (ip.prefixLength <= 30) {
    const network = networkOf(ip.value, ip.prefixLength);
    const broadcast = (network | (0xffffffff >>> ip.prefixLength)) >>> 0;
    if (ip.value === network) return fail(`${input} is the network address of its subnet, not a host address`);
    if (ip.value === broadcast) return fail(`${input} is the broadcast address of its subnet, not a host address`);
  }
  return ip;
});

/** An interface IPv6 address with its prefix length: 2001:db8:1::10/64. */
export const ipv6Interface = text('An IPv6 address and prefix length, e.g. 2001:db8:1::10/64').transform((input, ctx): Ipv6 => {
  let parsed: Address6 | undefined;
  try {
    parsed = new Address6(input);
  } catch {
    parsed = undefined;
  }
  const fail = (message: string) => {
    ctx.issues.push({ code: 'custom', message, input });
    return z.NEVER;
  };
  if (parsed === undefined || parsed.zone !== '') return fail(`"${input}" is not an IPv6 address with a prefix length (e.g. 2001:db8::10/64)`);
  if (!input.includes('/')) return fail(`"${input}" has no prefix length (e.g. ${input}/64)`);
  return { address: parsed.correctForm(), prefixLength: parsed.subnetMask, value: parsed.bigInt() };
});

/** A plain IPv4 address: a gateway or next hop. */
export const ipv4Address = text('An IPv4 address, e.g. 10.0.1.1').transform((input, ctx): Ipv4 => {
  const parsed = parseIpv4(input);
  if (parsed === undefined || input.includes('/')) {
    ctx.issues.push({ code: 'custom', message: `"${input}" is not an IPv4 address${input.includes('/') ? ' (no prefix length here)' : ''}`, input });
    return z.NEVER;
  }
  return ipv4Of(parsed);
});

/** A plain IPv4 or IPv6 address: a tunnel endpoint, or the underlay's gateway. */
export const ipAddress = text('An IPv4 or IPv6 address, e.g. 10.0.1.1 or 2001:db8::1').transform((input, ctx): Ipv4 | Ipv6 => {
  if (!input.includes(':')) {
    const parsed = parseIpv4(input);
    if (parsed !== undefined && !input.includes('/')) return ipv4Of(parsed);
  } else if (Address6.isValid(input) && !input.includes('/') && !input.includes('%')) {
    const parsed = new Address6(input);
    return { address: parsed.correctForm(), prefixLength: 128, value: parsed.bigInt() };
  }
  ctx.issues.push({ code: 'custom', message: `"${input}" is not an IPv4 or IPv6 address${input.includes('/') ? ' (no prefix length here)' : ''}`, input });
  return z.NEVER;
});

/** A route's destination: 10.0.3.0/24, with no host bits set. */
export const ipv4Prefix = text('An IPv4 prefix, e.g. 10.0.3.0/24 or 0.0.0.0/0').transform((input, ctx): Ipv4 => {
  const parsed = parseIpv4(input);
  const fail = (message: string) => {
    ctx.issues.push({ code: 'custom', message, input });
    return z.NEVER;
  };
  if (parsed === undefined) return fail(`"${input}" is not an IPv4 prefix (e.g. 10.0.3.0/24)`);
  if (!input.includes('/')) return fail(`"${input}" has no prefix length (e.g. ${input}/32)`);
  const ip = ipv4Of(parsed);
  const network = networkOf(ip.value, ip.prefixLength);
  if (network !== ip.value) return fail(`${input} has host bits set; did you mean ${numberToIpv4(network)}/${ip.prefixLength}?`);
  return ip;
});

const MAC = /^[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(\1[0-9A-Fa-f]{2}){4}$/;

/** A unicast MAC, written with : or -, returned as lower-case aa:bb:cc:dd:ee:ff. */
export const mac = text('A unicast MAC address, e.g. 02:00:00:00:01:10').transform((input, ctx): string => {
  if (!MAC.test(input)) {
    ctx.issues.push({ code: 'custom', message: `"${input}" is not a MAC address (e.g. 02:00:00:00:01:10)`, input });
    return z.NEVER;
  }
  const normal = input.toLowerCase().replaceAll('-', ':');
  if (parseInt(normal.slice(0, 2), 16) & 1) {
    ctx.issues.push({ code: 'custom', message: `${input} is a multicast MAC; an interface needs a unicast one`, input });
    return z.NEVER;
  }
  return normal;
});

/** One value or a list of them, always a list after parsing. */
function oneOrMany<T extends z.ZodType>(item: T) {
  return z.union([item, z.array(item)]).transform((value) => (Array.isArray(value) ? value : [value]) as z.output<T>[]);
}

// ---- nodes -------------------------------------------------------------------------------

export const interfaceSchema = z
  .strictObject({
    ipv4: oneOrMany(ipv4Interface).prefault([]).meta({ description: 'IPv4 address(es) with prefix length' }),
    ipv6: oneOrMany(ipv6Interface).prefault([]).meta({ description: 'IPv6 address(es) with prefix length' }),
    mac: mac.optional().meta({ description: 'MAC address; generated from node:port when absent' }),
  })
  .nullable()
  .transform((value) => value ?? { ipv4: [] as Ipv4[], ipv6: [] as Ipv6[] });

const interfaces = z.record(portName, interfaceSchema).meta({ description: 'Interfaces by name: eth0: { ipv4: 10.0.1.10/24 }' });
const arpTimeout = duration.prefault('60s').meta({ description: 'ARP cache entry lifetime (default 60s)' });

export const routeSchema = z
  .strictObject({
    to: ipv4Prefix,
    via: ipv4Address.optional().meta({ description: 'Next hop; must be on a connected subnet' }),
    interface: portName.optional().meta({ description: 'Outgoing interface; found from via when absent' }),
  })
  .refine((route) => route.via !== undefined || route.interface !== undefined, { error: 'a route needs via, interface or both' });

export const hostSchema = z.strictObject({
  kind: z.literal('host'),
  interfaces,
  gateway: ipv4Address.optional().meta({ description: 'Default gateway; must be on one of the host’s IPv4 subnets' }),
  arpTimeout,
});

export const routerSchema = z.strictObject({
  kind: z.literal('router'),
  interfaces,
  routes: z.array(routeSchema).prefault([]),
  arpTimeout,
});

const vlanId = z.number().int().min(0).max(4095);
const orFlow = <T extends z.ZodType>(value: T) => z.union([z.literal('flow'), value]);
const hexKey = z
  .string({ error: (issue) => (typeof issue.input === 'number' ? 'write key material in quotes, e.g. "0x0011…" (YAML reads a bare 0x… as a number)' : undefined) })
  .regex(/^0x([0-9a-fA-F]{2})+$/, { error: 'expected key material as 0x followed by hex bytes' });
/** OFPQ_ALL (0xffffffff) names every queue: the highest queue id is one below. */
const QUEUE_ID_MAX = 0xfffffffe;
const queueId = z
  .string()
  .regex(/^(0|[1-9]\d*)$/, { error: 'a queue id is a number, e.g. 1' })
  .refine((id) => Number(id) <= QUEUE_ID_MAX, { error: `a queue id is at most ${QUEUE_ID_MAX} (0xffffffff is OFPQ_ALL, every queue)` });
export const egressQueueSchema = z.strictObject({
  weight: z.number().int().min(1).max(1000).meta({ description: "The queue's share of the link against the other queues' weights (1-1000)" }),
});
export const switchPortSchema = z.strictObject({
  ofport: z.number().int().min(1).max(0xfeff).optional().meta({ description: 'OpenFlow port number (default: position in the list, from 1)' }),
  tag: vlanId.optional().meta({ description: 'Access port of this VLAN (NORMAL)' }),
  trunks: z.array(vlanId).optional().meta({ description: 'VLANs this trunk port carries (NORMAL); all when absent' }),
  type: z.enum(['vxlan', 'gre', 'esp']).optional().meta({ description: 'A tunnel port: VXLAN (protected by ESP in transport mode when it has esp:), GRE, or GRE protected by ESP (transport mode)' }),
  remoteIp: orFlow(ipAddress).optional().meta({ description: 'The far tunnel endpoint, IPv4 or IPv6 (the underlay needs an address of its family), or flow (set by set_field:…->tun_dst or …->tun_ipv6_dst)' }),
  key: orFlow(z.number().int().min(0).max(0xffffffff)).optional().meta({ description: 'VNI or GRE key, or flow (set by set_tunnel / set_field:…->tun_id)' }),
  dstPort: z.number().int().min(1).max(65535).optional().meta({ description: 'VXLAN UDP port (default 4789)' }),
  dfDefault: z.boolean().optional().meta({ description: "DF on the outer IPv4 header (Open vSwitch's options:df_default, default true); false lets the underlay fragment tunnel packets too big for it" }),
  esp: z
    .strictObject({
      alg: z.enum(['aes-gcm-128', 'aes-gcm-192', 'aes-gcm-256', 'null-hmac-sha256-128']),
      key: hexKey.meta({ description: 'Key material; AES-GCM: key then 4-byte salt' }),
      spiOut: z.number().int().min(256).max(0xffffffff).meta({ description: 'SPI of the SA this end sends with' }),
      spiIn: z.number().int().min(256).max(0xffffffff).meta({ description: 'SPI of the SA the far end sends with' }),
    })
    .optional()
    .meta({ description: "The ESP security associations of an esp tunnel port, or of a vxlan port they protect (Docker's encrypted overlay)" }),
  queues: z
    .record(queueId, egressQueueSchema)
    .optional()
    .meta({ description: 'Egress queues by id (what set_queue and enqueue name) with weights, e.g. { 1: { weight: 3 }, 2: { weight: 1 } }: deficit round robin shares the link by weight; queue 0, the default, has weight 1 unless listed; each queue holds up to the link\'s queue length' }),
});

/** Who controls a switch or a tenant: a controller node of the topology, or tcp:HOST:PORT outside it. */
const controllerRef = z
  .string()
  .regex(/^([A-Za-z][A-Za-z0-9_-]*|tcp:(\d{1,3}(\.\d{1,3}){3}|localhost|\[[0-9a-fA-F:]+\]):\d{1,5})$/, { error: 'expected a controller node of this topology (c1) or tcp:HOST:PORT (tcp:127.0.0.1:6653)' });

export const switchSchema = z.strictObject({
  kind: z.literal('switch'),
  underlay: z
    .strictObject({
      port: portName.meta({ description: 'The port the tunnels leave by (not an OpenFlow port)' }),
      ipv4: ipv4Interface.optional().meta({ description: 'The local IPv4 tunnel endpoint address, with prefix length' }),
      ipv6: ipv6Interface.optional().meta({ description: 'The local IPv6 tunnel endpoint address, with prefix length (IPv6 endpoints are reached on the link or over L2: routers forward IPv4 only)' }),
      gateway: ipAddress.optional().meta({ description: 'Next hop toward remote endpoints off the subnet, of the family of the underlay address it is on' }),
      mac: mac.optional(),
    })
    .optional()
    .meta({ description: 'The L3 interface tunnel ports use (as a VTEP address on the host)' }),
  ports: z
    .union([z.array(portName), z.record(portName, switchPortSchema.nullable())])
    .meta({ description: 'Port names, e.g. [p1, p2, p3], or a map of port name to { ofport, tag, trunks, queues }' }),
  flows: z.array(z.string()).prefault([]).meta({ description: 'OpenFlow flows in ovs-ofctl add-flow syntax; without any, the switch runs NORMAL' }),
  meters: z
    .array(z.string())
    .prefault([])
    .meta({ description: 'OpenFlow 1.3 meters in ovs-ofctl add-meter syntax, e.g. "meter=1 kbps burst bands=type=drop rate=5000 burst_size=100"; flows use them with meter:N' }),
  protocols: z.enum(['OpenFlow10', 'OpenFlow13']).optional().meta({ description: "Whose action checks `flows` get: OpenFlow10 (default, plain ovs-ofctl: strip_vlan, mod_nw_src… act on the packet as it is) or OpenFlow13 (ovs-ofctl -O OpenFlow13: the match must prove the header)" }),
  datapathId: z
    .union([z.number().int().min(0).max(Number.MAX_SAFE_INTEGER), z.string().regex(/^0x[0-9a-fA-F]{1,16}$/, { error: 'expected a datapath id such as 0x1 or 0x0000aabbccddeeff (at most 16 hex digits)' })])
    .optional()
    .meta({ description: 'OpenFlow datapath id (default: the switch\'s place among the switches, from 1)' }),
  listen: z
    .union([
      z.number().int().min(0).max(65535),
      z.string().regex(/^(\d{1,3}(\.\d{1,3}){3}|localhost|\[[0-9a-fA-F:]+\]):\d{1,5}$/, { error: 'expected a TCP port (6634) or HOST:PORT (127.0.0.1:6634)' }),
    ])
    .optional()
    .meta({ description: 'Listen for OpenFlow 1.3 tools such as ovs-ofctl on this TCP port of 127.0.0.1 (0: any free port, printed), or HOST:PORT (as ptcp:); runs then follow the wall clock' }),
  controller: controllerRef.optional().meta({ description: 'The controller: a controller node (c1), or tcp:HOST:PORT of one outside netloom (the switch connects out, and the run follows the wall clock)' }),
  controlRate: rate.optional().meta({ description: 'OpenFlow messages a second the switch handles from a controller of the topology (its control-plane CPU); messages past it wait their turn (default: no limit)' }),
  failMode: z.enum(['secure', 'standalone']).optional().meta({ description: 'Without a controller: secure keeps the flows; standalone falls back to NORMAL after 15 s (Open vSwitch fail-mode)' }),
});

/** A tenant's port: a physical port (p1), or one VLAN of a trunk port to hosts ({ port: trunk, vlan: 10 }), which tenants may share. */
const tenantPort = z.union([
  portName,
  z.strictObject({
    port: portName.meta({ description: 'The physical port: a trunk towards hosts (an access switch the platform does not run, or a host)' }),
    vlan: z.number({ error: 'expected a VLAN id, 1-4094' }).int({ error: 'expected a VLAN id, 1-4094' }).min(1, { error: 'a VLAN id is 1-4094' }).max(4094, { error: 'a VLAN id is 1-4094' }).meta({ description: 'The 802.1Q VLAN id its hosts are on: the platform takes frames tagged with it, pops the tag for the tenant, and tags what it sends there' }),
  }),
], { error: (issue) => (issue.input === undefined ? undefined : `expected a port name (p1) or { port: trunk, vlan: 10 }, got ${describeValue(issue.input)}`) });

/**
 * A tenant's virtual switch: carved from one physical switch (`switch` and its `ports`), or a big
 * switch over several (`switches`: each physical switch and its ports); virtual ports 1, 2, … in
 * the order written.
 */
export const virtualSwitchSchema = z.strictObject({
  switch: nodeName.optional().meta({ description: 'The physical switch' }),
  ports: z.array(tenantPort).min(1, { error: 'a virtual switch needs at least one port' }).optional().meta({ description: "The physical switch's ports it owns, e.g. [p1, p2], or one VLAN of a trunk: [p1, { port: trunk, vlan: 10 }]" }),
  switches: z
    .record(nodeName, z.array(tenantPort).min(1, { error: 'each switch of a big switch gives it at least one port' }))
    .optional()
    .meta({ description: 'A big switch: each physical switch and the ports it gives, e.g. { s1: [h1], s2: [h2] }; the platform routes between them' }),
});

/** A token bucket: `rate` a second, `burst` at once after a quiet spell (default: one second's worth). */
const rateLimit = z.strictObject({
  rate: rate.meta({ description: 'Messages a second' }),
  burst: z.number().int().min(1).max(1_000_000).optional().meta({ description: "The most at once after a quiet spell (default: one second's worth)" }),
});

/** A flowspace entry: a region of header space and the tenant's permission there. */
export const flowspaceEntrySchema = z.strictObject({
  match: z.string().meta({ description: 'The region, as an ovs-ofctl match without ports ("tcp,tp_dst=80", "icmp", "" for everything), in the addresses of the tenant whose traffic it is' }),
  permission: z.enum(['read', 'write']).meta({ description: 'write: its rules may match this part of its own traffic and its hosts may send it; read: PACKET_IN copies of another tenant\'s traffic (a monitoring slice), never a write' }),
  of: nodeName.optional().meta({ description: 'For read: the tenant whose traffic it reads' }),
  switches: z.array(nodeName).min(1, { error: 'name at least one virtual switch, or leave switches out for all of them' }).optional().meta({ description: "The tenant's virtual switches the entry holds on, e.g. [left]; all of them when absent (FlowVisor's dpid)" }),
});

export const tenantSchema = z.strictObject({
  controller: controllerRef.meta({ description: "The tenant's controller: a controller node (c-blue), or tcp:HOST:PORT of one outside netloom such as os-ken (each virtual switch connects out, and the run follows the wall clock)" }),
  addresses: ipv4Prefix.optional().meta({ description: "The tenant's IPv4 space, e.g. 10.0.0.0/24 (tenants may reuse each other's); at least /8. Only a read-only tenant goes without" }),
  switches: z.record(nodeName, virtualSwitchSchema).meta({ description: 'Its virtual switches by name' }),
  bandwidth: z
    .strictObject({ weight: egressQueueSchema.shape.weight.meta({ description: "Its share of every link between switches against the other tenants' weights (1-1000)" }) })
    .optional()
    .meta({ description: 'Its share of the links between the switches it uses: each gets an egress queue per tenant with a weight, served by deficit round robin; tenants without one share queue 0 (weight 1)' }),
  flowspace: z.array(flowspaceEntrySchema).max(64).optional().meta({ description: 'What of the traffic it may program (write) or watch (read), in file order; default: all of its own hosts\' traffic, write' }),
  quota: z
    .strictObject({
      flows: z.number().int().min(1).max(1_000_000).optional().meta({ description: 'The most flows the tenant may have on one switch, counted as installed there' }),
      groups: z.number().int().min(1).max(1_000_000).optional().meta({ description: 'The most groups each of its virtual switches may have; past it GROUP_MOD_FAILED/OUT_OF_GROUPS' }),
      meters: z.number().int().min(1).max(1_000_000).optional().meta({ description: 'The most meters each of its virtual switches may have; past it METER_MOD_FAILED/OUT_OF_METERS' }),
      messages: rateLimit.optional().meta({ description: "OpenFlow messages a second its controller may send each virtual switch (HELLO and ECHO exempt); past it they are refused with BAD_REQUEST/EPERM" }),
      packetIns: rateLimit.optional().meta({ description: 'PACKET_INs a second each virtual switch sends its controller; past it they are dropped and counted' }),
    })
    .optional()
    .meta({ description: "Limits on the tenant's use of the switches" }),
});

const controlSchedule = z.array(z.strictObject({ at: duration, state: z.enum(['down', 'up']) })).prefault([]);

export const platformSchema = z.strictObject({
  latency: duration.prefault('1ms').meta({ description: 'One-way latency of the control channels between the platform and the switches it runs (default 1ms)' }),
  schedule: controlSchedule.meta({
    description: "Its control channels to the switches failing and coming back: [{ at: 5s, state: down }, …]; the switches keep their flows meanwhile (fail secure), and on reconnecting each is cleared and given every tenant's rules again",
  }),
});

export const controllerSchema = z.strictObject({
  kind: z.literal('controller'),
  app: z.string().min(1).meta({ description: 'A built-in app (learning, proactive, firewall) or the path of a module exporting an app factory (default or app)' }),
  options: z.record(z.string(), z.unknown()).prefault({}).meta({ description: "Options passed to the app, e.g. { idleTimeout: 10 } for learning" }),
  latency: duration.prefault('1ms').meta({ description: 'One-way latency of its control channels (default 1ms)' }),
  schedule: controlSchedule.meta({ description: 'Controller failures and restarts: [{ at: 5s, state: down }, …]' }),
});

export const nodeSchema = z.discriminatedUnion('kind', [hostSchema, routerSchema, switchSchema, controllerSchema]);
export type NodeInput = z.output<typeof nodeSchema>;

// ---- links -------------------------------------------------------------------------------

const impairmentFields = {
  latency: duration.meta({ description: 'One-way delay (default 1ms)' }),
  jitter: duration.meta({ description: '± uniform jitter (default 0s)' }),
  bandwidth: bandwidth.meta({ description: 'Bits per second, 0 for unlimited (default 1Gbps)' }),
  queue: int(0, Number.MAX_SAFE_INTEGER).meta({ description: 'Frames queued before tail drop (default 1000)' }),
  mtu: int(68, 65535).meta({ description: 'Largest IP packet on the link, bytes (default 1500)' }),
  loss: loss.meta({ description: 'Frame loss: a fraction in 0-1 or a percentage (default 0)' }),
};

export const LINK_DEFAULTS = { latency: '1ms', jitter: '0s', bandwidth: '1Gbps', queue: 1000, mtu: 1500, loss: 0 } as const;

export const linkDefaultsSchema = z.strictObject({
  latency: impairmentFields.latency.prefault(LINK_DEFAULTS.latency),
  jitter: impairmentFields.jitter.prefault(LINK_DEFAULTS.jitter),
  bandwidth: impairmentFields.bandwidth.prefault(LINK_DEFAULTS.bandwidth),
  queue: impairmentFields.queue.prefault(LINK_DEFAULTS.queue),
  mtu: impairmentFields.mtu.prefault(LINK_DEFAULTS.mtu),
  loss: impairmentFields.loss.prefault(LINK_DEFAULTS.loss),
});

export const defaultsSchema = z
  .strictObject({ link: linkDefaultsSchema.prefault({}).meta({ description: 'Impairments of every link unless the link says otherwise' }) })
  .prefault({});

const endpoint = z
  .string({ error: (issue) => (issue.input === undefined ? undefined : `expected node:port, got ${describeValue(issue.input)}`) })
  .regex(/^[^:]+:[^:]+$/, { error: (issue) => `expected node:port, got ${describeValue(issue.input)}` })
  .meta({ description: 'node:port, e.g. h1:eth0' });

export const scheduleSchema = z
  .array(z.strictObject({ at: duration, state: oneOf(['down', 'up'], 'state') }))
  .meta({ description: 'Link state changes, times strictly increasing' });

export const linkSchema = z.strictObject({
  endpoints: z.tuple([endpoint, endpoint], {
    error: (issue) => {
      if (issue.input === undefined) return undefined;
      const count = Array.isArray(issue.input) ? issue.input.length : undefined;
      const got = count === undefined ? describeValue(issue.input) : `${count} endpoint${count === 1 ? '' : 's'}`;
      return `expected two endpoints, [node:port, node:port], got ${got}`;
    },
  }),
  latency: impairmentFields.latency.optional(),
  jitter: impairmentFields.jitter.optional(),
  bandwidth: impairmentFields.bandwidth.optional(),
  queue: impairmentFields.queue.optional(),
  mtu: impairmentFields.mtu.optional(),
  loss: impairmentFields.loss.optional(),
  schedule: scheduleSchema.prefault([]),
});

// ---- traffic -----------------------------------------------------------------------------

const from = nodeName.meta({ description: 'The sending host' });
const to = text('A node name (its first IPv4 address) or an IPv4 address').min(1, { error: 'must not be empty' });
const port = int(1, 65535);
const payloadSize = int(0, 65507);
const df = z.boolean({ error: (issue) => (issue.input === undefined ? undefined : `expected true or false, got ${describeValue(issue.input)}`) });
const trafficName = text('A name to refer to this item in expectations').min(1, { error: 'must not be empty' });

export const pingSchema = z.strictObject({
  from,
  to,
  count: int(1, Number.MAX_SAFE_INTEGER).prefault(3),
  interval: duration.prefault('1s'),
  start: duration.prefault('0s'),
  size: payloadSize.prefault(56).meta({ description: 'ICMP payload bytes (ping -s)' }),
  ttl: int(1, 255).prefault(64),
  df: df.prefault(false),
  timeout: positiveDuration.prefault('1s'),
  name: trafficName.optional(),
});

export const udpSchema = z.strictObject({
  from,
  to,
  dstPort: port,
  srcPort: port.prefault(40000),
  size: payloadSize.prefault(100).meta({ description: 'UDP payload bytes' }),
  rate: rate.prefault('10pps'),
  count: int(1, Number.MAX_SAFE_INTEGER).prefault(10),
  start: duration.prefault('0s'),
  df: df.prefault(false),
  name: trafficName.optional(),
});

// ---- expectations ------------------------------------------------------------------------

const packets = int(0, Number.MAX_SAFE_INTEGER);

export const deliveredSchema = z
  .strictObject({
    traffic: z
      .union([packets, text('')], { error: (issue) => (issue.input === undefined ? undefined : `expected a traffic index or name, got ${describeValue(issue.input)}`) })
      .meta({ description: 'The traffic item: its index (from 0) or its name' }),
    min: packets.optional(),
    max: packets.optional(),
  })
  .superRefine((e, ctx) => {
    if (e.min === undefined && e.max === undefined) ctx.addIssue({ code: 'custom', message: 'give min, max or both' });
    else if (e.min !== undefined && e.max !== undefined && e.min > e.max) ctx.addIssue({ code: 'custom', message: `min ${e.min} is above max ${e.max}`, path: ['min'] });
  });

export const droppedSchema = z.strictObject({
  node: nodeName,
  reason: oneOf(DROP_REASONS, 'reason'),
  min: packets.min(1, { error: (issue) => `expected an integer in 1-${Number.MAX_SAFE_INTEGER}, got ${describeValue(issue.input)}` }).prefault(1),
});

export const pathSchema = z
  .strictObject({
    from,
    to,
    proto: oneOf(['icmp', 'udp'], 'proto', 'protos').prefault('icmp'),
    dstPort: port.optional().meta({ description: 'UDP destination port (proto: udp)' }),
    via: z.array(nodeName).prefault([]).meta({ description: 'Nodes the path crosses, in order' }),
    disposition: oneOf(DISPOSITIONS, 'disposition').prefault('DELIVERED'),
    at: duration.prefault('0s').meta({ description: 'When the probe is sent' }),
  })
  .superRefine((e, ctx) => {
    if (e.proto === 'udp' && e.dstPort === undefined) ctx.addIssue({ code: 'custom', message: 'a udp path needs dstPort', path: ['proto'] });
    if (e.proto === 'icmp' && e.dstPort !== undefined) ctx.addIssue({ code: 'custom', message: 'dstPort is for proto: udp', path: ['dstPort'] });
  });

const isolatedTenants = z.array(nodeName).min(1, { error: 'name at least one tenant' }).meta({ description: 'Tenants that must be isolated from one another (and stay in their flowspaces)' });

/** `isolated: [blue, red]`, or `isolated: { tenants: [blue, red], at: 2s }` to check the tables of that moment. */
export const isolatedSchema = z.union([
  isolatedTenants,
  z.strictObject({ tenants: isolatedTenants, at: duration.optional().meta({ description: 'Check the tables installed at this time (default: the end of the run)' }) }),
], { error: (issue) => (issue.input === undefined ? undefined : `expected a list of tenants, or { tenants: [...], at: TIME }, got ${describeValue(issue.input)}`) });

// ---- the whole file ----------------------------------------------------------------------

export const TOP_LEVEL_KEYS = ['name', 'seed', 'defaults', 'nodes', 'links', 'tenants', 'platform', 'capture', 'traffic', 'expect'] as const;

export const nameSchema = text('Defaults to the file name without its extension').min(1, { error: 'must not be empty' });
export const seedSchema = int(0, 0xffffffff).meta({ description: 'Seed of the run’s random source (default 1)' });
export const listSchema = z.array(z.unknown());
export const captureSchema = z
  .array(text('NODE:PORT, NODE:* (every port of NODE; a switch\'s OpenFlow channel is NODE:openflow) or * (every port)'))
  .min(1, { error: 'name at least one port (NODE:PORT, NODE:* or *)' })
  .meta({ description: 'The ports a run captures (--pcap) when --capture does not name them: every port when absent' });
export const mapSchema = z.record(z.string(), z.unknown());

/** One key, one value: `{ ping: {...} }`. JSON Schema only: the loader dispatches on the key itself. */
function oneKeyOf<T extends Record<string, z.ZodType>>(options: T) {
  return z.union(Object.entries(options).map(([key, schema]) => z.strictObject({ [key]: schema })));
}

/** The whole file format, for `netloom schema` (editors); the loader uses the pieces above. */
export const topologyFileSchema = z
  .strictObject({
    name: nameSchema.optional(),
    seed: seedSchema.prefault(1),
    defaults: defaultsSchema,
    nodes: z.record(nodeName, nodeSchema).meta({ description: 'Nodes by name' }),
    links: z.array(linkSchema).prefault([]),
    tenants: z.record(nodeName, tenantSchema).optional().meta({ description: 'Tenants of the network virtualization platform, by name; switches they use are run by the platform' }),
    platform: platformSchema.optional(),
    capture: captureSchema.optional(),
    traffic: z.array(oneKeyOf({ ping: pingSchema, udp: udpSchema })).prefault([]),
    expect: z.array(oneKeyOf({ delivered: deliveredSchema, dropped: droppedSchema, path: pathSchema, isolated: isolatedSchema })).prefault([]),
  })
  .meta({ title: 'netloom topology', description: 'A netloom topology: nodes, links, traffic and expectations' });

/** JSON Schema (draft-07, which YAML editors know best) of the file format. */
export function topologyJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(topologyFileSchema, { target: 'draft-07', io: 'input' }) as Record<string, unknown>;
}

/** How a value reads in a message: `"abc"`, `12`, `true`, `a list`, `a map`, `nothing`. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}
