// `flotilla render --registry HOST:PORT --out DIR [--push]`: the stack's manifests for a cluster, built
// images replaced by their registry references (by digest with --push), with a kustomization.yaml and a
// README.md of the Flotilla-only settings that do not carry over. Images are built by the local engine,
// which pushes them: the registry must be one it trusts.
import { connectDocker } from '../../engine/docker/client';
import { renderStack } from '../../engine/deploy/render';
import { type Args, stackDir } from '../args';
import { flag } from './deploy';

export async function render(args: Args): Promise<number> {
  const registry = flag(
    args,
    '--registry',
    'render needs --registry HOST:PORT: where the images are (or will be) pushed',
  );
  const out = flag(args, '--out', 'render needs --out DIR: the folder to write the manifests to');
  const say = (l: string) => process.stdout.write(l + '\n');
  const res = await renderStack(await connectDocker(), {
    stackDir: stackDir(args),
    registry: registry ?? '',
    outDir: out ?? '',
    push: args.flags.has('--push'),
    onOutput: (l) => {
      if (!l.startsWith('[build')) say(l);
    },
  });
  say(`rendered ${res.files.length} file(s) of stack ${res.stack.name} into ${out}`);
  return 0;
}
