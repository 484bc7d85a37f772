#!/usr/bin/env node
// The `chainwire-node` command: the built CLI (dist/cli.js) runs itself when it is the program started.
import '../dist/cli.js'
