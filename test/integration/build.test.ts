// The image builder against the real Docker engine: builds, skips when the
// context is unchanged, rebuilds on a change, honours .dockerignore and reports
// a failing step. Every image and container made here carries a unique
// `flotilla-test-build-<random>` name and is removed at the end.

import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Dockerode from 'dockerode';
import type { BuildSpec } from '../../extension/engine/model/types';
import { LABELS } from '../../extension/engine/docker/labels';
import { buildImage, contextHash } from '../../extension/engine/build';
import { ensureBusyboxImage } from '../support/base-images';
import { Cancelled } from '../../extension/engine/util/errors';

const docker = new Dockerode();
const run = `flotilla-test-build-${randomBytes(4).toString('hex')}`;
const STACK = run;
const createdContainers: string[] = [];
const createdTags: string[] = [];
/** Image IDs this file created: final images and the new (not "Using cache") intermediate layers. */
const createdImageIds: string[] = [];
let stackDir: string;
let buildCalls = 0;

/** Build options whose output handler records the layers the daemon created for us. */
function opts(lines: string[] = [], extra: { signal?: AbortSignal } = {}) {
  let fresh = false;
  return {
    stack: STACK,
    stackDir,
    ...extra,
    onOutput: (line: string) => {
      lines.push(line);
      if (line.startsWith('Step ')) fresh = false;
      if (/^ ---> Running in /.test(line)) fresh = true;
      const id = /^ ---> ([0-9a-f]{12})$/.exec(line)?.[1];
      if (id && fresh) createdImageIds.push(id);
    },
  };
}

/** Dockerode with buildImage counted, to tell a real daemon build from a cache hit. */
const counting = new Proxy(docker, {
  get(target, prop, receiver) {
    if (prop === 'buildImage') {
      return (...args: unknown[]) => {
        buildCalls++;
        return (target.buildImage as (...a: unknown[]) => unknown).apply(target, args);
      };
    }
    return Reflect.get(target, prop, receiver);
  },
});

function spec(name: string, over: Partial<BuildSpec> = {}): BuildSpec {
  const context = path.join(stackDir, name);
  const image = `${run}-${name}`;
  createdTags.push(`${image}:latest`);
  return {
    image,
    context,
    dockerfile: path.join(context, 'Dockerfile'),
    buildArgs: {},
    source: { file: path.join(stackDir, 'flotilla.yaml'), line: 1, column: 1 },
    ...over,
  };
}

async function write(rel: string, content: string): Promise<void> {
  const abs = path.join(stackDir, rel);
  await fs.mkdir(path.dirname(abs), { recursive: true });
  await fs.writeFile(abs, content);
}

/** Runs `sh -c script` in the image and returns its stdout once it exits. */
async function runInImage(image: string, script: string): Promise<string> {
  const container = await docker.createContainer({
    Image: image,
    Cmd: ['sh', '-c', script],
    name: `${run}-c${createdContainers.length}`,
    Labels: { [LABELS.stack]: STACK },
  });
  createdContainers.push(container.id);
  await container.start();
  const result = (await container.wait()) as { StatusCode: number };
  const raw = await container.logs({ stdout: true, stderr: false, follow: false });
  assert.equal(result.StatusCode, 0, `script failed in ${image}: ${script}`);
  return demuxStdout(raw);
}

/** Docker's multiplexed log format: 8-byte frame headers (stream, 0, 0, 0, uint32 size). */
function demuxStdout(raw: Buffer): string {
  const out: Buffer[] = [];
  for (let i = 0; i + 8 <= raw.length;) {
    const size = raw.readUInt32BE(i + 4);
    if (raw[i] === 1) out.push(raw.subarray(i + 8, i + 8 + size));
    i += 8 + size;
  }
  return Buffer.concat(out).toString();
}

describe('image builder (real Docker engine)', function () {
  this.timeout(120000);
  let base: string;

  before(async () => {
    base = await ensureBusyboxImage(docker);
    stackDir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), `${run}-`)));
    await write('web/Dockerfile', `FROM ${base}\nCOPY . /app\nCMD ["cat", "/app/hello.txt"]\n`);
    await write('web/hello.txt', 'hello v1\n');
    await write('web/secret.txt', 'do not ship\n');
    await write('web/logs/debug.log', 'noise\n');
    await write('web/logs/keep.log', 'kept\n');
    await write('web/.dockerignore', 'secret.txt\nlogs\n!logs/keep.log\n');
  });

  after(async () => {
    for (const id of createdContainers) {
      await docker
        .getContainer(id)
        .remove({ force: true })
        .catch(() => undefined);
    }
    for (const tag of new Set(createdTags)) {
      await docker
        .getImage(tag)
        .remove()
        .catch(() => undefined);
    }
    // Newest first, so children go before their parents.
    for (const id of [...createdImageIds].reverse()) {
      await docker
        .getImage(id)
        .remove()
        .catch(() => undefined);
    }
    if (stackDir) await fs.rm(stackDir, { recursive: true, force: true });
  });

  it('builds an image from a context on the busybox base, labelled with stack and context hash', async () => {
    const lines: string[] = [];
    const s = spec('web');
    const calls = buildCalls;
    const result = await buildImage(counting, s, opts(lines));
    assert.equal(buildCalls, calls + 1);
    assert.equal(result.cached, false);
    assert.equal(result.image, `${run}-web:latest`);
    assert.equal(result.hash, await contextHash(s));
    assert.ok(
      lines.some((l) => /^Step 2\/\d+ : COPY \. \/app$/.test(l)),
      lines.join('\n'),
    );
    const info = await docker.getImage(result.image).inspect();
    assert.equal(info.Id, result.id);
    createdImageIds.push(result.id);
    assert.equal(info.Config.Labels[LABELS.contextHash], result.hash);
    assert.equal(info.Config.Labels[LABELS.stack], STACK);
    assert.equal(await runInImage(result.image, 'cat /app/hello.txt'), 'hello v1\n');
  });

  it('honours .dockerignore inside the image', async () => {
    const out = await runInImage(`${run}-web:latest`, 'cd /app && find . -type f | sort');
    assert.deepEqual(out.trim().split('\n'), ['./.dockerignore', './Dockerfile', './hello.txt', './logs/keep.log']);
  });

  it('skips the daemon when the context is unchanged ("up to date")', async () => {
    const lines: string[] = [];
    const calls = buildCalls;
    const before = await docker.getImage(`${run}-web:latest`).inspect();
    const result = await buildImage(counting, spec('web'), opts(lines));
    assert.equal(buildCalls, calls, 'no build request was sent');
    assert.equal(result.cached, true);
    assert.equal(result.id, before.Id);
    assert.deepEqual(lines, [`${run}-web:latest is up to date (context ${result.hash.slice(0, 12)})`]);
  });

  it('does not rebuild when only an ignored file changes', async () => {
    await write('web/secret.txt', 'still not shipped\n');
    await write('web/logs/debug.log', 'more noise\n');
    const calls = buildCalls;
    const result = await buildImage(counting, spec('web'), opts());
    assert.equal(result.cached, true);
    assert.equal(buildCalls, calls);
  });

  it('rebuilds when a sent file changes, and the image has the new content', async () => {
    const before = await docker.getImage(`${run}-web:latest`).inspect();
    await write('web/hello.txt', 'hello v2\n');
    const calls = buildCalls;
    const result = await buildImage(counting, spec('web'), opts());
    assert.equal(result.cached, false);
    assert.equal(buildCalls, calls + 1);
    assert.notEqual(result.id, before.Id);
    createdImageIds.push(before.Id);
    assert.equal(await runInImage(result.image, 'cat /app/hello.txt'), 'hello v2\n');
    // The old image lost the tag (a stopped test container still holds it, so it is not removed yet).
    const old = await docker.getImage(before.Id).inspect();
    assert.ok(!old.RepoTags?.includes(result.image), 'the tag moved to the new image');
  });

  it('rebuilds when the base image changed under the same tag, though the context did not', async () => {
    await write('base/Dockerfile', `FROM ${base}\nRUN echo one > /base.txt\n`);
    await write(
      'onbase/Dockerfile',
      `ARG BASE=${run}-base:latest\nFROM \${BASE} AS runtime\nFROM runtime\nCMD ["cat", "/base.txt"]\n`,
    );
    await buildImage(docker, spec('base'), opts());
    const first = await buildImage(docker, spec('onbase'), opts());
    assert.equal(first.cached, false);
    assert.equal((await buildImage(docker, spec('onbase'), opts())).cached, true);

    await write('base/Dockerfile', `FROM ${base}\nRUN echo two > /base.txt\n`);
    await buildImage(docker, spec('base'), opts());
    const lines: string[] = [];
    const second = await buildImage(docker, spec('onbase'), opts(lines));
    assert.equal(second.hash, first.hash, 'same context');
    assert.equal(second.cached, false);
    assert.ok(
      lines.includes(`${run}-onbase:latest: base image ${run}-base:latest changed since the last build, rebuilding`),
      lines.join('\n'),
    );
    assert.equal(await runInImage(second.image, 'cat /base.txt'), 'two\n');
    assert.equal((await buildImage(docker, spec('onbase'), opts())).cached, true);
  });

  it('passes build args and target', async () => {
    await write(
      'multi/Dockerfile',
      `FROM ${base} AS first\nARG GREETING=none\nRUN echo "$GREETING" > /greeting\nFROM first AS second\nRUN echo second > /stage\nFROM first AS third\nRUN echo third > /stage\n`,
    );
    const s = spec('multi', { buildArgs: { GREETING: 'bonjour' }, target: 'second' });
    const result = await buildImage(docker, s, opts());
    assert.equal(await runInImage(result.image, 'cat /greeting /stage'), 'bonjour\nsecond\n');
  });

  it('a failing RUN rejects naming the Dockerfile, the step and the daemon error', async () => {
    await write('broken/Dockerfile', `FROM ${base}\nRUN echo building\nRUN echo boom && exit 3\n`);
    const s = spec('broken');
    const lines: string[] = [];
    await assert.rejects(buildImage(docker, s, opts(lines)), (e: Error) => {
      assert.equal(
        e.message,
        `docker build of ${run}-broken:latest failed: ${s.dockerfile}, step 3/3 (line 3: RUN echo boom && exit 3): ` +
          `The command '/bin/sh -c echo boom && exit 3' returned a non-zero code: 3`,
      );
      return true;
    });
    assert.ok(lines.includes('boom'), 'the failing step output was streamed');
    await assert.rejects(
      docker.getImage(`${run}-broken:latest`).inspect(),
      (e: { statusCode?: number }) => e.statusCode === 404,
    );
  });

  it('a Dockerfile syntax error rejects with the daemon message', async () => {
    await write('syntax/Dockerfile', `FROM ${base}\nNOPE something\n`);
    const s = spec('syntax');
    await assert.rejects(buildImage(docker, s, opts()), (e: Error) => {
      assert.match(
        e.message,
        new RegExp(`^docker build of ${run}-syntax:latest failed: ${s.dockerfile}: .*unknown instruction: NOPE`, 'i'),
      );
      return true;
    });
  });

  it('refuses a context outside the stack folder before contacting the daemon', async () => {
    const calls = buildCalls;
    const s = spec('web', { context: os.tmpdir(), dockerfile: path.join(stackDir, 'web/Dockerfile') });
    await assert.rejects(buildImage(counting, s, opts()), /outside the stack folder/);
    assert.equal(buildCalls, calls);
  });

  it('concurrent builds of one tag run once: the second finds the image up to date', async () => {
    await write('web/hello.txt', 'hello v3\n');
    const calls = buildCalls;
    const [a, b] = await Promise.all([
      buildImage(counting, spec('web'), opts()),
      buildImage(counting, spec('web'), opts()),
    ]);
    assert.equal(buildCalls, calls + 1);
    assert.deepEqual([a.cached, b.cached], [false, true]);
    assert.equal(a.id, b.id);
  });

  it('aborting during a step stops the build and tags nothing', async () => {
    await write('slow/Dockerfile', `FROM ${base}\nRUN echo started && sleep 60\n`);
    const ac = new AbortController();
    const lines: string[] = [];
    const o = opts(lines, { signal: ac.signal });
    const onOutput = o.onOutput;
    o.onOutput = (line: string) => {
      onOutput(line);
      if (line === 'started') ac.abort();
    };
    await assert.rejects(buildImage(docker, spec('slow'), o), (e: unknown) => e instanceof Cancelled);
    await assert.rejects(
      docker.getImage(`${run}-slow:latest`).inspect(),
      (e: { statusCode?: number }) => e.statusCode === 404,
    );
  });

  it('ensureBusyboxImage builds a working busybox base when the tag is missing', async () => {
    const tag = `${run}-busybox:1`;
    createdTags.push(tag);
    assert.equal(await ensureBusyboxImage(docker, tag), tag);
    assert.equal(await runInImage(tag, 'echo $((6 * 7)) && ls /bin/wget'), '42\n/bin/wget\n');
  });

  it('an aborted signal cancels before building', async () => {
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(
      buildImage(docker, spec('web'), opts([], { signal: ac.signal })),
      (e: unknown) => e instanceof Cancelled,
    );
  });
});
