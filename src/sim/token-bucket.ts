/**
 * A token bucket on the virtual clock: `rate` tokens a second up to `burst` held, one taken per
 * event admitted. What rate limits are made of (FlowVisor's per-slice message limit: a bucket
 * per slice and switch).
 */
export class TokenBucket {
  private tokens: number;
  private at = 0;

  constructor(
    /** Tokens added per second. */
    readonly rate: number,
    /** The most tokens held: the burst admitted after a quiet spell. */
    readonly burst: number,
  ) {
    this.tokens = burst;
  }

  /** Takes a token at virtual time `now` (ns) if there is one. */
  take(now: number): boolean {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) * this.rate) / 1e9);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
