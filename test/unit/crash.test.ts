// A promise rejected with nobody listening, in the CLI process: reported on
// stderr with the command and stack it happened in, passed to listeners (`up`
// makes it a Warning event), the process keeps running, and a command that
// otherwise succeeded exits 1.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const CRASH = path.resolve(__dirname, '../../extension/cli/crash.ts');

function run(body: string): { code: number | null; out: string; err: string } {
  const script = `
const { installCrashHandlers, onInternalError, hadInternalError } = require(${JSON.stringify(CRASH)});
installCrashHandlers('up', () => '/tmp/some-stack');
onInternalError((m) => process.stdout.write('listener: ' + m + '\\n'));
${body}`;
  const r = spawnSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('unhandled rejections in the CLI process', () => {
  it('are logged with context and passed on, and the process carries on', () => {
    const r = run(`
Promise.reject(new Error('lost promise'));
setTimeout(() => process.stdout.write('still running; internal error seen: ' + hadInternalError() + '\\n'), 50);
`);
    assert.equal(r.code, 0, r.err);
    assert.match(
      r.err,
      /internal error, please report it: unhandled rejection in 'flotilla up' \(stack \/tmp\/some-stack\): lost promise/,
    );
    assert.match(r.err, /at /, 'the stack trace is printed');
    assert.match(r.out, /listener: unhandled rejection in 'flotilla up'.*lost promise/);
    assert.match(r.out, /still running; internal error seen: true/);
  });

  it('describe a rejection with a non-Error reason', () => {
    const r = run(`Promise.reject({ message: 'plain object' });`);
    assert.match(r.err, /: plain object/);
  });

  it('leave a process without one alone', () => {
    const r = run(`setTimeout(() => process.stdout.write('internal error seen: ' + hadInternalError() + '\\n'), 10);`);
    assert.equal(r.err, '');
    assert.match(r.out, /internal error seen: false/);
  });

  it("reach listeners subscribed through another copy of the module (as in the CLI's second bundle)", () => {
    const r = run(`
delete require.cache[require.resolve(${JSON.stringify(CRASH)})];
const copy = require(${JSON.stringify(CRASH)});
if (copy.onInternalError === onInternalError) throw new Error('not a second copy');
const off = copy.onInternalError((m) => process.stdout.write('copy heard: ' + m + '\\n'));
Promise.reject(new Error('first'));
setTimeout(() => {
  off();
  Promise.reject(new Error('second'));
}, 20);
`);
    assert.match(r.out, /copy heard: unhandled rejection in 'flotilla up'.*first/);
    assert.doesNotMatch(r.out, /copy heard: .*second/, 'unsubscribed');
    assert.match(r.out, /listener: .*second/);
  });
});
