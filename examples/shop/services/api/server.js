// The catalog API. Ready once the order store is migrated (the migration Job ran);
// /healthz for liveness. Orders (POST /jobs, from the worker) go to the store.
const http = require('node:http');
const os = require('node:os');

const size = Number(process.env.CATALOG_SIZE || 10);
const items = Array.from({ length: size }, (_, i) => ({ id: i + 1, name: `item-${i + 1}`, price: 3 + ((i * 7) % 20) }));
const store = new URL(process.env.STORE_URL || 'http://store-0.store:7000');
let migrated = false;

function toStore(method, path) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: store.hostname, port: store.port || 80, path, method, timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

async function ready() {
  if (!migrated) migrated = await toStore('GET', '/migrated').then((r) => r.status === 200, () => false);
  return migrated;
}

const server = http.createServer(async (req, res) => {
  const send = (status, body) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (req.url === '/healthz') return send(200, { ok: true });
  if (req.url === '/readyz') return (await ready()) ? send(200, { ok: true }) : send(503, { waiting: 'migration' });
  if (req.url === '/items') return send(200, { host: os.hostname(), items });
  if (req.url === '/jobs' && req.method === 'POST') {
    const r = await toStore('POST', '/orders').catch((e) => ({ status: 502, body: JSON.stringify({ error: e.message }) }));
    let stored = {};
    try {
      stored = JSON.parse(r.body || '{}');
    } catch {
      stored = { error: 'the store answered something else than JSON' };
    }
    return send(r.status === 201 ? 201 : 502, { host: os.hostname(), ...stored });
  }
  send(404, { error: 'not found' });
});
server.listen(3000, () => console.log(`api listening on :3000 with ${size} items`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
