/** What a user can ask of the feed that it cannot do, each with a stable code (the CLI exits 2). */
export type FeedErrorCode = 'NETLOOM_FEED_PEERS' | 'NETLOOM_FEED_SPEED';

export class FeedError extends Error {
  override readonly name = 'FeedError';
  constructor(
    readonly code: FeedErrorCode,
    message: string,
  ) {
    super(message);
  }
}
