/** Layer name -> codec: the one table decode and encode dispatch through. */
import type { LayerCodec } from './codec.js';
import type { LayerName } from './layers.js';
import { ethernet } from './ethernet.js';
import { vlan } from './vlan.js';
import { arp } from './arp.js';
import { ipv4 } from './ipv4.js';
import { ipv6 } from './ipv6.js';
import { icmp, icmpv6 } from './icmp.js';
import { udp } from './udp.js';
import { tcp } from './tcp.js';
import { vxlan } from './vxlan.js';
import { gre } from './gre.js';
import { esp } from './esp.js';
import { payload } from './payload.js';

/**
 * Every codec with the same properties in the same order, so the encoder's loads of
 * `write`, `seal`, ... see one object shape (a monomorphic inline cache) whatever the layer.
 */
function uniform<N extends LayerName>(codec: LayerCodec<N>): LayerCodec<N> {
  return {
    decode: codec.decode,
    fields: codec.fields,
    headerLength: codec.headerLength,
    trailerLength: codec.trailerLength,
    write: codec.write,
    seal: codec.seal,
  } as LayerCodec<N>;
}

export const CODECS: { readonly [N in LayerName]: LayerCodec<N> } = {
  ethernet: uniform(ethernet),
  vlan: uniform(vlan),
  arp: uniform(arp),
  ipv4: uniform(ipv4),
  ipv6: uniform(ipv6),
  icmp: uniform(icmp),
  icmpv6: uniform(icmpv6),
  udp: uniform(udp),
  tcp: uniform(tcp),
  vxlan: uniform(vxlan),
  gre: uniform(gre),
  esp: uniform(esp),
  payload: uniform(payload),
};
