// The shop front end: renders the catalog it fetches from the API Service.
const http = require('node:http');
const os = require('node:os');

const api = process.env.API_URL || 'http://api';
const greeting = process.env.GREETING || 'Shop';

function fetchJson(url) {
  return new Promise((resolve, reject) => {
    http.get(url, { timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => { try { resolve(JSON.parse(body)); } catch (e) { reject(e); } });
    }).on('error', reject).on('timeout', function () { this.destroy(new Error('timeout')); });
  });
}

const server = http.createServer(async (req, res) => {
  if (req.url === '/healthz') { res.writeHead(200); return res.end('ok'); }
  try {
    const { host, items } = await fetchJson(`${api}/items`);
    const rows = items.map((i) => `<li>${i.name}: $${i.price}</li>`).join('');
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<h1>${greeting}</h1><p>served by ${os.hostname()}, catalog from ${host}</p><ul>${rows}</ul>`);
  } catch (e) {
    res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(`api unavailable: ${e.message}\n`);
  }
});
server.listen(8080, () => console.log('web listening on :8080'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
