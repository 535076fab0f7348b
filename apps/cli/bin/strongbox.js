#!/usr/bin/env node
// The `strongbox` command. The code is built into dist/ by `npm run build`; in the repository
// `npm ci` builds it too (the root package's prepare script), and the packed package ships it.
import '../dist/main.js';
