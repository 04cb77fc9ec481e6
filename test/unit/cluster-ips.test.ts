// ClusterIP allocation: the subnet split, stable offsets that survive restarts and a
// new subnet, collisions, reserved addresses and a full range.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  ClusterIpStore,
  allocateOffsets,
  contains,
  parseCidr,
  proxyAddress,
  splitSubnet,
} from '../../extension/engine/proxy/cluster-ips';

describe('ClusterIP allocation', () => {
  it('splits a subnet into the containers half (Docker IPRange) and the Service half', () => {
    assert.deepEqual(splitSubnet('10.231.0.0/16'), {
      containers: '10.231.0.0/17',
      services: '10.231.128.0/17',
      gateway: '10.231.0.1',
    });
    assert.deepEqual(splitSubnet('192.168.224.0/20'), {
      containers: '192.168.224.0/21',
      services: '192.168.232.0/21',
      gateway: '192.168.224.1',
    });
    assert.equal(splitSubnet('10.0.0.0/27'), undefined, 'too small to split');
    assert.equal(proxyAddress('10.231.128.0/17'), '10.231.128.10');
    assert.throws(() => parseCidr('10.0.0.0'), /not an IPv4 CIDR/);
    assert.throws(() => parseCidr('10.0.0.300/8'), /not an IPv4 CIDR/);
  });

  it('gives each key a stable offset from its hash, past the reserved ones, never the broadcast', () => {
    const size = 2 ** 15;
    const a = allocateOffsets(['default/web', 'default/api', 'shop/web'], {}, size);
    assert.deepEqual(allocateOffsets(['shop/web', 'default/api', 'default/web'], {}, size), a, 'order does not matter');
    assert.equal(new Set(Object.values(a)).size, 3);
    for (const off of Object.values(a)) assert.ok(off > 10 && off < size - 1, String(off));
  });

  it('keeps what was kept, even when a new key hashes onto it, and never reuses a kept offset', () => {
    const size = 64;
    const first = allocateOffsets(['default/web'], {}, size);
    // A new key whose hash lands on web's offset takes the next free one.
    const clash = Array.from({ length: 500 }, (_, i) => `ns${i}/svc`).find(
      (k) => allocateOffsets([k], {}, size)[k] === first['default/web'],
    );
    assert.ok(clash, 'some key collides in a small range');
    const both = allocateOffsets(['default/web', clash], first, size);
    assert.equal(both['default/web'], first['default/web']);
    assert.notEqual(both[clash], first['default/web']);
    // A Service that disappears keeps its address for when it comes back.
    const later = allocateOffsets([clash], both, size);
    assert.equal(later['default/web'], first['default/web']);
  });

  it('drops kept offsets that are out of range or reserved, and fails clearly when the range is full', () => {
    const out = allocateOffsets(['a/x'], { 'b/y': 3, 'c/z': 9999 }, 64);
    assert.equal(out['b/y'], undefined);
    assert.equal(out['c/z'], undefined);
    const keys = Array.from({ length: 52 }, (_, i) => `ns/s${i}`); // 64 - 11 reserved - broadcast = 52
    assert.equal(Object.keys(allocateOffsets(keys, {}, 64)).length, 52);
    assert.throws(
      () => allocateOffsets([...keys, 'ns/one-more'], {}, 64),
      /no free ClusterIP left for ns\/.*: the Service range has 52 addresses/,
    );
  });

  it('keeps offsets and the subnet in .flotilla/cluster-ips.json; a new subnet keeps each Service at its offset', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-cips-'));
    try {
      const store = new ClusterIpStore(dir);
      const ips = store.assign(['default/web', 'default/api'], '10.231.128.0/17', '10.231.0.0/16');
      for (const ip of ips.values()) assert.ok(contains(parseCidr('10.231.128.0/17'), ip), ip);
      assert.equal(store.read().subnet, '10.231.0.0/16');
      const again = new ClusterIpStore(dir).assign(['default/api', 'default/web'], '10.231.128.0/17', '10.231.0.0/16');
      assert.deepEqual([...again].sort(), [...ips].sort(), 'the same after a restart');
      assert.deepEqual([...store.kept()].sort(), [...ips].sort(), 'read back without allocating');
      const moved = store.assign(['default/web'], '172.30.128.0/17', '172.30.0.0/16');
      assert.equal(
        moved.get('default/web')?.split('.').slice(2).join('.'),
        ips.get('default/web')?.split('.').slice(2).join('.'),
      );
      assert.equal(store.read().subnet, '172.30.0.0/16');
      fs.writeFileSync(store.file, '{not json');
      assert.deepEqual(store.read(), { version: 1, offsets: {} }, 'a damaged file starts afresh');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
