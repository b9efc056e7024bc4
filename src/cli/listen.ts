/** `[HOST:]PORT` as the commands that listen take it (`--listen`, `--feed`): an IPv4 address, localhost or [IPv6]. */
import { UsageError } from './errors.js';

export function parseListen(text: string, option: string, example: string): { host: string; port: number } {
  const m = /^(?:(\d{1,3}(?:\.\d{1,3}){3}|localhost|\[[0-9a-fA-F:]+\]):)?(\d{1,5})$/.exec(text);
  if (m === null || Number(m[2]) > 65535) throw new UsageError(`${option} "${text}" is not [HOST:]PORT (e.g. ${example})`);
  return { host: (m[1] ?? '127.0.0.1').replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}
