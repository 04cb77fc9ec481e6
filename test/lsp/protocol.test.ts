// The client/server contract: values from the wire are parsed, never trusted, and the
// Dockerfile glob the editor watches names exactly the files the server treats as Dockerfiles.
import assert from 'node:assert/strict';
import picomatch from 'picomatch';
import {
  DOCKERFILE_GLOB,
  isDockerfileName,
  parseInitializationOptions,
  parseLintConfiguration,
  pushedRules,
} from '../../language-server/src/protocol';

describe('client/server protocol', () => {
  it('initialization options: defaults, and wrong types dropped', () => {
    assert.deepEqual(parseInitializationOptions(undefined), { rules: {}, docker: true, debounceMs: 150 });
    assert.deepEqual(
      parseInitializationOptions({ rules: { FD3006: 'off', FD3007: 'loud', FD3008: 3 }, docker: 'no', debounceMs: 20 }),
      { rules: { FD3006: 'off' }, docker: true, debounceMs: 20 },
    );
  });

  it('configuration: pulled section and pushed settings', () => {
    assert.deepEqual(parseLintConfiguration(null), {});
    assert.deepEqual(parseLintConfiguration({ rules: { FX1013: 'hint' } }), { rules: { FX1013: 'hint' } });
    assert.deepEqual(pushedRules({ flotilla: { lint: { rules: { FX1013: 'error' } } } }), { FX1013: 'error' });
    assert.equal(pushedRules({ flotilla: { docker: {} } }), undefined);
    assert.equal(pushedRules(null), undefined);
  });

  it('one Dockerfile pattern: the glob and the name test agree, Containerfile included', () => {
    const glob = picomatch(DOCKERFILE_GLOB);
    const names = [
      'Dockerfile',
      'Containerfile',
      'Dockerfile.dev',
      'Containerfile.prod',
      'api.Dockerfile',
      'api.dockerfile',
    ];
    const others = ['Dockerfiles.md', 'dockerfile.txt', 'app.yaml', 'MyDockerfile'];
    for (const n of names) {
      assert.ok(isDockerfileName(n), n);
      assert.ok(glob(`src/${n}`), `glob: ${n}`);
    }
    for (const n of others) {
      assert.ok(!isDockerfileName(n), n);
      assert.ok(!glob(`src/${n}`), `glob: ${n}`);
    }
  });
});
