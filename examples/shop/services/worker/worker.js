// A background worker: posts a job to the API Service every few seconds.
const http = require('node:http');

const api = new URL(process.env.API_URL || 'http://api');
const every = Number(process.env.INTERVAL_SECONDS || 5) * 1000;

function tick() {
  const req = http.request({ host: api.hostname, port: api.port || 80, path: '/jobs', method: 'POST', timeout: 2000 }, (res) => {
    let body = '';
    res.on('data', (c) => (body += c));
    res.on('end', () => console.log(`job accepted: ${body}`));
  });
  req.on('error', (e) => console.log(`api not reachable yet: ${e.message}`));
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.end();
}
const timer = setInterval(tick, every);
tick();
process.on('SIGTERM', () => { clearInterval(timer); process.exit(0); });
