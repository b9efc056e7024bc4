/**
 * OpenFlow groups as Open vSwitch 3.1 keeps them: the rules a group mod must satisfy (OVS's
 * ofputil_check_group_mod and the group table's own refusals, named by their OpenFlow error),
 * and how a select group chooses its bucket. OVS 3.1's default selection (no
 * selection_method) deals 16 to 256 hash values out to the buckets by weight with Webster's
 * method and picks by the packet's symmetric L3/L4 dp_hash; when the weights would need more
 * than 256 values it scores each bucket by hash_int(bucket id, symmetric L4 hash) times its
 * weight instead. Both are here, hashed as OVS hashes (hash.ts).
 *
 * Pure functions over the flow model; the pipeline owns the group table and runs the buckets.
 */
import type { Bucket, GroupType } from './flow.js';
import { OFPG_ANY, OFPP_NONE } from './flow.js';
import { hashInt } from './hash.js';

/** OpenFlow error names (OFPGMFC_*, and OFPBAC_BAD_OUT_GROUP) a group table refuses a change with, as OVS does. */
export type GroupErrorName = 'GROUP_EXISTS' | 'INVALID_GROUP' | 'UNKNOWN_GROUP' | 'WATCH_UNSUPPORTED' | 'BAD_OUT_GROUP';

/** A group mod, or a flow's group action, that the group table refuses. */
export class GroupError extends Error {
  override readonly name = 'GroupError';
  readonly code = 'NETLOOM_GROUP_MOD';
  constructor(
    /** The OpenFlow error OVS answers with. */
    readonly ofp: GroupErrorName,
    message: string,
  ) {
    super(`${message} (${ofp === 'BAD_OUT_GROUP' ? 'OFPBAC' : 'OFPGMFC'}_${ofp})`);
  }
}

/** A bucket that follows a port's or a group's liveness (OVS's ofputil_bucket_has_liveness). */
export function watches(b: Bucket): boolean {
  return b.watchPort !== OFPP_NONE || b.watchGroup !== OFPG_ANY;
}

/**
 * What OVS checks of a group's buckets before its group table sees them (ofputil_check_group_mod):
 * an indirect group has exactly one bucket; only select buckets have weights; all and indirect
 * buckets watch nothing; fast failover buckets watch something.
 */
export function checkGroup(id: number, type: GroupType, buckets: readonly Bucket[]): void {
  if (type === 'indirect' && buckets.length !== 1) throw new GroupError('INVALID_GROUP', `indirect group ${id} has ${buckets.length} buckets, not 1`);
  buckets.forEach((b, i) => {
    if (b.weight !== 0 && type !== 'select') throw new GroupError('INVALID_GROUP', `bucket ${i} of ${type} group ${id} has a weight; only select buckets do`);
    if ((type === 'all' || type === 'indirect') && watches(b)) throw new GroupError('WATCH_UNSUPPORTED', `bucket ${i} of ${type} group ${id} watches a port or group; only fast failover and select buckets do`);
    if (type === 'ff' && !watches(b)) throw new GroupError('INVALID_GROUP', `bucket ${i} of fast failover group ${id} watches no port or group`);
  });
}

/** OVS's MAX_SELECT_GROUP_HASH_VALUES. */
const MAX_HASH_VALUES = 256;

/**
 * OVS's group_setup_dp_hash_table: the bucket (index) for each dp_hash value under the mask
 * (the table's length - 1), handed out by Webster's method in proportion to the weights, at
 * least 16 values and enough for the lightest bucket to get one. Undefined when that needs more
 * than 256 values or no bucket has weight: OVS then uses the default hash (bestBucket).
 */
export function dpHashTable(buckets: readonly Bucket[]): Uint8Array | undefined {
  let total = 0;
  let lightest = Infinity;
  for (const b of buckets) {
    total += b.weight;
    if (b.weight > 0 && b.weight < lightest) lightest = b.weight;
  }
  if (total === 0) return undefined;
  const needed = Math.ceil(total / lightest);
  let size = 16;
  while (size < needed) size *= 2;
  if (size > MAX_HASH_VALUES) return undefined;
  const divisor = buckets.map(() => 1);
  const value = buckets.map((b) => b.weight);
  const table = new Uint8Array(size);
  for (let hash = 0; hash < size; hash++) {
    let winner = 0;
    for (let i = 1; i < buckets.length; i++) if (value[i]! > value[winner]!) winner = i;
    divisor[winner] = divisor[winner]! + 2;
    value[winner] = buckets[winner]!.weight / divisor[winner]!;
    table[hash] = winner;
  }
  return table;
}

/** OVS's group_best_live_bucket: the live bucket with the highest (hash_int(id, basis) & 0xffff) × weight, the later one on a tie; -1 if none is live. */
export function bestBucket(buckets: readonly Bucket[], basis: number, live: (index: number) => boolean): number {
  let best = -1;
  let bestScore = 0;
  for (let i = 0; i < buckets.length; i++) {
    if (!live(i)) continue;
    // OpenFlow 1.3 has no bucket ids: OVS numbers the buckets from 0.
    const score = (hashInt(i, basis) & 0xffff) * buckets[i]!.weight;
    if (score >= bestScore) {
      best = i;
      bestScore = score;
    }
  }
  return best;
}
