/** The capture options `run`, `trace` and `craft` share: `--epoch` and `--capture`. */
import { CAPTURE_EPOCH, MAX_EPOCH } from '../capture/writer.js';
import { capturePortsProblem } from '../topology/capture.js';
import type { Topology } from '../topology/types.js';
import { UsageError } from './errors.js';

/** `--epoch`: whole seconds since 1970, or an ISO 8601 date and time (`2026-12-04T09:00:00Z`); CAPTURE_EPOCH when absent. */
export function parseEpoch(text: string | undefined): number {
  if (text === undefined) return CAPTURE_EPOCH;
  const seconds = /^\d+$/.test(text) ? Number(text) : /^\d{4}-\d\d-\d\d(T[\d:.]+(Z|[+-]\d\d:\d\d))?$/.test(text) ? Date.parse(text) / 1000 : NaN;
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_EPOCH) {
    throw new UsageError(`--epoch "${text}" is not whole seconds since 1970 or a date like 2025-01-01 or 2025-01-01T09:30:00Z (from 1970 to 2106)`);
  }
  return seconds;
}

/** `--capture s1:p1,r1:*`: the ports named, each checked against the topology (before any file is made). */
export function parseCapturePorts(topology: Topology, text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const patterns = text.split(',').map((pattern) => pattern.trim());
  const problem = capturePortsProblem(topology, patterns);
  if (problem !== undefined) throw new UsageError(`--capture: ${problem}`);
  return patterns;
}
