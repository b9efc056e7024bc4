/** Times and numbers as the viewer shows them. */

/** Virtual ns as seconds with microsecond digits: "1.000336 s". */
export function formatTime(ns: number): string {
  return `${(ns / 1e9).toFixed(6)} s`;
}

/** A link's latency: "1 ms", "50 µs", "800 ns". */
export function formatLatency(ns: number): string {
  return ns >= 1e6 ? `${ns / 1e6} ms` : ns >= 1e3 ? `${ns / 1e3} µs` : `${ns} ns`;
}

/** A link's bandwidth: "1 Gb/s", "100 Mb/s"; 0 is no limit. */
export function formatBandwidth(bps: number): string {
  if (bps <= 0) return 'unlimited bandwidth';
  return bps >= 1e9 ? `${bps / 1e9} Gb/s` : bps >= 1e6 ? `${bps / 1e6} Mb/s` : `${bps / 1e3} kb/s`;
}
