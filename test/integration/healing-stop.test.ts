// stopContainer against the real engine: SIGTERM first, SIGKILL after the grace period.
import { strict as assert } from 'node:assert';
import { stopContainer } from '../../extension/engine/health/terminate';
import { HealthTestEnv } from './probe-support';

describe('stopContainer on the real engine', function () {
  this.timeout(120_000);
  const env = new HealthTestEnv();
  before(async () => env.setup());
  after(async () => env.teardown());

  it('a process that handles SIGTERM exits with its own code', async () => {
    // Without init, sh is PID 1; its trap runs once the foreground wait is interrupted.
    const c = await env.run('term', ['sh', '-c', 'trap "exit 42" TERM; while true; do sleep 1 & wait $!; done'], {
      init: false,
    });
    assert.equal(await stopContainer(env.docker, c.id, 30), 'stopped');
    const info = await env.docker.getContainer(c.id).inspect();
    assert.equal(info.State.ExitCode, 42, 'SIGTERM reached the process and it exited by itself');
  });

  it('a process that ignores SIGTERM is killed after the grace period', async () => {
    const c = await env.run('ignore', ['sh', '-c', 'trap "" TERM; while true; do sleep 1 & wait $!; done'], {
      init: false,
    });
    assert.equal(await stopContainer(env.docker, c.id, 1), 'stopped');
    const info = await env.docker.getContainer(c.id).inspect();
    assert.equal(info.State.ExitCode, 137, 'SIGKILL');
  });

  it('reports already stopped and gone containers', async () => {
    const c = await env.run('twice', ['sleep', '3600']);
    assert.equal(await stopContainer(env.docker, c.id, 0), 'stopped');
    assert.equal(await stopContainer(env.docker, c.id, 0), 'already-stopped');
    await env.docker.getContainer(c.id).remove({ force: true });
    assert.equal(await stopContainer(env.docker, c.id, 0), 'gone');
  });
});
