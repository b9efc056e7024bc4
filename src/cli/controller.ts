/** `netloom controller`: netloom's controller and one app, for switches that connect over TCP; runs until interrupted. */
import { Controller } from '../controller/controller.js';
import { listenController } from '../controller/tcp.js';
import { loadApp } from '../controller/apps/load.js';
import { UsageError } from './errors.js';
import { printable } from './output.js';
import { parseListen } from './listen.js';

export interface ControllerCommandOptions {
  listen: string;
  app: string;
  option?: string[];
}

export async function controllerCommand(options: ControllerCommandOptions): Promise<void> {
  const { host, port } = parseListen(options.listen, '--listen', '127.0.0.1:6653');
  const appOptions: Record<string, unknown> = {};
  for (const pair of options.option ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--option "${pair}" is not KEY=VALUE`);
    const text = pair.slice(eq + 1);
    let value: unknown = text;
    try {
      value = JSON.parse(text);
    } catch {
      // A plain string.
    }
    appOptions[pair.slice(0, eq)] = value;
  }
  const factory = await loadApp(options.app, process.cwd());
  const controller = new Controller('controller');
  controller.onLog = (line) => process.stdout.write(`${printable(line)}\n`);
  controller.use(factory, appOptions);
  const listener = await listenController(controller, host, port);
  process.stdout.write(`netloom controller (${options.app}) listening on tcp:${listener.host}:${listener.port}; Ctrl-C stops it\n`);
  await new Promise<void>((done) => process.once('SIGINT', () => done()));
  await listener.close();
}
