// `flotilla lint`: the shared rule engine of the language server, on the command line.
import { runLintCli } from '../../../language-server/src/lint/cli';
import { type Args } from '../args';

export async function lint(args: Args): Promise<number> {
  const argv = [...args.positionals];
  const format = args.flags.get('--format');
  if (typeof format === 'string') argv.push('--format', format);
  if (args.flags.has('--no-docker')) argv.push('--no-docker');
  return runLintCli(argv, process.stdout);
}
