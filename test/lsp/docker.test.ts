// FX1013 asks the local engine for its images through dockerode, with a short timeout, and
// skips the rule (null) when Docker cannot be reached.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { localImages } from '../../language-server/src/core/docker-images';

describe('local Docker image list', function () {
  this.timeout(10_000);

  it('is null when the engine is unreachable, so the rule is skipped', async () => {
    assert.equal(await localImages(500, '/nonexistent/docker.sock'), null);
  });

  it('lists tagged images when a local engine answers', async function () {
    if (!existsSync('/var/run/docker.sock')) this.skip();
    const images = await localImages(3000, '/var/run/docker.sock');
    assert.ok(images instanceof Set);
    for (const i of images) assert.match(i, /[:@]/);
  });
});
