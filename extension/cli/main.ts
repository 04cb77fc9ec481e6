// The `flotilla` CLI: the same engine as the VS Code extension, headless.
// Exit 0 on success; on failure a one-line reason (or the file:line list of
// problems) on stderr and a non-zero code.
import { isUsageError, parseArgs, stackDir, UsageError, type Args } from './args';
import { hadInternalError, installCrashHandlers } from './crash';
import { errorMessage } from '../engine/util/errors';
import type * as StatusCommand from './commands/status';
import type * as EngineCommands from './engine-commands';

const HELP = `flotilla: run Kubernetes manifests on your local Docker engine

usage: flotilla <command> [--stack DIR] [options]

  up                      build, apply and run the controller in the foreground (Ctrl-C stops it;
                          replicas keep running). --no-watch: do not rebuild/roll on save.
                          --no-live-update: saves matching a build's sync rules rebuild and roll too
                          --dry-run: load, lint and schedule, then print what would run (replicas
                          per node, volumes, ports, images, what is ignored); creates nothing
  status [--json]         deployments, replicas, services and endpoints (with or without a controller)
  scale DEPLOYMENT N      set the replica count (kept across controller restarts)
  restart DEPLOYMENT      rolling restart
  logs [-f] [--tail N] [--timestamps] T
                          logs of a replica, or of every replica of a deployment (prefixed)
  down [--volumes]        stop the controller and remove everything the stack created except
                          claim volumes (their data); --volumes removes those too
  lint [PATH...] [--format json] [--no-docker]
                          check Dockerfiles, manifests and stack files; exit 1 on any error
                          (--no-docker: skip the check that images exist locally)

  deploy --target swarm --host H --registry R [--watch]
                          build, push (tagged by content hash) and run the stack on a Docker Swarm whose
                          manager's engine is H; --watch keeps Flotilla's autoscaler running against it
  deploy --target kubernetes [--context NAME] --registry R
                          render, push and server-side apply to a cluster, then wait for every rollout
  render --registry R --out DIR [--push]
                          the manifests for a cluster, built images replaced by their registry references
  status|down --target swarm --host H
                          the stack's status on (or its removal from) the swarm

  --stack DIR             the folder holding flotilla.yaml or skaffold.yaml (default: .)
`;

// `help` and `status` are in this bundle (dist/cli.js); every other command is in the second one
// (dist/cli-engine.js, see engine-commands.ts), parsed only when such a command runs.
/* eslint-disable @typescript-eslint/no-require-imports -- required at the call: see above */
function command(name: string): ((a: Args) => Promise<number>) | undefined {
  if (name === 'status') {
    const { status }: typeof StatusCommand = require('./commands/status');
    return status;
  }
  const engine: typeof EngineCommands = require('./engine-commands');
  return Object.hasOwn(engine.COMMANDS, name) ? engine.COMMANDS[name] : undefined;
}
/* eslint-enable @typescript-eslint/no-require-imports */

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  installCrashHandlers(args.command, () => stackDir(args));
  if (args.command === 'help' || args.flags.has('--help')) {
    process.stdout.write(HELP);
    return 0;
  }
  const cmd = command(args.command);
  if (!cmd) throw new UsageError(`unknown command "${args.command}"; run 'flotilla help'`);
  return cmd(args);
}

main(process.argv.slice(2)).then(
  (result) => {
    const code = result === 0 && hadInternalError() ? 1 : result;
    process.exitCode = code;
    // Exit once stdout has drained: to a pipe, writes are asynchronous and process.exit
    // would cut long output (lint --format json | jq) at the pipe buffer. `up` exits too once its
    // controller has stopped, even if a handle (a file watch, a socket) were left open.
    if (process.argv[2] !== 'logs') process.stdout.write('', () => process.exit(code));
  },
  (e: unknown) => {
    const msg =
      e instanceof Error && e.name === 'StackError'
        ? `flotilla: the stack has problems; nothing was changed:\n${e.message}`
        : `flotilla: ${errorMessage(e)}`;
    process.stderr.write(msg + '\n');
    process.exit(isUsageError(e) ? 2 : 1);
  },
);
