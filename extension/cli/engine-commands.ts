// The CLI's second bundle (dist/cli-engine.js): every command but `help` and status from a running
// controller. The first bundle (dist/cli.js, from main.ts) holds only what those two need, so they
// start without parsing the engine, Docker's client, the YAML parser or the language server's rules;
// it requires this module only when a command needs them. Each command's code is still evaluated
// only when it runs (a require at the call, which the bundle keeps lazy).
import type { Args } from './args';
import type * as UpCommand from './commands/up';
import type * as IntentCommands from './commands/intents';
import type * as LogsCommand from './commands/logs';
import type * as DownCommand from './commands/down';
import type * as LintCommand from './commands/lint';
import type * as DeployCommand from './commands/deploy';
import type * as RenderCommand from './commands/render';
import type * as RemoteStatus from './commands/remote-status';
import type * as ReadStatus from '../engine/api/read-status';
import type { StackStatus } from '../engine/api/protocol';

/* eslint-disable @typescript-eslint/no-require-imports */
export const COMMANDS: Record<string, (a: Args) => Promise<number>> = {
  up: (a) => load('up', require('./commands/up')).up(a),
  scale: (a) => load('intents', require('./commands/intents')).scale(a),
  restart: (a) => load('intents', require('./commands/intents')).restart(a),
  logs: (a) => load('logs', require('./commands/logs')).logs(a),
  down: (a) => load('down', require('./commands/down')).down(a),
  lint: (a) => load('lint', require('./commands/lint')).lint(a),
  deploy: (a) => load('deploy', require('./commands/deploy')).deploy(a),
  render: (a) => load('render', require('./commands/render')).render(a),
};

/** `status --target ...`: a swarm's services and tasks (or the local stack, for --target local). */
export const remoteStatus = (a: Args): Promise<StackStatus> =>
  load('remoteStatus', require('./commands/remote-status')).remoteStatus(a);

/** Status with no controller answering: the stack files and Docker's labelled containers. */
export const statusWithoutController = (dir: string): Promise<StackStatus> =>
  load('readStatus', require('../engine/api/read-status')).statusWithoutController(dir);
/* eslint-enable @typescript-eslint/no-require-imports */

/** Types what a lazy require returned (the module named by `_which`). */
function load<K extends keyof Modules>(_which: K, module: Modules[K]): Modules[K] {
  return module;
}

interface Modules {
  up: typeof UpCommand;
  intents: typeof IntentCommands;
  logs: typeof LogsCommand;
  down: typeof DownCommand;
  lint: typeof LintCommand;
  deploy: typeof DeployCommand;
  render: typeof RenderCommand;
  remoteStatus: typeof RemoteStatus;
  readStatus: typeof ReadStatus;
}
