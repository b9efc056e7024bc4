/**
 * Hostile input at every entry point, seeded and bounded: mutated lesson files, flow texts from the
 * acceptance corpus, craft specs, captures and packet bytes. Each either works or fails with one of
 * netloom's errors (a NETLOOM_ code); nothing else escapes, nothing hangs. The CLI turns the same
 * into exit 0, 1 or 2 with one line, never a stack trace. Runs are seeded: a failure reproduces.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTopology } from '../../src/topology/load.js';
import { parseFlow } from '../../src/switch/ofctl.js';
import { parseSpec } from '../../src/wire/craft.js';
import { encode } from '../../src/wire/encode.js';
import { decodeTolerant } from '../../src/wire/decode.js';
import { explain } from '../../src/wire/explain.js';
import { readCapture } from '../../src/capture/read.js';
import { HAND_WRITTEN } from '../interop/flow-corpus.js';
import { CLI } from '../cli.js';

const root = join(import.meta.dirname, '..', '..');
const SEED = 20261204;
const lessons = readdirSync(join(root, 'topologies')).filter((f) => f.endsWith('.yaml')).map((f) => readFileSync(join(root, 'topologies', f), 'utf8'));
const specs = readFileSync(join(root, 'examples', 'specs.txt'), 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#'));
const captures = ['esp', 'controller-learning', 'vlan'].map((g) => new Uint8Array(readFileSync(join(root, 'pcap', `${g}.pcapng`))));

/** Pieces that have broken parsers: deep nesting, aliases, prototype names, huge numbers, control and wide characters. */
const HOSTILE = ['[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[', '{a: {b: {c: {d: {e: {f: ', '&a [*a, *a]', '*nothing', '__proto__', 'constructor', '? [a]: b', '1e400', '-0x', '99999999999999999999999', '\u0000', '\u001b[2J', '\u202e', '\t', ':', ',', '=', '(', ')', '"', "'", '\n', '💥', '0/0', '..', '->'];

/** A text with a few edits: a character replaced, a span cut out, or a hostile piece put in. */
const mutated = (texts: readonly string[]) =>
  fc.tuple(fc.constantFrom(...texts), fc.array(fc.tuple(fc.nat(), fc.nat({ max: 40 }), fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ maxLength: 4 }))), { minLength: 1, maxLength: 4 })).map(([text, edits]) =>
    edits.reduce((t, [at, cut, put]) => {
      const i = t.length === 0 ? 0 : at % t.length;
      return t.slice(0, i) + put + t.slice(i + cut);
    }, text),
  );

/** Runs `f`; an error must be one of netloom's (a NETLOOM_ code), which is returned. */
function netloomError(f: () => unknown): string | undefined {
  try {
    f();
    return undefined;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code !== 'string' || !code.startsWith('NETLOOM_')) throw error;
    return code;
  }
}

describe('hostile input at every entry point', () => {
  it('topology files: loaded, or one TopologyError', () => {
    fc.assert(
      fc.property(mutated(lessons), (text) => {
        const code = netloomError(() => loadTopology(text, 'fuzz.yaml'));
        expect(code === undefined || code === 'NETLOOM_TOPOLOGY').toBe(true);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('flow texts, in both modes: a rule, or a FlowSyntaxError', () => {
    fc.assert(
      fc.property(mutated(HAND_WRITTEN), fc.constantFrom('OpenFlow10', 'OpenFlow13'), (text, protocols) => {
        const code = netloomError(() => parseFlow(text, { protocols } as never));
        expect(code === undefined || code === 'NETLOOM_FLOW_SYNTAX').toBe(true);
      }),
      { seed: SEED, numRuns: 1500 },
    );
  });

  it('craft specs: bytes, or a NETLOOM_ error', () => {
    fc.assert(fc.property(mutated(specs), (text) => void netloomError(() => encode(parseSpec(text)))), { seed: SEED, numRuns: 1000 });
  });

  it('captures: the packets before any damage, each decoded and explained without an exception', () => {
    fc.assert(
      fc.property(fc.constantFrom(...captures), fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { minLength: 1, maxLength: 8 }), fc.nat(), (file, edits, cut) => {
        const bytes = Uint8Array.from(file);
        for (const [at, value] of edits) bytes[at % bytes.length] = value;
        const read = readCapture(bytes.subarray(0, bytes.length - (cut % 64)));
        if (read.error) expect(read.error.code).toMatch(/^NETLOOM_CAPTURE_/);
        for (const p of read.packets.slice(0, 40)) {
          expect(decodeTolerant(p.data, { espSAs: read.espSecrets }).error?.code ?? 'NETLOOM_').toMatch(/^NETLOOM_/);
          expect(explain(p.data, { espSAs: read.espSecrets })).toMatch(/\n$/);
        }
      }),
      { seed: SEED, numRuns: 150 },
    );
  });

  it('packet bytes behind any first layer: decoded and explained without an exception', () => {
    fc.assert(
      fc.property(fc.constantFrom('ethernet', 'ipv4', 'ipv6', 'udp', 'gre', 'esp', 'vxlan', 'icmpv6'), fc.uint8Array({ maxLength: 400 }), (first, bytes) => {
        expect(decodeTolerant(bytes, { first } as never).error?.code ?? 'NETLOOM_').toMatch(/^NETLOOM_/);
        expect(typeof explain(bytes, { first } as never)).toBe('string');
      }),
      { seed: SEED, numRuns: 3000 },
    );
  });
});

describe('hostile files at the command line: exit 0, 1 or 2, one NETLOOM_ line, no stack trace', () => {
  const dir = mkdtempSync(join(tmpdir(), 'netloom-fuzz-'));
  const file = (name: string, text: string | Uint8Array) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const netloom = (args: string[], input?: string) => spawnSync(process.execPath, [CLI, ...args], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28, ...(input !== undefined && { input }) });
  const keys = (n: number) => `nodes:\n${Array.from({ length: n }, (_, k) => `  h${k}: { kind: host }`).join('\n')}\n`;

  it.each([
    ['validate', () => [file('deep.yaml', `nodes: ${'['.repeat(5000)}`)], 2, /^netloom: NETLOOM_TOPOLOGY: \S+deep.yaml:1:\d+/],
    ['validate', () => [file('keys.yaml', keys(20000))], 2, /… and 19950 more\n$/],
    ['validate', () => ['/dev/zero'], 2, /NETLOOM_TOPOLOGY: \/dev\/zero: cannot read the file: it is longer than 64 MiB/],
    ['decode', () => ['--pcap', '/dev/zero'], 2, /^netloom: NETLOOM_CAPTURE_FORMAT: capture at byte 0: magic 0x00000000 is neither pcap nor pcapng\n$/],
    ['decode', () => ['--pcap', file('cut.pcapng', captures[0]!.subarray(0, 3000))], 2, /NETLOOM_CAPTURE_TRUNCATED/],
    ['flows', () => ['trace', '--flows', '/dev/zero', 'in_port=1'], 2, /it is longer than 64 MiB/],
    // 3,000 layers deep: explained in time linear in the depth.
    ['craft', () => [`${'ethernet/ipv4/udp(dstPort=4789)/vxlan/'.repeat(750)}payload`], 0, undefined],
  ])('%s with %s', (command, args, status, stderr) => {
    const r = netloom([command, ...args()]);
    expect(r.status, r.stderr).toBe(status);
    if (stderr) expect(r.stderr).toMatch(stderr);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('decode - refuses a line of hex longer than a text file may be, at its number', () => {
    const r = netloom(['decode', '-'], `00\n${'0'.repeat(64 * 1024 * 1024 + 2)}`);
    expect([r.status, r.stderr]).toEqual([2, 'netloom: NETLOOM_USAGE: standard input: line 2 is longer than 64 MiB\n']);
  });
});
