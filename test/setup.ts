/** Before any test: the viewer is built from the sources as they are, so no test meets a stale bundle. */
import { buildViewer } from '../src/feed/viewer/build.js';

export default async function setup(): Promise<void> {
  await buildViewer();
}
