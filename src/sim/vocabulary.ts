/** The vocabulary every node and every trace shares: why a frame was dropped, and how a path ended. */

/** Why a frame was dropped, as traces, captures and summaries name it. */
export type DropReason =
  | 'MTU_EXCEEDED'
  | 'QUEUE_FULL'
  | 'LOSS'
  | 'LINK_DOWN'
  | 'NO_LINK'
  | 'TTL_EXCEEDED'
  | 'NO_ROUTE'
  | 'ARP_FAILED'
  | 'NOT_FOR_US'
  | 'PORT_UNREACHABLE'
  | 'REASSEMBLY_TIMEOUT'
  | 'FLOW_DROP'
  | 'LOOP'
  | 'BAD_PACKET';

/** How a probe's path ended (Batfish's word for it). */
export type Disposition = 'DELIVERED' | 'DROPPED' | 'LOOP' | 'NO_ROUTE' | 'TTL_EXCEEDED' | 'MTU_EXCEEDED' | 'ISOLATED';
