/**
 * LLDP for tenants (the research notes' R14, after FlowVisor 1.2): a tenant's LLDP leaves a
 * physical switch carrying one more TLV, organizationally specific (type 127), that names the
 * tenant; the platform strips it from the LLDP that comes back and hands the frame only to that
 * tenant. Any such TLV the tenant wrote itself is replaced, so a tenant cannot speak for another.
 * The TLV's organization id is locally administered (02:4e:4c, "NL"): no registered OUI says
 * netloom, and Wireshark shows it as an unknown organization.
 */

export const ETH_LLDP = 0x88cc;
const ETH_HEADER = 14;
const TLV_END = 0;
const TLV_ORG = 127;
const NETLOOM_ORG = [0x02, 0x4e, 0x4c] as const;
const SUBTYPE_TENANT = 1;
/** The tenant TLV: header (2), organization (3), subtype (1), tenant id (1). */
const TENANT_TLV_LENGTH = 7;

/** An untagged Ethernet frame of EtherType LLDP. */
export function isLldp(frame: Uint8Array): boolean {
  return frame.length >= ETH_HEADER && ((frame[12]! << 8) | frame[13]!) === ETH_LLDP;
}

interface Tlv {
  type: number;
  start: number;
  end: number;
}

/** The frame's TLVs up to and including End (or the frame's end); undefined when one runs past the frame. */
function tlvs(frame: Uint8Array): Tlv[] | undefined {
  const out: Tlv[] = [];
  let o = ETH_HEADER;
  while (o + 2 <= frame.length) {
    const header = (frame[o]! << 8) | frame[o + 1]!;
    const type = header >> 9;
    const end = o + 2 + (header & 0x1ff);
    if (end > frame.length) return undefined;
    out.push({ type, start: o, end });
    if (type === TLV_END) break;
    o = end;
  }
  return out;
}

const isTenantTlv = (frame: Uint8Array, t: Tlv) =>
  t.type === TLV_ORG && t.end - t.start === TENANT_TLV_LENGTH && frame[t.start + 2] === NETLOOM_ORG[0] && frame[t.start + 3] === NETLOOM_ORG[1] && frame[t.start + 4] === NETLOOM_ORG[2] && frame[t.start + 5] === SUBTYPE_TENANT;

/** The LLDP frame with the tenant's TLV in place of any it had, before End; undefined when its TLVs do not parse. */
export function tagLldp(frame: Uint8Array, tenant: number): Uint8Array | undefined {
  const list = tlvs(frame);
  if (list === undefined) return undefined;
  const kept = list.filter((t) => !isTenantTlv(frame, t) && t.type !== TLV_END);
  const body = kept.reduce((n, t) => n + t.end - t.start, 0);
  const out = new Uint8Array(ETH_HEADER + body + TENANT_TLV_LENGTH + 2);
  out.set(frame.subarray(0, ETH_HEADER));
  let o = ETH_HEADER;
  for (const t of kept) {
    out.set(frame.subarray(t.start, t.end), o);
    o += t.end - t.start;
  }
  out.set([(TLV_ORG << 1) | 0, TENANT_TLV_LENGTH - 2, ...NETLOOM_ORG, SUBTYPE_TENANT, tenant], o);
  // End of LLDPDU (the two zero bytes left at the end).
  return out;
}

/** The tenant an LLDP frame's TLV names, and the frame without it; undefined when it names none. */
export function untagLldp(frame: Uint8Array): { tenant: number; frame: Uint8Array } | undefined {
  const list = tlvs(frame);
  const tag = list?.find((t) => isTenantTlv(frame, t));
  if (tag === undefined) return undefined;
  const out = new Uint8Array(frame.length - TENANT_TLV_LENGTH);
  out.set(frame.subarray(0, tag.start));
  out.set(frame.subarray(tag.end), tag.start);
  return { tenant: frame[tag.start + 6]!, frame: out };
}
