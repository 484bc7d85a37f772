#!/usr/bin/env node
// The chainwire-netsim command: runs the built CLI (dist/cli.js, produced by `pnpm build`).
import '../dist/cli.js'
