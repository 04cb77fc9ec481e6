// The build context on disk: which files are sent, the content hash, the tar
// bytes and the safety limits. Temporary folders only; no Docker.

import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BuildSpec } from '../../extension/engine/model/types';
import {
  collectContext,
  contextHash,
  contextIncludes,
  listContextFiles,
  tarStream,
} from '../../extension/engine/build';
import { OUTSIDE_DOCKERFILE_NAME } from '../../extension/engine/build/context';
import { finalBaseImage } from '../../extension/engine/build/base-image';

let root: string;

async function write(rel: string, content: string | Buffer = 'x', mode?: number): Promise<string> {
  const abs = path.join(root, rel);
  await fs.mkdir(path.dirname(abs), { recursive: true });
  await fs.writeFile(abs, content);
  if (mode !== undefined) await fs.chmod(abs, mode);
  return abs;
}

function spec(over: Partial<BuildSpec> = {}): BuildSpec {
  const context = path.join(root, 'app');
  return {
    image: 'web',
    context,
    dockerfile: path.join(context, 'Dockerfile'),
    buildArgs: {},
    source: { file: path.join(root, 'flotilla.yaml'), line: 1, column: 1 },
    ...over,
  };
}

async function paths(s = spec()): Promise<string[]> {
  return (await listContextFiles(s, { stackDir: root })).map((e) => (e.type === 'dir' ? `${e.path}/` : e.path));
}

async function tarList(s = spec()): Promise<string> {
  const listing = await collectContext(s, { stackDir: root });
  const chunks: Buffer[] = [];
  for await (const c of tarStream(listing.entries)) chunks.push(c as Buffer);
  const file = path.join(root, 'out.tar');
  await fs.writeFile(file, Buffer.concat(chunks));
  return execFileSync('tar', ['-tvf', file, '--numeric-owner'], {
    encoding: 'utf8',
    env: { ...process.env, TZ: 'UTC' },
  });
}

// Hooks live inside this describe: at the top level they would run for every test file.
describe('build context', () => {
  beforeEach(async () => {
    root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'flotilla-ctx-')));
    await write('app/Dockerfile', 'FROM flotilla.local/busybox:1\nCOPY . /app\n');
  });

  afterEach(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  describe('build context: files sent', () => {
    it('lists files and folders sorted, relative, slash-separated', async () => {
      await write('app/src/main.js');
      await write('app/src/lib/util.js');
      await write('app/README.md');
      assert.deepEqual(await paths(), [
        'Dockerfile',
        'README.md',
        'src/',
        'src/lib/',
        'src/lib/util.js',
        'src/main.js',
      ]);
    });

    it('applies .dockerignore, with exceptions inside an ignored folder', async () => {
      await write('app/.dockerignore', 'secret.txt\nlogs\n!logs/keep.log\n*.md\n');
      await write('app/secret.txt');
      await write('app/logs/a.log');
      await write('app/logs/keep.log');
      await write('app/README.md');
      await write('app/index.js');
      assert.deepEqual(await paths(), ['.dockerignore', 'Dockerfile', 'index.js', 'logs/keep.log']);
    });

    it('does not descend into an ignored folder for an exception that is not under its path', async () => {
      await write('app/.dockerignore', 'logs\n!**/keep.log\n');
      await write('app/logs/keep.log');
      await write('app/keep.log');
      assert.deepEqual(await paths(), ['.dockerignore', 'Dockerfile', 'keep.log']);
    });

    it('always sends the Dockerfile and .dockerignore, even when ignored', async () => {
      await write('app/.dockerignore', '*\n');
      await write('app/other.txt');
      assert.deepEqual(await paths(), ['.dockerignore', 'Dockerfile']);
    });

    it('sends a Dockerfile from a subfolder under its own path', async () => {
      await write('app/.dockerignore', 'docker\n');
      await write('app/docker/web.Dockerfile', 'FROM scratch\n');
      const s = spec({ dockerfile: path.join(root, 'app/docker/web.Dockerfile') });
      const listing = await collectContext(s, { stackDir: root });
      assert.equal(listing.dockerfile, 'docker/web.Dockerfile');
      assert.deepEqual(
        listing.entries.map((e) => e.path),
        ['.dockerignore', 'Dockerfile', 'docker/web.Dockerfile'],
      );
    });

    it('sends a Dockerfile from outside the context under a fixed name, and asks the daemon to drop it', async () => {
      await write('docker/Dockerfile', 'FROM scratch\n');
      const s = spec({ dockerfile: path.join(root, 'docker/Dockerfile') });
      const listing = await collectContext(s, { stackDir: root });
      assert.equal(listing.dockerfile, OUTSIDE_DOCKERFILE_NAME);
      const df = listing.entries.find((e) => e.path === OUTSIDE_DOCKERFILE_NAME);
      assert.equal(df?.content?.toString(), 'FROM scratch\n');
      const ignore = listing.entries.find((e) => e.path === '.dockerignore');
      assert.match(
        ignore?.content?.toString() ?? '',
        new RegExp(`^${OUTSIDE_DOCKERFILE_NAME.replace(/\./g, '\\.')}$`, 'm'),
      );
    });

    it('keeps symlinks as symlinks, and a symlink loop does not hang the walk', async () => {
      await write('app/real.txt', 'hello');
      await fs.symlink('real.txt', path.join(root, 'app/link.txt'));
      await fs.symlink('.', path.join(root, 'app/loop'));
      await fs.mkdir(path.join(root, 'app/d'));
      await fs.symlink('../d', path.join(root, 'app/d/up'));
      const entries = await listContextFiles(spec(), { stackDir: root });
      const byPath = new Map(entries.map((e) => [e.path, e]));
      assert.equal(byPath.get('link.txt')?.type, 'symlink');
      assert.equal(byPath.get('link.txt')?.linkTarget, 'real.txt');
      assert.equal(byPath.get('loop')?.type, 'symlink');
      assert.equal(byPath.get('d/up')?.type, 'symlink');
      assert.equal(entries.length, 6);
    });

    it('skips FIFOs and sockets instead of blocking on them', async () => {
      execFileSync('mkfifo', [path.join(root, 'app/pipe')]);
      const listing = await collectContext(spec(), { stackDir: root });
      assert.deepEqual(listing.skipped, ['pipe']);
      assert.ok(!listing.entries.some((e) => e.path === 'pipe'));
    });

    it('refuses a context outside the stack folder', async () => {
      const outside = await fs.mkdtemp(path.join(os.tmpdir(), 'flotilla-outside-'));
      try {
        await fs.writeFile(path.join(outside, 'Dockerfile'), 'FROM scratch\n');
        const s = spec({ context: outside, dockerfile: path.join(outside, 'Dockerfile') });
        await assert.rejects(listContextFiles(s, { stackDir: root }), (e: Error) => {
          assert.match(
            e.message,
            /^build context ".*" of image web resolves to .*, outside the stack folder .*; Flotilla only sends files from inside the stack folder to Docker$/,
          );
          return true;
        });
      } finally {
        await fs.rm(outside, { recursive: true, force: true });
      }
    });

    it('refuses a context that reaches outside through a symlink', async () => {
      const outside = await fs.mkdtemp(path.join(os.tmpdir(), 'flotilla-outside-'));
      try {
        await fs.writeFile(path.join(outside, 'Dockerfile'), 'FROM scratch\n');
        await fs.symlink(outside, path.join(root, 'linked'));
        const s = spec({ context: path.join(root, 'linked'), dockerfile: path.join(root, 'linked/Dockerfile') });
        await assert.rejects(listContextFiles(s, { stackDir: root }), /outside the stack folder/);
      } finally {
        await fs.rm(outside, { recursive: true, force: true });
      }
    });

    it('refuses "../" contexts', async () => {
      const s = spec({ context: path.join(root, 'app/../..'), dockerfile: path.join(root, 'app/Dockerfile') });
      await assert.rejects(listContextFiles(s, { stackDir: root }), /outside the stack folder/);
    });

    it('reports a context larger than the bound, with a hint', async () => {
      await write('app/big.bin', Buffer.alloc(4096));
      await assert.rejects(
        listContextFiles(spec(), { stackDir: root, maxBytes: 1024 }),
        /^Error: build context .* of image web is larger than 1 KiB .*add a .dockerignore/,
      );
      await write('app/.dockerignore', 'big.bin\n');
      assert.deepEqual(
        (await listContextFiles(spec(), { stackDir: root, maxBytes: 1024 })).map((e) => e.path),
        ['.dockerignore', 'Dockerfile'],
      );
    });

    it('reports too many entries', async () => {
      for (let i = 0; i < 5; i++) await write(`app/f${i}`);
      await assert.rejects(listContextFiles(spec(), { stackDir: root, maxEntries: 3 }), /larger than/);
    });

    it('reports a missing context or Dockerfile clearly', async () => {
      await assert.rejects(
        listContextFiles(spec({ context: path.join(root, 'nope') })),
        /build context of image web .*nope does not exist/,
      );
      await assert.rejects(
        listContextFiles(spec({ dockerfile: path.join(root, 'app/Nope') })),
        /Dockerfile of image web .*Nope does not exist/,
      );
    });
  });

  describe('build context: does a saved file matter?', () => {
    it('agrees with the walk for every file of a context', async () => {
      await write('app/.dockerignore', 'secret.txt\nlogs\n!logs/keep.log\ntmp\n!**/x.txt\n*.md\n!README.md\n');
      const files = [
        'secret.txt',
        'logs/a.log',
        'logs/keep.log',
        'tmp/x.txt',
        'tmp/y',
        'a.md',
        'README.md',
        'src/x.txt',
        'src/main.js',
      ];
      for (const f of files) await write(`app/${f}`);
      const sent = new Set(await paths());
      for (const f of [...files, 'Dockerfile', '.dockerignore']) {
        assert.equal(await contextIncludes(spec(), path.join(root, 'app', f)), sent.has(f), f);
      }
    });

    it('counts the Dockerfile wherever it is, and nothing outside the context', async () => {
      await write('docker/Dockerfile', 'FROM scratch\n');
      const s = spec({ dockerfile: path.join(root, 'docker/Dockerfile') });
      assert.equal(await contextIncludes(s, path.join(root, 'docker/Dockerfile')), true);
      assert.equal(await contextIncludes(s, path.join(root, 'docker/other')), false);
      assert.equal(await contextIncludes(s, path.join(root, 'flotilla.yaml')), false);
      assert.equal(await contextIncludes(s, path.join(root, 'app')), false);
    });
  });

  describe('build context: the base image a build starts from', () => {
    const base = async (dockerfile: string, args: Record<string, string> = {}, target?: string) =>
      finalBaseImage(await write('app/Dockerfile', dockerfile), args, target);

    it("is the last stage's FROM, followed back through stage names", async () => {
      assert.equal(await base('FROM node:20 AS build\nRUN x\nFROM build AS test\nFROM Test\n'), 'node:20');
      assert.equal(await base('FROM a:1\nFROM b:2\n'), 'b:2');
    });

    it('resolves global ARGs, with build args taking precedence', async () => {
      const df = 'ARG REG=flotilla.local\nARG NODE_IMAGE="${REG}/node:20"\nFROM ${NODE_IMAGE}\n';
      assert.equal(await base('ARG IMG=flotilla.local/node:20\nFROM ${IMG}\n'), 'flotilla.local/node:20');
      assert.equal(await base('ARG IMG=flotilla.local/node:20\nFROM $IMG\n', { IMG: 'node:20-slim' }), 'node:20-slim');
      assert.equal(await base('ARG TAG\nFROM node:${TAG:-18}\n'), 'node:18');
      assert.equal(await base(df), 'flotilla.local/node:20'); // an ARG default sees earlier ARGs
      assert.equal(await base(df, { REG: 'registry:5000' }), 'registry:5000/node:20');
    });

    it('follows the target stage when one is given', async () => {
      assert.equal(await base('FROM a:1 AS one\nFROM b:2 AS two\n', {}, 'one'), 'a:1');
      assert.equal(await base('FROM a:1 AS one\n', {}, 'missing'), undefined);
    });

    it('is undefined for scratch or an unresolved variable', async () => {
      assert.equal(await base('FROM scratch\nCOPY x /x\n'), undefined);
      assert.equal(await base('FROM ${NOPE}\n'), undefined);
    });
  });

  describe('build context: content hash', () => {
    it('is stable, and independent of mtimes', async () => {
      const f = await write('app/a.txt', 'one');
      const h1 = await contextHash(spec());
      await fs.utimes(f, new Date(2001, 1, 1), new Date(2001, 1, 1));
      assert.equal(await contextHash(spec()), h1);
      assert.match(h1, /^[0-9a-f]{64}$/);
    });

    it('changes with content, mode, names, symlink targets and new files', async () => {
      const f = await write('app/a.txt', 'one');
      const seen = new Set([await contextHash(spec())]);
      const expectNew = async (what: string) => {
        const h = await contextHash(spec());
        assert.ok(!seen.has(h), `hash did not change after ${what}`);
        seen.add(h);
      };
      await fs.writeFile(f, 'two');
      await expectNew('a content change');
      await fs.chmod(f, 0o755);
      await expectNew('a mode change');
      await fs.rename(f, path.join(root, 'app/b.txt'));
      await expectNew('a rename');
      await fs.symlink('b.txt', path.join(root, 'app/l'));
      await expectNew('a new symlink');
      await fs.unlink(path.join(root, 'app/l'));
      await fs.symlink('Dockerfile', path.join(root, 'app/l'));
      await expectNew('a symlink target change');
      await fs.mkdir(path.join(root, 'app/empty'));
      await expectNew('a new empty folder');
      await fs.writeFile(path.join(root, 'app/Dockerfile'), 'FROM scratch\n');
      await expectNew('a Dockerfile change');
    });

    it('changes with build args and target, not with their order', async () => {
      const base = await contextHash(spec());
      const a = await contextHash(spec({ buildArgs: { A: '1', B: '2' } }));
      const b = await contextHash(spec({ buildArgs: { B: '2', A: '1' } }));
      assert.notEqual(a, base);
      assert.equal(a, b);
      assert.notEqual(await contextHash(spec({ buildArgs: { A: '1', B: '3' } })), a);
      assert.notEqual(await contextHash(spec({ target: 'prod' })), base);
    });

    it('does not change when an ignored file changes', async () => {
      await write('app/.dockerignore', 'secret.txt\n');
      const f = await write('app/secret.txt', 'a');
      const h = await contextHash(spec());
      await fs.writeFile(f, 'b');
      assert.equal(await contextHash(spec()), h);
    });
  });

  describe('build context: tar stream', () => {
    it('is a valid tar with files, folders, symlinks, modes and owner 0', async () => {
      await write('app/run.sh', '#!/bin/sh\n', 0o755);
      await write('app/sub/data.txt', 'data');
      await fs.symlink('sub/data.txt', path.join(root, 'app/link'));
      const out = await tarList();
      assert.match(out, /^-rw-r--r-- 0\/0 +\d+ 2000-01-01 \d\d:\d\d Dockerfile$/m);
      assert.match(out, /^-rwxr-xr-x 0\/0 +10 .* run\.sh$/m);
      assert.match(out, /^drwx.* 0\/0 .* sub\/$/m);
      assert.match(out, /^-rw-.* 0\/0 +4 .* sub\/data\.txt$/m);
      assert.match(out, /^lrwxrwxrwx 0\/0 .* link -> sub\/data\.txt$/m);
    });

    it('carries long and non-ASCII names through pax headers', async () => {
      const long = `${'d'.repeat(60)}/${'f'.repeat(90)}.txt`;
      await write(`app/${long}`, 'x');
      await write('app/héllo wörld.txt', 'x');
      const out = await tarList();
      assert.ok(out.includes(long), out);
      assert.ok(out.includes('héllo wörld.txt'), out);
    });

    it('gives the same bytes for the same files', async () => {
      await write('app/a.txt', 'a');
      const bytes = async () => {
        const chunks: Buffer[] = [];
        for await (const c of tarStream((await collectContext(spec())).entries)) chunks.push(c as Buffer);
        return Buffer.concat(chunks);
      };
      const first = await bytes();
      await fs.utimes(path.join(root, 'app/a.txt'), new Date(2010, 1, 1), new Date(2010, 1, 1));
      assert.ok(first.equals(await bytes()));
      assert.equal(first.length % 512, 0);
    });
  });
});
