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

export const CODECS: { readonly [N in LayerName]: LayerCodec<N> } = {
  ethernet, vlan, arp, ipv4, ipv6, icmp, icmpv6, udp, tcp, vxlan, gre, esp, payload,
};
