/** Before any test: the viewer and the CLI are built from the sources as they are, so no test meets a stale bundle. */
import { buildViewer } from '../src/feed/viewer/build.js';
import { buildCli } from './cli.js';

export default async function setup(): Promise<void> {
  await Promise.all([buildViewer(), buildCli()]);
}
