/** Times and numbers as the viewer shows them. */

/** Virtual ns as seconds with microsecond digits: "1.000336 s". */
export function formatTime(ns: number): string {
  return `${(ns / 1e9).toFixed(6)} s`;
}
