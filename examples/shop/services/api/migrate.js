// The migration Job: creates the store's schema once the store answers. It exits
// non-zero while the store is not reachable yet; restartPolicy OnFailure runs it again.
const http = require('node:http');

const store = new URL(process.env.STORE_URL || 'http://store-0.store:7000');
const req = http.request(
  { host: store.hostname, port: store.port || 80, path: '/migrate', method: 'POST', timeout: 3000 },
  (res) => {
    res.resume();
    console.log(`migrate: store answered ${res.statusCode}`);
    process.exit(res.statusCode === 200 ? 0 : 1);
  },
);
req.on('error', (e) => {
  console.log(`migrate: store not reachable yet (${e.message})`);
  process.exit(1);
});
req.on('timeout', () => req.destroy(new Error('timeout')));
req.end();
