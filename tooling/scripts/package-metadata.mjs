#!/usr/bin/env node
// The publishable metadata every chainwire package carries: repository (with its directory), homepage, bugs,
// keywords, author, engines, and a "./package.json" export. `--check` (part of `pnpm lint`) fails when a package
// lacks any of it; `--write` fills it in. One place for these rules, so a new package cannot ship without them.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('../..', import.meta.url).pathname
const REPO = 'https://github.com/chainwire/chainwire'
const BASE_KEYWORDS = ['chainwire', 'p2p', 'blockchain', 'typescript']
/** Extra keywords a package is found by. */
const KEYWORDS = {
  interface: ['contracts', 'clock', 'network-group'],
  'protocol-codec': ['msgpack', 'wire-protocol', 'codec', 'framing'],
  'peer-store': ['address-book', 'eclipse', 'leveldb', 'addrman'],
  'peer-scoring': ['reputation', 'peer-score', 'dos'],
  network: ['noise', 'tcp', 'websocket', 'connection-manager'],
  discovery: ['kademlia', 'dht', 'mdns', 'peer-exchange', 'bootstrap'],
  netsim: ['simulator', 'network-simulation', 'virtual-time'],
  chain: ['ledger', 'proof-of-work', 'merkle', 'mempool'],
  relay: ['gossipsub', 'propagation', 'flood', 'inv-getdata'],
  sync: ['block-sync', 'headers-first', 'compact-blocks', 'light-client'],
  'nat-traversal': ['nat', 'stun', 'hole-punching', 'upnp', 'pcp', 'turn'],
  node: ['full-node', 'cli', 'devnet'],
  light: ['light-client', 'spv', 'compact-filters'],
}

function expected(dir, name, pkg) {
  const short = name.replace(/^@chainwire\//, '')
  return {
    repository: { type: 'git', url: `git+${REPO}.git`, directory: dir },
    homepage: `${REPO}/tree/main/${dir}#readme`,
    bugs: { url: `${REPO}/issues` },
    author: 'chainwire contributors',
    keywords: [...new Set([...BASE_KEYWORDS, ...(KEYWORDS[short] ?? []), ...(pkg.keywords ?? [])])],
  }
}

const write = process.argv.includes('--write')
const problems = []
for (const group of ['packages', 'apps']) {
  const base = join(root, group)
  if (!existsSync(base)) continue
  for (const entry of readdirSync(base)) {
    const file = join(base, entry, 'package.json')
    if (!existsSync(file)) continue
    const pkg = JSON.parse(readFileSync(file, 'utf8'))
    if (pkg.private === true) continue
    const dir = `${group}/${entry}`
    const want = expected(dir, pkg.name, pkg)
    let changed = false
    for (const [key, value] of Object.entries(want)) {
      if (JSON.stringify(pkg[key]) !== JSON.stringify(value)) {
        if (write) {
          pkg[key] = value
          changed = true
        } else problems.push(`${dir}/package.json: ${key} missing or not as expected`)
      }
    }
    if (pkg.engines?.node !== '>=20') problems.push(`${dir}/package.json: engines.node must be ">=20"`)
    if (pkg.exports !== undefined && pkg.exports['./package.json'] !== './package.json') {
      if (write) {
        pkg.exports['./package.json'] = './package.json'
        changed = true
      } else problems.push(`${dir}/package.json: exports lacks "./package.json"`)
    }
    if (changed) {
      // Keep the metadata next to the description, in npm's usual order.
      const order = [
        'name',
        'version',
        'description',
        'keywords',
        'homepage',
        'bugs',
        'repository',
        'license',
        'author',
      ]
      const sorted = {}
      for (const k of order) if (k in pkg) sorted[k] = pkg[k]
      for (const [k, v] of Object.entries(pkg)) if (!(k in sorted)) sorted[k] = v
      writeFileSync(file, `${JSON.stringify(sorted, null, 2)}\n`)
      console.log(`updated ${dir}/package.json`)
    }
  }
}
if (problems.length > 0) {
  console.error(`${problems.join('\n')}\nrun: node tooling/scripts/package-metadata.mjs --write`)
  process.exit(1)
}
