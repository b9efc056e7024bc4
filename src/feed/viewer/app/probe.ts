/** What the page exposes as `window.__netloom` for browser tests (the page is the same without them). Types only. */
export interface ViewerProbe {
  ready: boolean;
  received: number;
  missed: number;
  state: string;
  /** State messages received and drawn: a test waits for the one a control message brings, then reads the page. */
  states: number;
  now: number;
  flights: number;
  selected: number | undefined;
}
