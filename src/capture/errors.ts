/** The one error class for capture files: bad bytes when reading (with the file offset), or an output that cannot be written. */
export type CaptureErrorCode =
  | 'NETLOOM_CAPTURE_FORMAT'
  | 'NETLOOM_CAPTURE_TRUNCATED'
  | 'NETLOOM_CAPTURE_CORRUPT'
  | 'NETLOOM_CAPTURE_EXISTS'
  | 'NETLOOM_CAPTURE_WRITE'
  | 'NETLOOM_CAPTURE_EPOCH'
  | 'NETLOOM_CAPTURE_READ';

export class CaptureError extends Error {
  override readonly name = 'CaptureError';
  constructor(
    readonly code: CaptureErrorCode,
    message: string,
    /** Where in the file, for damage found while reading. */
    readonly offset?: number,
  ) {
    super(offset === undefined ? message : `capture at byte ${offset}: ${message}`);
  }
}
