/**
 * How the CLI ends: a user's mistake (bad spec, bad bytes, bad file, bad option) prints one
 * clear message and exits 2, never a stack trace; anything else is an internal error, exit 3.
 * Exit codes: 0 ok, 1 expectations failed, 2 bad input, 3 internal error.
 * Imports nothing heavy, so `netloom --version` stays fast.
 */
import { printable } from './output.js';

/** A bad command-line value, named by its option. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'NETLOOM_USAGE';
}

/** Every user-facing error class (WireError, SpecError, CaptureError, UsageError) has a NETLOOM_ code. */
export function isUserError(error: unknown): error is Error & { code: string } {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('NETLOOM_');
}

export async function run(action: () => Promise<void> | void): Promise<void> {
  try {
    await action();
  } catch (error) {
    if (isUserError(error)) {
      process.stderr.write(`netloom: ${error.code}: ${printable(error.message)}\n`);
      process.exitCode = 2;
      return;
    }
    const detail = process.env['NETLOOM_DEBUG'] && error instanceof Error ? `\n${error.stack}` : '';
    process.stderr.write(`netloom: internal error: ${String(error)}${detail}\n(set NETLOOM_DEBUG=1 for a stack trace)\n`);
    process.exitCode = 3;
  }
}
