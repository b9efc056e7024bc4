/**
 * Text bound for a terminal, made safe: names, comments and messages can come from files (a
 * traffic name, a capture's interface name or comment), and a control character in them must
 * not move the cursor, clear the screen or reverse the text. They are shown escaped instead, as
 * `--json` shows them. Newlines and tabs stay: the output's own layout uses them.
 */

import { once } from 'node:events';

// C0 controls but tab and newline, DEL, C1 controls, and the bidirectional overrides (Trojan Source, CVE-2021-42574).
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

export function printable(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/**
 * Standard output for output without bound (decode of a whole capture): text goes out in 64 KiB
 * pieces, and waits while a slow reader (a pipe) catches up, so memory stays flat however much
 * is printed. A reader that closes the pipe ends the process (main.ts), as `| head` expects.
 */
export class StreamedOutput {
  private pending: string[] = [];
  private size = 0;

  async write(text: string): Promise<void> {
    this.pending.push(text);
    this.size += text.length;
    if (this.size >= 1 << 16) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const text = this.pending.join('');
    this.pending = [];
    this.size = 0;
    if (!process.stdout.write(text)) await once(process.stdout, 'drain');
  }
}
