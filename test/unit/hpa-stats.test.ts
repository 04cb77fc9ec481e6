import * as assert from 'node:assert/strict';
import { usageFromFrame } from '../../extension/engine/scaler/stats-sampler';

describe('usageFromFrame', () => {
  it('computes CPU % from the deltas against precpu, scaled by online cpus, and memory without inactive file', () => {
    const u = usageFromFrame({
      read: '2026-01-01T00:00:01Z',
      cpu_stats: { cpu_usage: { total_usage: 1_500_000_000 }, system_cpu_usage: 20_000_000_000, online_cpus: 2 },
      precpu_stats: { cpu_usage: { total_usage: 1_000_000_000 }, system_cpu_usage: 18_000_000_000 },
      memory_stats: { usage: 50_000_000, stats: { total_inactive_file: 10_000_000 } },
    });
    // 0.5 s of CPU over 2 s of system time on 2 cpus: half of one core.
    assert.deepEqual(u, {
      cpuPercent: 50,
      cpuMilli: 500,
      memoryBytes: 40_000_000,
      time: Date.parse('2026-01-01T00:00:01Z'),
    });
  });

  it('has no value for the first frame of a stream (empty precpu)', () => {
    assert.equal(
      usageFromFrame({
        cpu_stats: { cpu_usage: { total_usage: 5 }, system_cpu_usage: 10, online_cpus: 1 },
        precpu_stats: { cpu_usage: {} },
      }),
      undefined,
    );
  });

  it('reads cgroup v2 inactive_file', () => {
    const u = usageFromFrame({
      cpu_stats: { cpu_usage: { total_usage: 2 }, system_cpu_usage: 4, online_cpus: 1 },
      precpu_stats: { cpu_usage: { total_usage: 1 }, system_cpu_usage: 2 },
      memory_stats: { usage: 100, stats: { inactive_file: 30 } },
    });
    assert.equal(u?.memoryBytes, 70);
  });
});
