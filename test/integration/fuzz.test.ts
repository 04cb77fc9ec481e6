// Bad input never hurts a running stack. Thousands of mutated manifests, stack
// files and Dockerfiles (seeded, replayable) go through `flotilla lint`, the
// language server over stdio and the `up`/reload path of a running stack; hostile
// files (alias bombs, 5 MB manifests, binary files, symlink loops and build
// contexts that point outside the stack folder) go through the real CLI too.
// Nothing may throw, crash or hang past a generous per-file bound; every problem
// names a file of the stack and a line inside it; the running stack stays exactly
// as it was (same containers, never restarted, same image), and a replica created
// afterwards still runs the image the stack was started with.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runLintCli } from '../../language-server/src/index';
import type { LintDiagnostic } from '../../language-server/src/core/types';
import { lintForEngine } from '../../extension/cli/lint-bridge';
import { loadStack } from '../../extension/engine/model/load-stack';
import { StackError, type Problem } from '../../extension/engine/model/problems';
import { reloadStack } from '../../extension/engine/runner';
import { aliasBomb, aliasBombDeployment, bigManifest, binary, mutate, rng } from '../support/mutate';
import {
  docker,
  removeStack,
  stackContainers,
  startStack,
  uniqueName,
  waitFor,
  type Running,
} from '../support/stack-fixture';
import { ensureBusyboxImage } from '../support/base-images';
import { TestClient } from '../lsp/client';
import { deployment, manifests, service } from '../support/manifests';

const ROOT = path.resolve(__dirname, '../..');
const SEED = path.join(ROOT, 'test/fuzz/seed');
const CLI = ['--require', 'tsx/cjs', path.join(ROOT, 'extension/cli/main.ts')];
/** Generous bounds: a hang or a blow-up, not a benchmark. */
const PER_FILE_MS = 5000;
const PER_PROCESS_MS = 60_000;
const COUNT = Number(process.env.FLOTILLA_FUZZ_COUNT ?? 600); // per file kind, for lint

const FILES = [
  { rel: 'flotilla.yaml', kind: 'yaml' as const },
  { rel: 'k8s/app.yaml', kind: 'yaml' as const },
  { rel: 'app/Dockerfile', kind: 'dockerfile' as const },
];

function copySeed(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-fuzz-'));
  fs.cpSync(SEED, dir, { recursive: true });
  return dir;
}

function lineCount(file: string): number {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').length;
  } catch {
    return 1;
  }
}

/** A problem must name a file of the stack (or one it refers to) and a line inside that file. */
function checkProblem(
  dir: string,
  p: { file: string; line: number; column: number; message: string },
  where: string,
): void {
  assert.ok(p.file && path.isAbsolute(p.file), `${where}: problem names an absolute file: ${JSON.stringify(p)}`);
  assert.ok(
    Number.isInteger(p.line) && p.line >= 1 && p.line <= lineCount(p.file) + 1,
    `${where}: line ${p.line} inside ${p.file} (${lineCount(p.file)} lines): ${p.message}`,
  );
  assert.ok(Number.isInteger(p.column) && p.column >= 1, `${where}: column ${p.column}`);
  assert.ok(p.message.trim().length > 3, `${where}: a message`);
  assert.doesNotMatch(
    p.message,
    /TypeError|ReferenceError|RangeError|Cannot read propert|is not a function|\bat .*\.ts:\d+/,
    `${where}: an internal error leaked: ${p.message}`,
  );
}

async function bounded<T>(what: string, p: Promise<T>, ms = PER_FILE_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<T>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} took more than ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

class Sink {
  text = '';
  write(s: string): boolean {
    this.text += s;
    return true;
  }
}

/** Writes the hostile cases into a copy of the seed; returns [label, dir, file that is bad][]. */
function hostileCases(): { label: string; dir: string; file: string; lint: boolean }[] {
  const out: { label: string; dir: string; file: string; lint: boolean }[] = [];
  const make = (label: string, f: (dir: string) => string, lint = true) => {
    const dir = copySeed();
    out.push({ label, dir, file: f(dir), lint });
  };
  make('alias bomb (ConfigMap)', (d) => {
    fs.writeFileSync(path.join(d, 'k8s/bomb.yaml'), aliasBomb());
    return 'k8s/bomb.yaml';
  });
  make('alias bomb (pod env)', (d) => {
    fs.writeFileSync(path.join(d, 'k8s/bomb.yaml'), aliasBombDeployment());
    return 'k8s/bomb.yaml';
  });
  make('5 MB manifest', (d) => {
    fs.writeFileSync(path.join(d, 'k8s/big.yaml'), bigManifest(5 * 1024 * 1024));
    return 'k8s/big.yaml';
  });
  make('binary manifest', (d) => {
    fs.writeFileSync(path.join(d, 'k8s/blob.yaml'), binary(64 * 1024, rng(7)));
    return 'k8s/blob.yaml';
  });
  make('binary stack file', (d) => {
    fs.writeFileSync(path.join(d, 'flotilla.yaml'), binary(4096, rng(8)));
    return 'flotilla.yaml';
  });
  make('binary Dockerfile', (d) => {
    fs.writeFileSync(path.join(d, 'app/Dockerfile'), binary(8192, rng(9)));
    return 'app/Dockerfile';
  });
  make('1 MB Dockerfile', (d) => {
    fs.writeFileSync(
      path.join(d, 'app/Dockerfile'),
      'FROM flotilla.local/busybox:1\n' +
        '# padding padding padding padding padding padding\n'.repeat(19_000) +
        'RUN ["/bin/sh", "-c", "exit 3"]\n',
    );
    return 'app/Dockerfile';
  });
  // Refused before parsing (the Dockerfile parser is superlinear): by `up` and by lint alike, at the Dockerfile (FD1013).
  make('5 MB Dockerfile', (d) => {
    fs.writeFileSync(
      path.join(d, 'app/Dockerfile'),
      'FROM flotilla.local/busybox:1\n' + 'RUN true \\\n'.repeat(500_000) + '  && true\n',
    );
    return 'app/Dockerfile';
  });
  make('5 MB stack file of 75 000 keys', (d) => {
    fs.appendFileSync(
      path.join(d, 'flotilla.yaml'),
      Array.from({ length: 75_000 }, (_, i) => `x-k${i}: ${'v'.repeat(60)}`).join('\n') + '\n',
    );
    return 'flotilla.yaml';
  });
  make('3 MB manifest of 50 000 keys', (d) => {
    fs.writeFileSync(
      path.join(d, 'k8s/keys.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: keys}\ndata:\n' +
        Array.from({ length: 50_000 }, (_, i) => `  k${i}: ${'v'.repeat(60)}`).join('\n') +
        '\n  k7: again\n',
    );
    return 'k8s/keys.yaml';
  });
  make('context outside the stack folder', (d) => {
    fs.writeFileSync(
      path.join(d, 'flotilla.yaml'),
      fs.readFileSync(path.join(d, 'flotilla.yaml'), 'utf8').replace('context: app', 'context: ../'),
    );
    return 'flotilla.yaml';
  });
  make('Dockerfile outside the stack folder', (d) => {
    fs.writeFileSync(
      path.join(d, 'flotilla.yaml'),
      fs
        .readFileSync(path.join(d, 'flotilla.yaml'), 'utf8')
        .replace('dockerfile: Dockerfile', 'dockerfile: ../../../../etc/hostname'),
    );
    return 'flotilla.yaml';
  });
  make('context symlinked outside', (d) => {
    fs.symlinkSync('/etc', path.join(d, 'etc-link'));
    fs.writeFileSync(
      path.join(d, 'flotilla.yaml'),
      fs.readFileSync(path.join(d, 'flotilla.yaml'), 'utf8').replace('context: app', 'context: etc-link'),
    );
    return 'flotilla.yaml';
  });
  make('symlink loops in the build context', (d) => {
    fs.symlinkSync('loop', path.join(d, 'app/loop'));
    fs.symlinkSync('b', path.join(d, 'app/a'));
    fs.symlinkSync('a', path.join(d, 'app/b'));
    fs.symlinkSync('..', path.join(d, 'app/parent'));
    fs.mkdirSync(path.join(d, 'app/deep'));
    fs.symlinkSync('../../app', path.join(d, 'app/deep/again'));
    fs.appendFileSync(path.join(d, 'app/Dockerfile'), 'COPY loop /loop\nCOPY parent/app/index.html /again.html\n');
    return 'app/Dockerfile';
  });
  make('manifest glob through a symlink loop', (d) => {
    fs.symlinkSync('.', path.join(d, 'k8s/self'));
    fs.writeFileSync(
      path.join(d, 'flotilla.yaml'),
      fs
        .readFileSync(path.join(d, 'flotilla.yaml'), 'utf8')
        .replace('manifests: ["k8s/*.yaml"]', 'manifests: ["k8s/**/*.yaml"]'),
    );
    return 'flotilla.yaml';
  });
  return out;
}

describe('fuzz: bad input never hurts a running stack', function () {
  this.timeout(300_000);

  it(`flotilla lint and the engine's loader: ${COUNT * 3} mutated stack files, manifests and Dockerfiles, no throw, no hang, file:line for every problem`, async () => {
    const dir = copySeed();
    const originals = new Map(FILES.map((f) => [f.rel, fs.readFileSync(path.join(SEED, f.rel), 'utf8')]));
    let withErrors = 0;
    try {
      for (const f of FILES) {
        for (let i = 0; i < COUNT; i++) {
          const seed = 1000 * FILES.indexOf(f) + i;
          const text = mutate(f.kind, originals.get(f.rel)!, rng(seed));
          fs.writeFileSync(path.join(dir, f.rel), text);
          const where = `${f.rel} seed ${seed}`;
          const t0 = Date.now();
          const sink = new Sink();
          const code = await bounded(
            `lint of ${where}`,
            runLintCli([dir, '--format', 'json', '--no-docker'], sink as unknown as NodeJS.WritableStream),
          );
          assert.ok(code === 0 || code === 1, `${where}: lint exit code ${code}`);
          const diags = JSON.parse(sink.text) as LintDiagnostic[];
          for (const d of diags) checkProblem(dir, d, `lint ${where}`);
          if (code === 1) withErrors++;
          const { stack, problems } = loadStack(dir);
          for (const p of problems) checkProblem(dir, p, `loader ${where}`);
          assert.ok(stack || problems.length, `${where}: the loader returns a stack or problems`);
          assert.ok(Date.now() - t0 < PER_FILE_MS, `${where}: within ${PER_FILE_MS} ms`);
        }
        fs.writeFileSync(path.join(dir, f.rel), originals.get(f.rel)!);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    assert.ok(withErrors > COUNT, `most mutations are errors (${withErrors}): the fuzzer really breaks files`);
  });

  /** 3 files × 340: over a thousand mutated documents through the server, like lint's 1,800. */
  const SERVER_MUTATIONS_PER_FILE = 340;

  it('the language server over stdio: mutated documents and hostile files, diagnostics within the bound, still alive', async () => {
    const dir = copySeed();
    // A short debounce so a thousand edits go through the real protocol in seconds.
    const client = await TestClient.start(dir, { docker: false, debounceMs: 5 });
    try {
      for (const f of FILES) {
        const file = path.join(dir, f.rel);
        const original = fs.readFileSync(file, 'utf8');
        const lang = f.kind === 'dockerfile' ? 'dockerfile' : 'yaml';
        await bounded(`open ${f.rel}`, client.open(file, original, lang));
        for (let i = 0; i < SERVER_MUTATIONS_PER_FILE; i++) {
          const seed = 5000 + 1000 * FILES.indexOf(f) + i;
          const text = mutate(f.kind, original, rng(seed));
          const diags = await bounded(`diagnostics for ${f.rel} seed ${seed}`, client.change(file, [{ text }]));
          const lines = text.split('\n').length;
          for (const d of diags) {
            assert.ok(
              d.range.start.line >= 0 && d.range.start.line <= lines && String(d.message).length > 3,
              `${f.rel} seed ${seed}: diagnostic inside the document: ${JSON.stringify(d)}`,
            );
          }
        }
        await bounded(`restore ${f.rel}`, client.change(file, [{ text: original }]));
      }
      const hostile: [string, string, string][] = [
        ['k8s/bomb.yaml', aliasBomb(), 'yaml'],
        ['k8s/bomb2.yaml', aliasBombDeployment(), 'yaml'],
        ['k8s/big.yaml', bigManifest(5 * 1024 * 1024), 'yaml'],
        ['k8s/blob.yaml', binary(64 * 1024, rng(11)).toString('latin1'), 'yaml'],
        ['app/Dockerfile.bin', binary(8192, rng(12)).toString('latin1'), 'dockerfile'],
      ];
      for (const [rel, text, lang] of hostile) {
        const diags = await bounded(`diagnostics for ${rel}`, client.open(path.join(dir, rel), text, lang), 30_000);
        assert.ok(Array.isArray(diags));
      }
      // Still alive and answering.
      const again = await bounded(
        'a last diagnostics round',
        client.change(
          path.join(dir, 'k8s/app.yaml'),
          [{ text: 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: {replicas: "two"}\n' }],
          (d) => d.length > 0,
        ),
      );
      assert.ok(again.length > 0);
      assert.equal(client.proc.exitCode, null, `the server did not exit: ${client.stderr.slice(-500)}`);
    } finally {
      await client.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('hostile files through the real flotilla lint and flotilla up: a clear file:line refusal, no crash, no hang, nothing started', async () => {
    await ensureBusyboxImage(docker);
    const results: string[] = [];
    for (const c of hostileCases()) {
      const name = uniqueName('t-fuzz');
      for (const rel of ['flotilla.yaml', 'k8s/app.yaml']) {
        const f = path.join(c.dir, rel);
        fs.writeFileSync(
          f,
          fs
            .readFileSync(f)
            .toString('latin1')
            .replace('name: fuzz-seed', `name: ${name}`)
            .replace(/fuzz\/web/g, `${name}/web`),
          'latin1',
        );
      }
      try {
        let lintStatus: number | null = null;
        if (c.lint) {
          const lint = spawnSync(process.execPath, [...CLI, 'lint', c.dir, '--no-docker'], {
            cwd: ROOT,
            encoding: 'utf8',
            timeout: PER_PROCESS_MS,
            maxBuffer: 256 * 1024 * 1024,
          });
          assert.equal(lint.signal, null, `${c.label}: lint finished within ${PER_PROCESS_MS} ms`);
          assert.ok(lint.status === 0 || lint.status === 1, `${c.label}: lint exit ${lint.status}: ${lint.stderr}`);
          assert.doesNotMatch(lint.stderr, /\n\s+at /, `${c.label}: no stack trace`);
          assert.match(
            lint.stdout,
            /\d+ error\(s\), \d+ warning\(s\)/,
            `${c.label}: lint summary (exit ${lint.status}, ${lint.stdout.length} bytes, error ${lint.error?.message}): ${lint.stdout.slice(-300)} ${lint.stderr.slice(-300)}`,
          );
          for (const line of lint.stdout.split('\n').filter((l) => / (error|warning) /.test(l))) {
            assert.match(
              line,
              /^\S+:\d+:\d+ (error|warning) \S+ ./,
              `${c.label}: file:line:col on each finding: ${line}`,
            );
          }
          lintStatus = lint.status;
          // Files outside the stack folder are refused, never read (their content must not leak into messages).
          if (/outside the stack folder/.test(c.label)) {
            assert.match(lint.stdout, /FS1008/, `${c.label}: lint refuses it: ${lint.stdout.slice(-300)}`);
          }
          if (/5 MB Dockerfile|binary Dockerfile/.test(c.label)) {
            assert.match(lint.stdout, /FD1013/, `${c.label}: lint refuses it unparsed: ${lint.stdout.slice(-300)}`);
          }
        }
        const up = await runUp(c.dir);
        assert.doesNotMatch(up.err, /\n\s+at /, `${c.label}: no stack trace: ${up.err}`);
        if (!up.started) {
          assert.equal(up.code, 1, `${c.label}: up refuses with exit 1: ${up.err}`);
          const problems = up.err.split('\n').filter((l) => /^\S+:\d+:\d+ /.test(l));
          assert.ok(problems.length > 0 || /^flotilla: /.test(up.err), `${c.label}: up says why: ${up.err}`);
          const named = c.file.split('/').pop()!;
          assert.ok(
            up.err.includes(named) || up.err.includes('outside the stack folder'),
            `${c.label}: up names the file (${named}): ${up.err}`,
          );
          assert.equal((await stackContainers(name)).length, 0, `${c.label}: nothing started`);
        }
        results.push(
          `${c.label}: ${c.lint ? `lint exit ${lintStatus}` : 'lint not run'}, up ${
            up.started
              ? 'started (accepted)'
              : `refused: ${up.err
                  .split('\n')
                  .find((l) => /\S+:\d+:\d+ |^flotilla: /.test(l) && !/nothing was changed/.test(l))
                  ?.slice(0, 160)}`
          }`,
        );
      } finally {
        await removeStack(name);
        await docker
          .getImage(`${name}/web:latest`)
          .remove({ force: true })
          .catch(() => undefined);
        fs.rmSync(c.dir, { recursive: true, force: true });
      }
    }
    console.log(`      ${results.join('\n      ')}`);
  });

  describe('a running stack under hundreds of bad saves', () => {
    let run: Running | undefined;
    let name: string;
    let dir: string;
    afterEach(async () => {
      await run?.stop();
      run = undefined;
      await removeStack(name);
      await docker
        .getImage(`${name}/web:latest`)
        .remove({ force: true })
        .catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('rejected reloads leave containers, image and later replicas exactly as they were', async () => {
      await ensureBusyboxImage(docker);
      name = uniqueName('t-fuzz-run');
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-fuzz-run-'));
      const files: Record<string, string> = {
        'flotilla.yaml': `name: ${name}\nmanifests: ["k8s/*.yaml"]\nbuild:\n  - {image: ${name}/web, context: app}\nsettings: {backoffBaseSeconds: 0.2, terminationGracePeriodSeconds: 1, resyncSeconds: 5}\n`,
        'app/Dockerfile':
          'FROM flotilla.local/busybox:1\nRUN echo v1 > /version\nCMD ["sh", "-c", "mkdir -p /www && cp /version /www/index.html && exec httpd -f -p 8080 -h /www"]\n',
        'k8s/app.yaml': manifests(
          deployment('web', {
            replicas: 2,
            image: `${name}/web`,
            port: 8080,
            env: [{ name: 'MODE', valueFrom: { configMapKeyRef: { name: 'settings', key: 'mode' } } }],
          }),
          service('web'),
          'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {mode: steady}\n',
        ),
      };
      for (const [rel, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        fs.writeFileSync(path.join(dir, rel), text);
      }
      run = await startStack(dir);
      await waitFor(
        '2 running replicas',
        async () =>
          (await stackContainers(name)).filter((c) => c.State === 'running').length === 2 &&
          run!.ctl.status().deployments[0].ready === 2,
      );
      const snapshot = async () =>
        Promise.all(
          (await stackContainers(name)).map(async (c) => {
            const i = await docker.getContainer(c.Id).inspect();
            return `${i.Id} ${i.State.Status} ${i.State.StartedAt} ${i.Image}`;
          }),
        ).then((xs) => xs.sort());
      const before = await snapshot();
      const imageBefore = (await docker.getImage(`${name}/web:latest`).inspect()).Id;
      const statusBefore = JSON.stringify(
        run.ctl.status().deployments.map((d) => [d.name, d.desired, d.replicas.map((r) => r.name).sort()]),
      );

      // The save is rejected when the engine's loader or the shared rules find an error; such saves go through reload.
      const rejected = async (): Promise<boolean> => {
        const { problems } = loadStack(dir);
        if (problems.length) return true;
        return (await lintForEngine(dir)).some((p) => (p.severity ?? 'error') === 'error');
      };
      const reloadRejects = async (where: string) => {
        const err = await bounded(
          `reload ${where}`,
          reloadStack(run!.ctl, { lint: lintForEngine }).then(
            () => undefined,
            (e: Error) => e,
          ),
          60_000,
        );
        assert.ok(err, `${where}: a bad save was applied`);
        if (err instanceof StackError) {
          for (const p of (err as StackError & { problems: Problem[] }).problems) checkProblem(dir, p, where);
        } else assert.match(err.message, /\S/, `${where}: a message`);
      };

      let reloads = 0;
      const kinds = [
        { rel: 'flotilla.yaml', kind: 'yaml' as const },
        { rel: 'k8s/app.yaml', kind: 'yaml' as const },
      ];
      for (const f of kinds) {
        const original = files[f.rel];
        for (let i = 0; i < 200 && reloads < 300; i++) {
          const seed = 9000 + 1000 * kinds.indexOf(f) + i;
          fs.writeFileSync(
            path.join(dir, f.rel),
            mutate(f.kind, original, rng(seed)).replace(/^name: .*$/m, `name: ${name}`),
          );
          if (!(await rejected())) continue; // a mutation that is still a valid stack would legitimately change it
          await reloadRejects(`${f.rel} seed ${seed}`);
          reloads++;
        }
        fs.writeFileSync(path.join(dir, f.rel), original);
      }
      // Hostile saves while it runs.
      const broken = files['k8s/app.yaml'].replace('replicas: 2', 'replicas: "two"');
      const hostile: [string, () => void][] = [
        ['alias bomb', () => fs.writeFileSync(path.join(dir, 'k8s/bomb.yaml'), aliasBombDeployment())],
        ['5 MB manifest', () => fs.writeFileSync(path.join(dir, 'k8s/big.yaml'), bigManifest(5 * 1024 * 1024))],
        ['binary manifest', () => fs.writeFileSync(path.join(dir, 'k8s/blob.yaml'), binary(32 * 1024, rng(3)))],
        [
          'context outside',
          () =>
            fs.writeFileSync(
              path.join(dir, 'flotilla.yaml'),
              files['flotilla.yaml'].replace('context: app', 'context: ..'),
            ),
        ],
        [
          'context symlinked outside',
          () => {
            fs.symlinkSync('/etc', path.join(dir, 'out'));
            fs.writeFileSync(
              path.join(dir, 'flotilla.yaml'),
              files['flotilla.yaml'].replace('context: app', 'context: out'),
            );
          },
        ],
        [
          'symlink loop and a broken manifest',
          () => {
            fs.symlinkSync('loop', path.join(dir, 'app/loop'));
            fs.symlinkSync('..', path.join(dir, 'app/up'));
            fs.writeFileSync(path.join(dir, 'k8s/app.yaml'), broken);
          },
        ],
        // A Dockerfile that builds fine, saved together with a broken manifest: the save is refused as a whole.
        [
          'new Dockerfile and a broken manifest',
          () => {
            fs.writeFileSync(path.join(dir, 'app/Dockerfile'), files['app/Dockerfile'].replace('v1', 'v2-rejected'));
            fs.writeFileSync(path.join(dir, 'k8s/app.yaml'), broken);
          },
        ],
        // The same with an error only the shared rules see (a number in a ConfigMap's data): the loader passes, so the build runs.
        [
          'new Dockerfile and a lint error',
          () => {
            fs.writeFileSync(path.join(dir, 'app/Dockerfile'), files['app/Dockerfile'].replace('v1', 'v3-rejected'));
            fs.writeFileSync(
              path.join(dir, 'k8s/app.yaml'),
              files['k8s/app.yaml'].replace('data: {mode: steady}', 'data: {mode: steady, n: 5}'),
            );
          },
        ],
      ];
      for (const [label, act] of hostile) {
        act();
        await reloadRejects(label);
        reloads++;
        for (const extra of ['k8s/bomb.yaml', 'k8s/big.yaml', 'k8s/blob.yaml', 'out', 'app/loop', 'app/up']) {
          fs.rmSync(path.join(dir, extra), { force: true });
        }
        for (const [rel, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, rel), text);
      }
      assert.ok(reloads >= 100, `enough rejected reloads (${reloads})`);

      await run.ctl.idle();
      assert.deepEqual(await snapshot(), before, 'the same containers, never restarted');
      assert.equal(
        JSON.stringify(
          run.ctl.status().deployments.map((d) => [d.name, d.desired, d.replicas.map((r) => r.name).sort()]),
        ),
        statusBefore,
      );
      assert.equal(run.ctl.status().deployments[0].ready, 2);
      // (The tag itself may have moved: a refused save can still finish its build. What runs must not.)
      assert.ok((await docker.getImage(imageBefore).inspect()).Id, 'the image the stack runs is still there');

      // A replica created after all that runs what the stack was started with.
      run.ctl.scale('web', 3);
      await waitFor(
        'a third replica',
        async () => (await stackContainers(name)).filter((c) => c.State === 'running').length === 3,
      );
      for (const c of await stackContainers(name)) {
        const out = await execOut(c.Id, ['cat', '/version']);
        assert.equal(out.trim(), 'v1', `${c.Names[0]} runs the original image`);
        assert.equal((await docker.getContainer(c.Id).inspect()).Image, imageBefore);
      }
    });
  });
});

/** Runs `flotilla up`; if its controller starts (the input was acceptable), stops it again. Bounded. */
function runUp(dir: string): Promise<{ started: boolean; code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...CLI, 'up', '--stack', dir, '--no-watch'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let started = false;
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`up did not finish or start within ${PER_PROCESS_MS} ms:\n${out}\n${err}`));
    }, PER_PROCESS_MS);
    p.stdout.on('data', (c) => {
      out += c;
      if (!started && /controller running/.test(out)) {
        started = true;
        p.kill('SIGTERM');
      }
    });
    p.stderr.on('data', (c) => (err += c));
    p.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ started, code, out, err });
    });
  });
}

async function execOut(id: string, cmd: string[]): Promise<string> {
  const e = await docker.getContainer(id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await e.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  await new Promise<void>((resolve) => stream.on('end', resolve));
  // Multiplexed stream: drop the 8-byte frame headers.
  const raw = Buffer.concat(chunks);
  let out = '';
  for (let i = 0; i + 8 <= raw.length;) {
    const len = raw.readUInt32BE(i + 4);
    out += raw.subarray(i + 8, i + 8 + len).toString('utf8');
    i += 8 + len;
  }
  return out;
}
