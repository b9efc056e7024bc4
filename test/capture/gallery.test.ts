/**
 * The pcap gallery is up to date and clean: pcap/ holds exactly the captures
 * scripts/pcap-gallery.ts makes of the lessons (byte for byte) and the README it writes, and
 * tshark reads every capture with no malformed packet and no warning but the one a tenants lesson
 * earns on purpose (two tenants' hosts share an address, and Wireshark's ARP analysis says so).
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GALLERY, galleryCapture, galleryEspOptions, galleryReadme } from '../../scripts/pcap-gallery.js';

const root = join(import.meta.dirname, '..', '..');
const STALE = 'pcap/ is out of date: run npx tsx scripts/pcap-gallery.ts';
/** Lessons where two tenants' hosts have the same addresses. */
const SHARED_ADDRESSES = new Set(['tenants-two-switches', 'tenants-vlan-trunk']);
const haveTshark = spawnSync('tshark', ['-v'], { stdio: 'ignore' }).status === 0;
if (!haveTshark) console.warn("skipping the gallery's tshark check: tshark is missing. Install it with: apt-get install tshark");

describe('the pcap gallery', () => {
  it('holds a capture of each gallery lesson and its README, nothing else', () => {
    expect(readdirSync(join(root, 'pcap')).sort(), STALE).toEqual([...GALLERY.map((g) => `${g.lesson}.pcapng`), 'README.md'].sort());
    expect(readFileSync(join(root, 'pcap', 'README.md'), 'utf8'), STALE).toBe(galleryReadme());
  });

  it.each(GALLERY.map((g) => g.lesson))('%s.pcapng is the bytes its lesson makes now', async (lesson) => {
    const file = readFileSync(join(root, 'pcap', `${lesson}.pcapng`));
    expect(Buffer.from(await galleryCapture(lesson)).equals(file), STALE).toBe(true);
  });

  it.skipIf(!haveTshark).each(GALLERY.map((g) => g.lesson))('%s.pcapng: nothing malformed or wrong in tshark', (lesson) => {
    // The options as the README gives them, split as a shell would.
    const esp = (galleryEspOptions(lesson).match(/'[^']*'|\S+/g) ?? []).map((a) => a.replace(/^'|'$/g, ''));
    const checks = ['-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE'];
    const tshark = (filter: string, options = esp) => spawnSync('tshark', ['-r', join(root, 'pcap', `${lesson}.pcapng`), ...options, ...checks, '-Y', filter, '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8' });
    const tenants = SHARED_ADDRESSES.has(lesson);
    const wrong = `_ws.malformed || (_ws.expert.severity >= warning${tenants ? ' && !arp.duplicate-address-detected' : ''})`;
    // Decrypted, and as a user first opens it, with Wireshark's defaults (ESP sequence analysis on, no keys).
    for (const options of [esp, []]) {
      const flagged = tshark(wrong, options);
      expect(flagged.status, flagged.stderr).toBe(0);
      expect(flagged.stdout, `flagged with ${options.length === 0 ? 'default settings' : 'the ESP keys'}`).toBe('');
    }
    // A run's time 0 is 2025-01-01T00:00:00Z, as tshark reads it too.
    const first = spawnSync('tshark', ['-r', join(root, 'pcap', `${lesson}.pcapng`), '-c', '1', '-T', 'fields', '-e', 'frame.time_epoch'], { encoding: 'utf8' });
    expect(Math.floor(Number(first.stdout.trim()) / 86400) * 86400).toBe(1_735_689_600);
    // The warning the README says a tenants capture earns: two tenants' hosts answer for one address.
    if (tenants) expect(tshark('arp.duplicate-address-detected').stdout).not.toBe('');
  });
});
