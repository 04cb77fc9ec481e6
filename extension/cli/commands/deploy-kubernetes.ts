// `flotilla deploy --target kubernetes [--context NAME] --registry R [--out DIR]`: render with the images
// pushed (by digest), then server-side apply through the Kubernetes API and wait for every rollout.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { connectDocker } from '../../engine/docker/client';
import { applyToKubernetes, kubeConfig } from '../../engine/deploy/kubernetes';
import { renderStack } from '../../engine/deploy/render';
import { type Args, stackDir } from '../args';
import { flag } from './deploy';

export async function deployKubernetes(args: Args): Promise<number> {
  const registry = flag(
    args,
    '--registry',
    '--target kubernetes needs --registry HOST:PORT: the registry the cluster pulls from',
  );
  const context = flag(args, '--context', undefined);
  await kubeConfig(context); // a missing context is said before anything is built
  const out = flag(args, '--out', undefined) ?? fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-render-'));
  const say = (l: string) => process.stdout.write(l + '\n');
  const rendered = await renderStack(await connectDocker(), {
    stackDir: stackDir(args),
    registry: registry ?? '',
    outDir: out,
    push: true,
    onOutput: (l) => {
      if (!l.startsWith('[build')) say(l);
    },
  });
  const timeout = flag(args, '--timeout', undefined);
  const res = await applyToKubernetes({
    context,
    dir: out,
    files: rendered.files,
    onOutput: say,
    timeoutMs: timeout ? Number(timeout) * 1000 : undefined,
  });
  say(
    `stack ${rendered.stack.name}: ${res.applied.length} object(s) applied; every rollout complete (manifests in ${out})`,
  );
  return 0;
}
