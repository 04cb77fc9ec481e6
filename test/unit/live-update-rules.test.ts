// Live update's rules: which saved file a sync rule copies where, which ones rebuild, and how
// the stack file's sync, restart and rebuildOn keys are read and checked (file and line).
import assert from 'node:assert/strict';
import { destination, syncDecision } from '../../extension/engine/model/live-update';
import { DEFAULT_SETTINGS, readStackText } from '../../extension/engine/model/stack-file';
import type { LiveUpdateSpec, StackSpec } from '../../extension/engine/model/types';
import { planBatch } from '../../extension/engine/sync/live-sync';

const source = { file: 'f', line: 1, column: 1 };
const live = (over: Partial<LiveUpdateSpec> = {}): LiveUpdateSpec => ({
  sync: [{ src: 'src/**', dest: '/app/src', source }],
  rebuildOn: ['package.json', 'Dockerfile'],
  ...over,
});

describe('live update rules', () => {
  it('a glob maps what it matches below its fixed folders to the same place below dest', () => {
    assert.equal(destination({ src: 'src/**', dest: '/app/src' }, 'src/lib/a.js'), '/app/src/lib/a.js');
    assert.equal(destination({ src: 'src/*.js', dest: '/app/src' }, 'src/a.js'), '/app/src/a.js');
    assert.equal(destination({ src: 'src/*.js', dest: '/app/src' }, 'src/lib/a.js'), undefined);
    assert.equal(destination({ src: 'src/**', dest: '/app/src' }, 'test/a.js'), undefined);
    assert.equal(destination({ src: '**/*.html', dest: '/www' }, 'a/b.html'), '/www/a/b.html');
  });

  it('a plain path maps a file to a file and a folder to a folder', () => {
    assert.equal(destination({ src: 'server.js', dest: '/app/server.js' }, 'server.js'), '/app/server.js');
    assert.equal(destination({ src: 'src', dest: '/app/src' }, 'src/x/y.js'), '/app/src/x/y.js');
    assert.equal(destination({ src: './src/', dest: '/app/src' }, 'src/y.js'), '/app/src/y.js');
    assert.equal(destination({ src: 'src', dest: '/app/src' }, 'srcx/y.js'), undefined);
    assert.equal(destination({ src: '.', dest: '/app' }, 'a/b.js'), '/app/a/b.js');
  });

  it('rebuildOn wins over sync, an unmatched file rebuilds, the first matching rule wins', () => {
    const l = live({
      sync: [
        { src: 'src/**', dest: '/app/src', source },
        { src: 'src/**', dest: '/other', source },
      ],
      rebuildOn: ['src/package.json', 'Dockerfile'],
    });
    assert.equal(syncDecision(l, 'src/package.json'), 'rebuild');
    assert.equal(syncDecision(l, 'Dockerfile'), 'rebuild');
    assert.equal(syncDecision(l, 'README.md'), 'rebuild');
    const d = syncDecision(l, 'src/a.js');
    assert.ok(d !== 'rebuild');
    assert.equal(d.dest, '/app/src/a.js');
    assert.equal(syncDecision(live({ rebuildOn: ['src/**/*.json'] }), 'src/x/a.json'), 'rebuild');
  });
});

const STACK = (build: string) => `name: t\nmanifests: ["k8s/*.yaml"]\nbuild:\n${build}`;
const read = (text: string) => readStackText('/nowhere/flotilla.yaml', text);

describe('stack file: live update keys', () => {
  it('reads sync, restart and rebuildOn', () => {
    const { stack, problems } = read(
      STACK(`  - image: shop/api
    context: .
    sync:
      - {src: "./src/**", dest: /app/src/}
    restart: {signal: hup}
    rebuildOn: ["package.json", "Dockerfile"]
`),
    );
    assert.deepEqual(
      problems.filter((p) => p.code !== 'FS1005'),
      [],
    );
    const lu = stack?.builds[0]?.liveUpdate;
    assert.ok(lu);
    assert.deepEqual(
      lu.sync.map((r) => [r.src, r.dest, r.source.line]),
      [['src/**', '/app/src', 7]],
    );
    assert.deepEqual(lu.restart, { signal: 'SIGHUP' });
    assert.deepEqual(lu.rebuildOn, ['package.json', 'Dockerfile']);
  });

  it('restart takes exec or process too; a build without the keys has no live update', () => {
    const exec = read(
      STACK(`  - {image: a, context: ., sync: [{src: s, dest: /s}], restart: {exec: [kill, -HUP, 1]}}\n`),
    );
    assert.deepEqual(exec.stack?.builds[0]?.liveUpdate?.restart, { exec: ['kill', '-HUP', '1'] });
    const proc = read(STACK(`  - {image: a, context: ., sync: [{src: s, dest: /s}], restart: {process: true}}\n`));
    assert.deepEqual(proc.stack?.builds[0]?.liveUpdate?.restart, { process: true });
    const none = read(STACK(`  - {image: a, context: .}\n`));
    assert.equal(none.stack?.builds[0]?.liveUpdate, undefined);
  });

  it('flags a sync rule without src or dest, a relative dest, and a wrong restart, each at its line', () => {
    const { problems } = read(
      STACK(`  - image: a
    context: .
    sync:
      - {src: "src/**"}
      - {dest: /app}
      - {src: "src/**", dest: app/src}
      - {src: "../x", dest: /x}
      - {src: a, dest: /a, mode: 644}
    restart: {signal: HUP, process: true}
    rebuildOn: [{a: 1}]
`),
    );
    const got = problems
      .filter((p) => p.code !== 'FS1005')
      .sort((a, b) => a.line - b.line)
      .map((p) => [p.code, p.line]);
    assert.deepEqual(got, [
      ['FS1003', 7],
      ['FS1003', 8],
      ['FS1002', 9],
      ['FS1002', 10],
      ['FS1001', 11],
      ['FS1002', 12],
      ['FS1002', 13],
    ]);
    const says = (line: number) => problems.find((p) => p.line === line)?.message ?? '';
    assert.match(says(7), /build\[\]\.sync\[\] needs "dest"/);
    assert.match(says(8), /needs "src"/);
    assert.match(says(9), /must be an absolute path in the container/);
    assert.match(says(10), /inside the build context/);
    assert.match(says(12), /takes one of signal, exec or process.*found signal and process/);
    const rel = problems.find((p) => p.line === 9);
    assert.equal(rel?.fix?.newText, '/app/src');
  });
});

describe('live update: which batches sync', () => {
  const dir = '/s';
  const stack = (): StackSpec => {
    const { stack: s } = read(
      STACK(`  - image: a
    context: a
    sync: [{src: "src/**", dest: /app/src}]
    rebuildOn: [package.json]
  - {image: b, context: b}
`),
    );
    return {
      name: 't',
      dir,
      file: `${dir}/flotilla.yaml`,
      manifestFiles: [`${dir}/k8s/app.yaml`],
      builds: (s?.builds ?? []).map((b) => ({
        ...b,
        context: `${dir}/${b.image}`,
        dockerfile: `${dir}/${b.image}/Dockerfile`,
      })),
      nodes: [],
      deployments: [],
      jobs: [],
      cronJobs: [],
      services: [],
      hpas: [],
      configMaps: [],
      secrets: [],
      claims: [],
      ignored: [],
      warnings: [],
      settings: DEFAULT_SETTINGS,
    };
  };
  const built = () => true;

  it('syncs when every file matches a sync rule, each to its container path', () => {
    const plan = planBatch(stack(), ['/s/a/src/x.js', '/s/a/src/lib/y.js'], built);
    assert.equal(plan.kind, 'sync');
    const files = plan.kind === 'sync' ? [...plan.builds.values()].map((m) => [...m]) : [];
    assert.deepEqual(files, [
      [
        ['/app/src/x.js', '/s/a/src/x.js'],
        ['/app/src/lib/y.js', '/s/a/src/lib/y.js'],
      ],
    ]);
  });

  it('reloads when any file of the batch needs it', () => {
    for (const extra of [
      '/s/a/package.json', // rebuildOn
      '/s/a/Dockerfile',
      '/s/a/README.md', // no rule
      '/s/b/src/x.js', // a build without live update
      '/s/flotilla.yaml',
      '/s/k8s/app.yaml',
      '/s/other.txt', // in no context
    ]) {
      assert.equal(planBatch(stack(), ['/s/a/src/x.js', extra], built).kind, 'reload', extra);
    }
    assert.equal(planBatch(stack(), ['/s/a/src/x.js'], () => false).kind, 'reload', 'an image not built yet');
  });
});
