import { describe, expect, it } from 'vitest';
import { Classifier } from '../../src/switch/classifier.js';
import { parseFlow } from '../../src/switch/ofctl.js';
import { FIELDS, FLOW_WORDS, W, readBits, readField, writeBits, fieldByName } from '../../src/switch/fields.js';
import type { Rule } from '../../src/switch/flow.js';

/** A small seeded PRNG (mulberry32). */
function rng(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

describe('classifier', () => {
  it('finds a rule by exact match and priority through its subtable, and nothing else', () => {
    const c = new Classifier();
    const a = parseFlow('priority=5,ip,nw_dst=10.0.0.0/8,actions=drop');
    const b = parseFlow('priority=6,ip,nw_dst=10.0.0.0/8,actions=drop');
    c.insert(a);
    c.insert(b);
    expect(c.find(parseFlow('priority=5,ip,nw_dst=10.0.0.0/8,actions=output:1').match, 5)).toBe(a);
    expect(c.find(a.match, 6)).toBe(b);
    expect(c.find(a.match, 7)).toBeUndefined();
    expect(c.find(parseFlow('ip,nw_dst=10.0.0.0/16,actions=drop').match, 5)).toBeUndefined();
    expect(c.find(parseFlow('ip,nw_dst=11.0.0.0/8,actions=drop').match, 5)).toBeUndefined();
    c.remove(a);
    expect(c.find(a.match, 5)).toBeUndefined();
    expect(c.find(b.match, 6)).toBe(b);
  });

  it('answers as a linear scan does, through inserts and removals (highest priority, then oldest)', () => {
    const next = rng(7);
    let mismatches = 0;
    for (let round = 0; round < 200; round++) {
      const c = new Classifier();
      const rules: Rule[] = [];
      for (let i = 0; i < 30; i++) {
        const parts = [`priority=${next(5)}`];
        if (next(2)) parts.push(`reg0=${next(4)}/0x${next(4).toString(16)}`);
        if (next(2)) parts.push(`reg1=${next(3)}`);
        if (next(2)) parts.push(`metadata=0x${next(3)}00000000/0x${next(4)}00000000`);
        if (next(2)) parts.push(`in_port=${next(3)}`);
        const r = parseFlow(`${parts.join(',')},actions=drop`);
        c.insert(r);
        rules.push(r);
      }
      for (let q = 0; q < 200; q++) {
        if (next(10) === 0 && rules.length > 0) c.remove(rules.splice(next(rules.length), 1)[0]!);
        const flow = new Uint32Array(FLOW_WORDS);
        flow[W.REG0] = next(4);
        flow[W.REG0 + 1] = next(3);
        flow[W.METADATA] = (next(4) * 0x1000000) >>> 0;
        flow[W.IN_PORT] = next(3);
        const want = [...rules].sort((x, y) => y.priority - x.priority).find((r) => r.match.matches(flow));
        if (c.lookup(flow)?.priority !== want?.priority) mismatches++;
      }
      expect(c.size).toBe(rules.length);
    }
    expect(mismatches).toBe(0);
  });
});

describe('flow-word bit access', () => {
  it('reads and writes any run of up to 32 bits of any field as the BigInt reader sees it', () => {
    const next = rng(11);
    for (const field of FIELDS) {
      for (let k = 0; k < 40; k++) {
        const words = new Uint32Array(FLOW_WORDS);
        for (let i = 0; i < FLOW_WORDS; i++) words[i] = (next(0x10000) * 0x10000 + next(0x10000)) >>> 0;
        const bits = 1 + next(Math.min(32, field.bits));
        const start = next(field.bits - bits + 1);
        const expected = Number((readField(words, field) >> BigInt(start)) & ((1n << BigInt(bits)) - 1n));
        expect(readBits(words, field, start, bits)).toBe(expected);
        const value = (next(0x10000) * 0x10000 + next(0x10000)) % 2 ** bits;
        const before = readField(words, field);
        const others = words.slice();
        writeBits(words, field, start, bits, value);
        const mask = ((1n << BigInt(bits)) - 1n) << BigInt(start);
        expect(readField(words, field)).toBe((before & ~mask) | (BigInt(value) << BigInt(start)));
        // Nothing outside the field's bits changed.
        for (let i = 0; i < FLOW_WORDS; i++) if (i < field.word || i >= field.word + field.words) expect(words[i]).toBe(others[i]);
      }
    }
  });

  it('knows which fields OVS refuses to write and which live only in the pipeline', () => {
    const ctReadOnly = ['ct_state', 'ct_zone', 'ct_nw_proto', 'ct_nw_src', 'ct_nw_dst', 'ct_ipv6_src', 'ct_ipv6_dst', 'ct_tp_src', 'ct_tp_dst'];
    expect(FIELDS.filter((f) => !f.writable).map((f) => f.name)).toEqual(['dl_type', 'nw_proto', 'tcp_flags', 'ip_frag', 'mpls_bos', 'conj_id', ...ctReadOnly]);
    expect(FIELDS.filter((f) => f.pipeline).map((f) => f.name)).toEqual(['in_port', 'tun_id', 'tun_src', 'tun_dst', 'tun_ipv6_src', 'tun_ipv6_dst', 'tun_gbp_id', 'tun_gbp_flags', 'tun_flags', 'metadata', ...Array.from({ length: 16 }, (_, i) => `reg${i}`), ...Array.from({ length: 8 }, (_, i) => `xreg${i}`), ...Array.from({ length: 4 }, (_, i) => `xxreg${i}`), 'pkt_mark', 'conj_id', 'ct_state', 'ct_zone', 'ct_mark', 'ct_label', ...ctReadOnly.slice(2)]);
    // Only the actions nested in ct(exec(…)) write these, to the connection.
    expect(FIELDS.filter((f) => f.connection).map((f) => f.name)).toEqual(['ct_mark', 'ct_label']);
    expect(fieldByName('ipv6_label')!.pipeline).toBe(false);
    expect(fieldByName('NXM_OF_IP_TOS')!.writeMask).toBe(0xfcn);
  });
});

describe('subtable order kept between inserts, removes and lookups', () => {
  it('finds the highest priority whether a new mask or a removal came after the last lookup', () => {
    const c = new Classifier();
    const flow = new Uint32Array(FLOW_WORDS);
    const low = parseFlow('priority=1,metadata=0/0x1,actions=drop');
    const high = parseFlow('priority=9,metadata=0/0x2,actions=drop');
    const middle = parseFlow('priority=5,metadata=0/0x4,actions=drop');
    c.insert(low);
    expect(c.search(flow)).toBe(low);
    c.insert(high);
    c.insert(middle);
    expect(c.search(flow)).toBe(high);
    c.remove(high);
    expect(c.search(flow)).toBe(middle);
    c.remove(middle);
    c.insert(parseFlow('priority=0,metadata=0/0x8,actions=drop'));
    expect(c.search(flow)).toBe(low);
  });
});
