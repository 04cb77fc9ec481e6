// The catalog API. Ready once its catalog is loaded; /healthz for liveness.
const http = require('node:http');
const os = require('node:os');

const size = Number(process.env.CATALOG_SIZE || 10);
const items = Array.from({ length: size }, (_, i) => ({ id: i + 1, name: `item-${i + 1}`, price: 3 + ((i * 7) % 20) }));
let jobs = 0;

const server = http.createServer((req, res) => {
  const send = (status, body) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (req.url === '/healthz' || req.url === '/readyz') return send(200, { ok: true });
  if (req.url === '/items') return send(200, { host: os.hostname(), items });
  if (req.url === '/jobs' && req.method === 'POST') return send(201, { host: os.hostname(), job: ++jobs });
  send(404, { error: 'not found' });
});
server.listen(3000, () => console.log(`api listening on :3000 with ${size} items`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
