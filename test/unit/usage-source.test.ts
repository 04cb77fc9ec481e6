// Usage readings from cgroup files and Engine API answers, without Docker: where a
// container's cgroup files are on v1, v2 and hybrid hosts, and what the files say.
import * as assert from 'node:assert/strict';
import {
  cgroupFilesFor,
  parseMountinfo,
  readingFromCgroup,
  readingFromFrame,
} from '../../extension/engine/scaler/usage-source';

const ID = '24d91b5a183269c4c3d4857cf8e4dde8775d116411a6886462df36679300624b';

// As on this project's Debian 12 hosts: cgroup v1 controllers, each on its own mount, and
// systemd's unified hierarchy (no controllers) beside them.
const MOUNTINFO_V1 = [
  '25 24 0:22 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755',
  '26 25 0:23 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate',
  '28 25 0:25 / /sys/fs/cgroup/cpu rw,nosuid,nodev,noexec,relatime shared:12 - cgroup cgroup rw,cpu',
  '29 25 0:26 / /sys/fs/cgroup/cpuacct rw,nosuid,nodev,noexec,relatime shared:13 - cgroup cgroup rw,cpuacct',
  '30 25 0:27 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,memory',
].join('\n');

const PROC_V1 = [`4:memory:/docker/${ID}`, `2:cpuacct:/docker/${ID}`, `1:cpu:/docker/${ID}`, `0::/docker/${ID}`].join(
  '\n',
);

describe('usage sources', () => {
  it('finds a v1 container’s cpuacct and memory files, and prefers them over the unified hierarchy', () => {
    const f = cgroupFilesFor(PROC_V1, parseMountinfo(MOUNTINFO_V1));
    assert.deepEqual(f, {
      version: 1,
      cpu: `/sys/fs/cgroup/cpuacct/docker/${ID}/cpuacct.usage`,
      memory: `/sys/fs/cgroup/memory/docker/${ID}/memory.usage_in_bytes`,
      memoryStat: `/sys/fs/cgroup/memory/docker/${ID}/memory.stat`,
    });
  });

  it('finds a v2 container’s files under a systemd scope, and a mount whose root is a sub-cgroup', () => {
    const mounts = parseMountinfo('35 1 0:30 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw');
    const scope = `/system.slice/docker-${ID}.scope`;
    assert.equal(cgroupFilesFor(`0::${scope}`, mounts)?.cpu, `/sys/fs/cgroup${scope}/cpu.stat`);
    // Inside a container whose cgroup namespace starts at /docker: paths are relative to that root.
    const nested = parseMountinfo('35 1 0:30 /docker /sys/fs/cgroup rw - cgroup2 cgroup2 rw');
    assert.equal(cgroupFilesFor(`0::/docker/${ID}`, nested)?.memory, `/sys/fs/cgroup/${ID}/memory.current`);
    assert.equal(cgroupFilesFor(`0::/elsewhere/${ID}`, nested), undefined);
  });

  it('has no files when the hierarchies are not mounted here', () => {
    assert.equal(cgroupFilesFor(PROC_V1, []), undefined);
    assert.equal(cgroupFilesFor('', parseMountinfo(MOUNTINFO_V1)), undefined);
  });

  it('reads CPU time and memory without the inactive file cache (v1 and v2)', () => {
    assert.deepEqual(readingFromCgroup(1, '123456789\n', '50000000\n', 'cache 1\ntotal_inactive_file 10000000\n', 7), {
      cpuNanos: 123456789,
      memoryBytes: 40000000,
      time: 7,
    });
    assert.deepEqual(
      readingFromCgroup(2, 'usage_usec 2500\nuser_usec 2000\n', '100\n', 'anon 50\ninactive_file 30\n', 9),
      { cpuNanos: 2_500_000, memoryBytes: 70, time: 9 },
    );
  });

  it('reads an Engine API one-shot answer, and none from a stopped container', () => {
    assert.deepEqual(
      readingFromFrame({
        read: '2026-01-01T00:00:01Z',
        cpu_stats: { cpu_usage: { total_usage: 1_500_000_000 } },
        memory_stats: { usage: 50_000_000, stats: { total_inactive_file: 10_000_000 } },
      }),
      { cpuNanos: 1_500_000_000, memoryBytes: 40_000_000, time: Date.parse('2026-01-01T00:00:01Z') },
    );
    assert.equal(readingFromFrame({ read: '0001-01-01T00:00:00Z', cpu_stats: {} }), undefined);
    assert.equal(
      readingFromFrame({ read: '0001-01-01T00:00:00Z', cpu_stats: { cpu_usage: { total_usage: 5 } } }, 42)?.time,
      42,
    );
  });
});
