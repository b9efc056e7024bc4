/**
 * OpenFlow 1.3 meters (OpenFlow 1.3.5 §5.7, §7.3.4.4) as Open vSwitch 3.1 keeps and runs them:
 * the checks a meter mod must pass (ofproto.c handle_meter_mod, ofp-meter.c, the userspace
 * datapath's dpif_netdev_meter_set), named by their OpenFlow error, and the token buckets of
 * dp_netdev_run_meter. Each band has a bucket of credit, in bits for a kbps meter and in
 * thousandths of a packet for a pktps one, holding at most burst_size × 1000 (a burst_size of 0
 * becomes the rate, as OVS makes it). Credit is added in whole milliseconds of virtual time
 * (OVS's `now / 1000 - used / 1000` on microseconds). A packet is taken from every band that can
 * afford it; of the bands that cannot, the one with the highest rate fires (OpenFlow's "highest
 * configured rate lower than the current rate") and counts the packet: a drop band drops it, a
 * dscp_remark band raises the drop precedence of its DSCP and lets it go on. Each packet is its
 * own batch, as a packet is in netloom.
 *
 * OVS's userspace datapath refuses dscp_remark bands (OFPMMFC_BAD_BAND); netloom runs them as
 * ofsoftswitch13 (the CPqD OpenFlow 1.3 reference switch) does: an AF drop precedence of low (01)
 * or medium (10) is raised by prec_level when the result is still a drop precedence (≤ high, 11),
 * otherwise the packet keeps its DSCP; IPv4's checksum follows the change.
 *
 * Owns the meter table; the pipeline runs the meter instruction and deletes the flows of a
 * deleted meter.
 */

/** Meter flags (OFPMF_*). */
export const OFPMF = { KBPS: 1, PKTPS: 2, BURST: 4, STATS: 8 } as const;
/** The highest meter id a flow may use (OFPM_MAX); above it the special meters. */
export const OFPM_MAX = 0xffff0000;
/** Meters for packets to the switch's slow path and to its controllers (OFPM_SLOWPATH, OFPM_CONTROLLER). */
export const OFPM_SLOWPATH = 0xfffffffd;
export const OFPM_CONTROLLER = 0xfffffffe;
/** Every meter, in a delete or a statistics request (OFPM_ALL). */
export const OFPM_ALL = 0xffffffff;
/** OVS's userspace datapath limits: MAX_METERS meters of MAX_BANDS bands. */
export const MAX_METERS = 1 << 18;
export const MAX_BANDS = 8;
/** The meter flags the table takes (METER_FEATURES' capabilities). */
export const SUPPORTED_FLAGS = OFPMF.KBPS | OFPMF.PKTPS | OFPMF.BURST | OFPMF.STATS;

export const BAND_TYPES = ['drop', 'dscp_remark'] as const;
export type BandType = (typeof BAND_TYPES)[number];

/** OpenFlow error names (OFPMMFC_*) a meter table refuses a change with. */
export type MeterErrorName = 'METER_EXISTS' | 'INVALID_METER' | 'UNKNOWN_METER' | 'BAD_FLAGS' | 'BAD_RATE' | 'BAD_BAND' | 'OUT_OF_METERS' | 'OUT_OF_BANDS';

/** A meter mod, or a flow's meter instruction, that the meter table refuses. */
export class MeterError extends Error {
  override readonly name = 'MeterError';
  readonly code = 'NETLOOM_METER_MOD';
  constructor(
    /** The OpenFlow error OVS answers with. */
    readonly ofp: MeterErrorName,
    /** What is wrong, without the place. */
    readonly reason: string,
    /** Where the meter came from, e.g. "meters.txt:3". */
    readonly where?: string,
  ) {
    super(`${where === undefined ? '' : `${where}: `}${reason} (OFPMMFC_${ofp})`);
  }
}

/** One band of a meter (OpenFlow 1.3.5 §7.3.4.4). */
export interface MeterBand {
  type: BandType;
  /** kbps, or packets a second (the meter's flags say which). */
  rate: number;
  /** kbits, or packets: the bucket holds this × 1000. A band configured with 0 gets the rate, and reports it (OVS's dpif_netdev_meter_set). */
  burstSize: number;
  /** dscp_remark: how much the drop precedence rises. */
  precLevel: number;
  /** Packets and bytes the band fired on. */
  packets: number;
  bytes: number;
  /** Credit: bits (kbps) or thousandths of a packet (pktps). */
  bucket: number;
}

/** A meter table entry. */
export interface Meter {
  id: number;
  /** OFPMF_* bits. */
  flags: number;
  bands: MeterBand[];
  /** Packets and bytes that entered the meter. */
  packets: number;
  bytes: number;
  /** ns of virtual time; a modify keeps it, as OVS does. */
  created: number;
  /** When a packet last went through (ns): credit accrues from here. */
  used: number;
  /** OVS's max_delta_t: the milliseconds that fill the largest bucket from empty; a longer idle time counts as this. */
  maxElapsed: number;
}

/** A band as configured (burst_size 0: the rate), its counters zero and its bucket full (OVS starts a band full). */
export function band(type: BandType, rate: number, burstSize: number, precLevel = 0): MeterBand {
  const burst = burstSize === 0 ? rate : burstSize;
  return { type, rate, burstSize: burst, precLevel, packets: 0, bytes: 0, bucket: burst * 1000 };
}

/** The meter ids a meter mod may add or modify: 1 to OFPM_MAX, and the slow path and controller meters. */
export function validMeterId(id: number): boolean {
  return (id >= 1 && id <= OFPM_MAX) || id === OFPM_SLOWPATH || id === OFPM_CONTROLLER;
}

/** What OVS checks of a meter mod before its meter table looks (ofputil_decode_meter_mod, handle_meter_mod). */
function checkMeterMod(id: number, flags: number, bands: readonly MeterBand[]): void {
  if ((flags & OFPMF.KBPS) !== 0 && (flags & OFPMF.PKTPS) !== 0) throw new MeterError('BAD_FLAGS', `meter ${id} is both kbps and pktps`);
  if (!validMeterId(id)) throw new MeterError('INVALID_METER', `meter id ${id} is not 1 to ${OFPM_MAX}, slowpath or controller`);
  if (bands.length > MAX_BANDS) throw new MeterError('OUT_OF_BANDS', `meter ${id} has ${bands.length} bands; at most ${MAX_BANDS}`);
}

/** What the datapath checks last (dpif_netdev_meter_set): the flags it knows, and a rate it can divide by. */
function checkDatapath(id: number, flags: number, bands: readonly MeterBand[]): void {
  if ((flags & ~SUPPORTED_FLAGS) !== 0) throw new MeterError('BAD_FLAGS', `meter ${id} has flags 0x${flags.toString(16)}; only kbps, pktps, burst and stats are known`);
  // OVS 3.1 divides by the rate here (a rate of 0 crashes it); later versions refuse it so.
  bands.forEach((b, i) => {
    if (b.rate === 0) throw new MeterError('BAD_RATE', `band ${i} of meter ${id} has rate 0`);
  });
}

/** The meters of one switch. */
export class MeterTable {
  private readonly meters = new Map<number, Meter>();
  /** Told of every meter added, changed or deleted (a tenant's virtual switch compiles them onto the physical switches). */
  watch: ((id: number) => void) | undefined;

  get(id: number): Meter | undefined {
    return this.meters.get(id);
  }

  /** Every meter, by id. */
  all(): Meter[] {
    return [...this.meters.keys()].sort((a, b) => a - b).map((id) => this.meters.get(id)!);
  }

  /** A new meter (OFPMC_ADD); its counters, duration and buckets start at `now`. */
  add(meter: Meter, now: number): void {
    checkMeterMod(meter.id, meter.flags, meter.bands);
    if (this.meters.has(meter.id)) throw new MeterError('METER_EXISTS', `meter ${meter.id} exists`);
    if (this.meters.size >= MAX_METERS) throw new MeterError('OUT_OF_METERS', `the switch holds ${MAX_METERS} meters already`);
    checkDatapath(meter.id, meter.flags, meter.bands);
    meter.created = now;
    this.install(meter, now);
  }

  /** New flags and bands for a meter (OFPMC_MODIFY): as in OVS its counters and buckets start again, its duration does not. */
  modify(meter: Meter, now: number): void {
    checkMeterMod(meter.id, meter.flags, meter.bands);
    const old = this.meters.get(meter.id);
    if (old === undefined) throw new MeterError('UNKNOWN_METER', `meter ${meter.id} does not exist`);
    checkDatapath(meter.id, meter.flags, meter.bands);
    meter.created = old.created;
    this.install(meter, now);
  }

  /** Deletes one meter, or all; a meter that does not exist is no error (OVS). Returns the deleted meters. */
  delete(id: number | 'all'): Meter[] {
    const ids = id === 'all' ? [...this.meters.keys()] : this.meters.has(id) ? [id] : [];
    const gone = ids.map((m) => this.meters.get(m)!);
    for (const m of ids) {
      this.meters.delete(m);
      this.watch?.(m);
    }
    return gone;
  }

  private install(meter: Meter, now: number): void {
    meter.packets = meter.bytes = 0;
    meter.used = now;
    meter.maxElapsed = 0;
    for (const b of meter.bands) {
      b.packets = b.bytes = 0;
      b.bucket = b.burstSize * 1000;
      meter.maxElapsed = Math.max(meter.maxElapsed, Math.floor(b.bucket / b.rate));
    }
    this.meters.set(meter.id, meter);
    this.watch?.(meter.id);
  }

  /**
   * A packet of `length` bytes through meter `id` at `now` (ns), as dp_netdev_run_meter: the band
   * that fired, or undefined when every band could take the packet (or there is no such meter).
   */
  run(id: number, length: number, now: number): MeterBand | undefined {
    const m = this.meters.get(id);
    if (m === undefined) return undefined;
    const pktps = (m.flags & OFPMF.PKTPS) !== 0;
    // Whole milliseconds passed, at most enough to fill the largest bucket (so after a long idle a bucket may stop short of full, as in OVS).
    const elapsed = Math.min(m.maxElapsed, Math.max(0, Math.floor(now / 1e6) - Math.floor(m.used / 1e6)));
    m.used = now;
    m.packets++;
    m.bytes += length;
    const volume = pktps ? 1000 : length * 8;
    let fired: MeterBand | undefined;
    for (const b of m.bands) {
      b.bucket = Math.min(b.burstSize * 1000, b.bucket + elapsed * b.rate);
      if (b.bucket >= volume) {
        b.bucket -= volume;
        continue;
      }
      // The bucket keeps its credit (OVS's pktps `bucket %= 1000` keeps all of it for one packet).
      if (fired === undefined || b.rate > fired.rate) fired = b;
    }
    if (fired !== undefined) {
      fired.packets++;
      fired.bytes += length;
    }
    return fired;
  }
}

/**
 * A dscp_remark band's new TOS byte for `tos` (ofsoftswitch13's band_dscp_remark): the AF drop
 * precedence bits (0x18, with bit 0x04 clear) raised by `precLevel` from low or medium while the
 * result stays a drop precedence; otherwise `tos` unchanged.
 */
export function remarkedTos(tos: number, precLevel: number): number {
  const drop = tos & 0x1c;
  if ((drop === 0x08 && precLevel <= 2) || (drop === 0x10 && precLevel <= 1)) return (tos & 0xe3) | (drop + (precLevel << 3));
  return tos;
}
