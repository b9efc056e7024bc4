import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI } from '../cli.js';

const root = join(import.meta.dirname, '..', '..');

function netloom(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: root, input, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const VXLAN_SPEC = 'ethernet(src=02:00:00:00:00:01,dst=02:00:00:00:00:02)/ipv4(src=10.0.0.1,dst=10.0.0.2)/udp(dstPort=4789)/vxlan(vni=5000)/ethernet/ipv4/icmp';
const ESP_SPEC = 'ethernet/ipv4(src=10.0.0.1,dst=10.0.0.2)/esp(spi=0x1234,seq=3,alg=aes-gcm-128,key=0x000102030405060708090a0b0c0d0e0fdeadbeef)/ipv4/udp(srcPort=1,dstPort=2)';

describe('netloom CLI', () => {
  it('stops quietly when its reader stops early (| head -1), and says so in one line when standard output cannot be written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'netloom-pipe-'));
    const specs = join(dir, 'specs.txt');
    writeFileSync(specs, 'ethernet/ipv4/icmp\n'.repeat(3000));
    const cli = `'${process.execPath}' '${CLI}' craft -f '${specs}'`;
    const piped = spawnSync('bash', ['-c', `set -o pipefail; ${cli} | head -1`], { cwd: root, encoding: 'utf8' });
    expect([piped.status, piped.stdout, piped.stderr]).toEqual([0, 'ethernet  bytes 0-13 (14)\n', '']);
    const full = spawnSync('bash', ['-c', `${cli} > /dev/full`], { cwd: root, encoding: 'utf8' });
    expect([full.status, full.stderr]).toEqual([3, 'netloom: NETLOOM_OUTPUT: cannot write standard output: ENOSPC\n']);
  });

  it('prints its version', () => {
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    expect(netloom(['--version']).stdout.trim()).toBe(version);
  });

  it('crafts hex that decode --json reads back', () => {
    const crafted = netloom(['craft', VXLAN_SPEC, '--hex']);
    expect(crafted.status).toBe(0);
    const decoded = netloom(['decode', '--json', '-'], crafted.stdout);
    expect(decoded.status).toBe(0);
    const json = JSON.parse(decoded.stdout) as { layers: { layer: string; vni?: number }[] };
    expect(json.layers.map((l) => l.layer)).toEqual(['ethernet', 'ipv4', 'udp', 'vxlan', 'ethernet', 'ipv4', 'icmp']);
    expect(json.layers[3]).toEqual({ layer: 'vxlan', flags: 8, reserved1: 0, vni: 5000, reserved2: 0 });
  });

  it('explains a crafted packet: tree, checksums, hexdump marks, encapsulation overhead', () => {
    const { stdout, status } = netloom(['craft', VXLAN_SPEC]);
    expect(status).toBe(0);
    expect(stdout).toContain('vxlan  bytes 42-49 (8)');
    expect(stdout).toContain('  46-48     vni             5000');
    expect(stdout).toContain('  24-25     checksum        0x');
    expect(stdout).toContain('[correct]');
    expect(stdout).toMatch(/\^ +ethernet@0 ipv4@14/);
    expect(stdout).toContain('VXLAN encapsulation adds 50 bytes around a 42-byte inner ethernet: 50 in front (ethernet 14 + ipv4 20 + udp 8 + vxlan 8)');
  });

  it('decrypts ESP given --esp-sa', () => {
    const hex = netloom(['craft', ESP_SPEC, '--hex']).stdout.trim();
    const plain = netloom(['decode', '--json', hex]);
    expect(JSON.parse(plain.stdout).layers.map((l: { layer: string }) => l.layer)).toEqual(['ethernet', 'ipv4', 'esp', 'payload']);
    const opened = netloom(['decode', '--json', '--esp-sa', 'spi=0x1234,alg=aes-gcm-128,key=0x000102030405060708090a0b0c0d0e0fdeadbeef', hex]);
    expect(JSON.parse(opened.stdout).layers.map((l: { layer: string }) => l.layer)).toEqual(['ethernet', 'ipv4', 'esp', 'ipv4', 'udp']);
    const wrong = netloom(['decode', '--json', '--esp-sa', 'spi=0x1234,alg=aes-gcm-128,key=0xff0102030405060708090a0b0c0d0e0fdeadbeef', hex]);
    expect(wrong.status).toBe(2);
    expect(JSON.parse(wrong.stdout).error).toMatchObject({ code: 'NETLOOM_ESP_ICV_FAILURE', layer: 'esp', offset: 34 });
  });

  it('shows another UDP port as VXLAN with --vxlan-port, in craft as in decode', () => {
    const spec = 'ethernet/ipv4/udp(dstPort=8472)/vxlan(vni=7)/ethernet/ipv4/icmp';
    const layers = (out: string) => (JSON.parse(out) as { layers: { layer: string }[] }).layers.map((l) => l.layer);
    expect(layers(netloom(['craft', spec, '--json']).stdout)).toEqual(['ethernet', 'ipv4', 'udp', 'payload']);
    const crafted = netloom(['craft', spec, '--json', '--vxlan-port', '8472']);
    expect(layers(crafted.stdout)).toEqual(['ethernet', 'ipv4', 'udp', 'vxlan', 'ethernet', 'ipv4', 'icmp']);
    const hex = netloom(['craft', spec, '--hex']).stdout.trim();
    expect(layers(netloom(['decode', '--json', '--vxlan-port', '8472', hex]).stdout)).toEqual(['ethernet', 'ipv4', 'udp', 'vxlan', 'ethernet', 'ipv4', 'icmp']);
    for (const command of [['craft', spec], ['decode', hex]]) {
      expect(netloom([...command, '--vxlan-port', '65536'])).toMatchObject({ status: 2, stderr: 'netloom: NETLOOM_USAGE: --vxlan-port "65536" is not a UDP port\n' });
    }
  });

  it('writes a pcap, refuses to overwrite it without --force, and decodes it', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'netloom-')), 'out.pcap');
    expect(netloom(['craft', VXLAN_SPEC, ESP_SPEC, '--pcap', file]).status).toBe(0);
    const again = netloom(['craft', VXLAN_SPEC, '--pcap', file]);
    expect(again.status).toBe(2);
    expect(again.stderr).toBe(`netloom: NETLOOM_CAPTURE_EXISTS: ${file} exists; pass --force to overwrite it\n`);
    expect(netloom(['craft', VXLAN_SPEC, '--pcap', file, '--force']).status).toBe(0);
    const lines = netloom(['decode', '--json', '--pcap', file]).stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!).layers[3].vni).toBe(5000);
  });

  it('writes pcapng with the interface and prints how to decrypt its ESP', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'netloom-')), 'out.pcapng');
    const r = netloom(['craft', VXLAN_SPEC, ESP_SPEC, '--pcap', file]);
    expect(r.stderr).toContain(`wrote 2 packets to ${file}\n`);
    expect(r.stderr).toContain(
      `decrypt ESP in tshark or Wireshark with: -o esp.enable_encryption_decode:TRUE -o esp.enable_authentication_check:TRUE -o esp.do_esp_sequence_analysis:FALSE -o 'uat:esp_sa:"IPv4","10.0.0.1","10.0.0.2","0x00001234","AES-GCM with 16 octet ICV [RFC4106]","0x000102030405060708090a0b0c0d0e0fdeadbeef","NULL",""'`,
    );
    const lines = netloom(['decode', '--json', '--pcap', file]).stdout.trim().split('\n').map((l) => JSON.parse(l) as { frame: unknown; layers: { layer: string }[] });
    expect(lines.map((l) => l.frame)).toEqual([
      // One millisecond apart from 2025-01-01T00:00:00Z (the default --epoch).
      { number: 1, timestampNs: '1735689600000000000', interface: 'craft' },
      { number: 2, timestampNs: '1735689600001000000', interface: 'craft' },
    ]);
    // The file carries its keys (a Decryption Secrets Block): decode opens the ESP with them, as Wireshark does.
    expect(lines[1]!.layers.map((l) => l.layer)).toEqual(['ethernet', 'ipv4', 'esp', 'ipv4', 'udp']);
    // A key given with --esp-sa comes first: a wrong one is the one used.
    const wrong = netloom(['decode', '--json', '--pcap', file, '--esp-sa', 'spi=0x1234,alg=aes-gcm-128,key=0xff0102030405060708090a0b0c0d0e0fdeadbeef']);
    expect(JSON.parse(wrong.stdout.trim().split('\n')[1]!).error).toMatchObject({ code: 'NETLOOM_ESP_ICV_FAILURE', layer: 'esp' });
  });

  it('streams pcapng to standard output with --pcap -', () => {
    const r = spawnSync(process.execPath, [CLI, 'craft', VXLAN_SPEC, '--pcap', '-'], { cwd: root });
    expect(r.status).toBe(0);
    expect(r.stdout.subarray(0, 4).toString('hex')).toBe('0a0d0d0a');
    expect(r.stdout.length).toBeGreaterThan(92);
    // decode --pcap - reads it from standard input.
    const decoded = spawnSync(process.execPath, [CLI, 'decode', '--json', '--pcap', '-'], { cwd: root, input: r.stdout, encoding: 'utf8' });
    expect(decoded.status, decoded.stderr).toBe(0);
    expect((JSON.parse(decoded.stdout) as { layers: { vni?: number }[] }).layers[3]!.vni).toBe(5000);
  });

  it.each([
    [['craft', 'ipv4(tll=1)'], 'netloom: NETLOOM_BAD_SPEC: column 6: ipv4 has no field "tll"'],
    [['craft', 'ipv4(ttl=300)'], 'netloom: NETLOOM_BAD_FIELD: ipv4 at byte 0: ttl 300 is not an integer in 0-255'],
    [['decode', 'zz'], 'netloom: NETLOOM_USAGE: "zz" is not hex'],
    [['decode', '--pcap', '/nonexistent.pcap'], 'netloom: NETLOOM_USAGE: --pcap /nonexistent.pcap: no such file'],
    [['craft', '-f', '/dev/zero'], 'netloom: NETLOOM_USAGE: --file /dev/zero: it is longer than 64 MiB'],
    [['decode', '--first', 'ipx', '00'], 'netloom: NETLOOM_USAGE: --first "ipx" is not a layer'],
    [['decode', '--esp-sa', 'spi=1,alg=aes-gcm-128,key=0x00', '00'], 'netloom: NETLOOM_USAGE: --esp-sa: aes-gcm-128 takes 20 bytes of key material, got 1'],
  ])('a user mistake (%j) exits 2 with one clear line and no stack trace', (args, message) => {
    const r = netloom(args);
    expect(r.status).toBe(2);
    expect(r.stderr.startsWith(message)).toBe(true);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('reports bad packet bytes in the teaching view and exits 2', () => {
    const r = netloom(['decode', '0800']);
    expect(r.status).toBe(2);
    expect(r.stdout).toContain('! NETLOOM_TRUNCATED: ethernet at byte 0: needs 14 bytes, only 2 left (0800)');
  });

  it('exits 2 for an empty packet too, whose error is the first line of the teaching view', () => {
    const r = netloom(['decode', '0x']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('! NETLOOM_TRUNCATED: ethernet at byte 0: needs 14 bytes, only 0 left\n\n');
  });

  it.each([
    ['--json', 'ethernet/ipv4/udp(srcPort=1,dstPort=4789)'],
    ['--hex', 'ethernet/ipv4/udp(srcPort=1,dstPort=4789)'],
    ['', 'ethernet/ipv4/udp(srcPort=1,dstPort=4789)'],
    ['--json', 'ethernet/ipv4/gre(protocol=0x6558)'],
    ['', 'ethernet/ipv4/gre(protocol=0x6558)'],
  ])('crafts an empty datagram to a registered port, or a bare GRE header, with %j and exits 0', (option, spec) => {
    const r = netloom(['craft', spec, ...(option === '' ? [] : [option])]);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(r.stdout).not.toContain('NETLOOM_');
    if (option === '--json') expect((JSON.parse(r.stdout) as { layers: { layer: string }[] }).layers.map((l) => l.layer)).toEqual(spec.split('/').map((l) => l.replace(/\(.*/, '')));
  });

  it('shows a packet made malformed on purpose the same way in every view, exit 0', () => {
    const spec = 'ethernet(etherType=0x0800)';
    const json = netloom(['craft', spec, '--json']);
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      layers: [{ layer: 'ethernet', dst: 'ff:ff:ff:ff:ff:ff', src: '00:00:00:00:00:00', etherType: 0x0800 }],
      error: { code: 'NETLOOM_TRUNCATED', layer: 'ipv4', offset: 14, message: 'ipv4 at byte 14: needs 20 bytes, only 0 left' },
    });
    const text = netloom(['craft', spec]);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain('! NETLOOM_TRUNCATED: ipv4 at byte 14: needs 20 bytes, only 0 left\n');
    expect(netloom(['craft', spec, '--hex'])).toMatchObject({ status: 0, stdout: 'ffffffffffff0000000000000800\n' });
  });

  it('decodes a crafted packet from its own first layer', () => {
    const r = netloom(['craft', 'ipv4(src=10.0.0.1,dst=10.0.0.2)/udp(srcPort=1,dstPort=2)', '--json']);
    expect(r.status).toBe(0);
    expect((JSON.parse(r.stdout) as { layers: { layer: string }[] }).layers.map((l) => l.layer)).toEqual(['ipv4', 'udp']);
  });

  it.each([
    ['# a good spec, a blank line, a bad one\nethernet/ipv4/udp\n\n  ipv4(ttl=sixty)/udp\n', 'NETLOOM_BAD_SPEC', ':4: column 12: ipv4.ttl: "sixty" is not an integer (decimal or 0x hex)\n    ipv4(ttl=sixty)/udp\n             ^\n'],
    ['ethernet/ipv4\nethernet/ipv4(ttl=300)/udp\n', 'NETLOOM_BAD_FIELD', ':2: ipv4 at byte 14: ttl 300 is not an integer in 0-255\n'],
  ])('names the --file line of a bad spec (%j)', (text, code, rest) => {
    const file = join(mkdtempSync(join(tmpdir(), 'netloom-')), 'specs.txt');
    writeFileSync(file, text);
    const r = netloom(['craft', '--file', file, '--hex']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`netloom: ${code}: ${file}${rest}`);
  });
});
