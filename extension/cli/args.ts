// A small argument parser: the CLI's contract is a handful of flags, not worth a dependency.
import * as path from 'node:path';

export interface Args {
  command: string;
  positionals: string[];
  flags: Map<string, string | true>;
}

const VALUE_FLAGS = new Set([
  '--stack',
  '--format',
  '--tail',
  '--since',
  '--target',
  '--host',
  '--registry',
  '--out',
  '--context',
  '--timeout',
]);
const ALIASES: Record<string, string> = { '-f': '--follow', '-s': '--stack', '-h': '--help' };

export function parseArgs(argv: string[]): Args {
  const flags = new Map<string, string | true>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    let a = ALIASES[argv[i]] ?? argv[i];
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      let value: string | true = true;
      const eq = a.indexOf('=');
      if (eq > 0) {
        value = a.slice(eq + 1);
        a = a.slice(0, eq);
      } else if (VALUE_FLAGS.has(a)) {
        if (i + 1 >= argv.length) throw new UsageError(`${a} needs a value`);
        value = argv[++i];
      }
      flags.set(a, value);
    } else {
      positionals.push(a);
    }
  }
  return { command: positionals.shift() ?? 'help', positionals, flags };
}

export function stackDir(args: Args): string {
  const v = args.flags.get('--stack');
  return path.resolve(typeof v === 'string' ? v : '.');
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * Whether `e` is a usage error (exit 2). By name, not instanceof: the CLI's two bundles
 * (see engine-commands.ts) each hold their own copy of the class.
 */
export function isUsageError(e: unknown): boolean {
  return e instanceof Error && e.name === 'UsageError';
}
