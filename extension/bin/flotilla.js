#!/usr/bin/env node
// The installed entry point: runs the bundled CLI (npm run build makes dist/cli.js).
require('../../dist/cli.js');
