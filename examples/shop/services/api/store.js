// The order store: a StatefulSet pod (store-0) keeping every order in its claim
// volume (/data), so orders survive a restart, a deleted pod and `down` then `up`.
// The migration Job creates its schema; until then it is not migrated.
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');

const dir = process.env.DATA_DIR || '/data';
const schema = path.join(dir, 'schema.json');
const orders = path.join(dir, 'orders.log');

function count() {
  try {
    return fs.readFileSync(orders, 'utf8').split('\n').filter(Boolean).length;
  } catch {
    return 0; // no order yet
  }
}

const server = http.createServer((req, res) => {
  const send = (status, body) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const migrated = fs.existsSync(schema);
  if (req.url === '/healthz') return send(200, { ok: true });
  if (req.url === '/migrated') return send(migrated ? 200 : 503, { migrated });
  if (req.url === '/migrate' && req.method === 'POST') {
    if (!migrated) fs.writeFileSync(schema, JSON.stringify({ version: 1, at: new Date().toISOString() }));
    return send(200, { migrated: true, host: os.hostname() });
  }
  if (!migrated) return send(503, { error: 'not migrated yet' });
  if (req.url === '/orders' && req.method === 'POST') {
    fs.appendFileSync(orders, `${new Date().toISOString()}\n`);
    return send(201, { host: os.hostname(), orders: count() });
  }
  if (req.url === '/orders') return send(200, { host: os.hostname(), orders: count() });
  send(404, { error: 'not found' });
});
server.listen(7000, () => console.log(`store ${os.hostname()} listening on :7000, ${count()} orders in ${dir}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
