/**
 * The web dashboard the node serves at `/`: one page, no build step and no library. It reads the JSON API and
 * refreshes on every event of `/api/events`; charts are hand-made SVG.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>chainwire-node</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px system-ui,sans-serif;margin:0;background:#0f1419;color:#d8dee9}
header{padding:12px 20px;background:#1b2129;display:flex;gap:24px;align-items:baseline;flex-wrap:wrap}
h1{font-size:18px;margin:0}h2{font-size:15px;margin:0 0 8px}
main{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:16px;padding:16px}
section{background:#1b2129;border-radius:6px;padding:12px;overflow:auto}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:3px 6px;border-bottom:1px solid #2b3440;white-space:nowrap}
.mono{font-family:ui-monospace,monospace;font-size:12px}.dim{color:#8a96a3}.ok{color:#a3be8c}.warn{color:#ebcb8b}.bad{color:#bf616a}
details pre{white-space:pre;font-size:11px;margin:4px 0}
.bar{height:10px;background:#2b3440;border-radius:3px;overflow:hidden}.bar>div{height:100%;background:#88c0d0}
</style></head><body>
<header><h1>chainwire-node</h1><span id="summary" class="mono">loading…</span><span id="live" class="dim">connecting…</span></header>
<main>
<section><h2>Chain</h2><div id="chain"></div><table id="blocks"><thead><tr><th>height</th><th>hash</th><th>txs</th><th>time</th><th>final</th></tr></thead><tbody></tbody></table><div id="reorgs" class="dim"></div></section>
<section><h2>Peers <span id="peer-count" class="dim"></span></h2><table id="peers"><thead><tr><th>peer</th><th>dir</th><th>kind</th><th>latency</th><th>score</th></tr></thead><tbody></tbody></table></section>
<section><h2>Propagation: block arrival delay</h2><svg id="hist" width="400" height="160" role="img" aria-label="block arrival delay histogram"></svg><div id="prop" class="dim"></div></section>
<section><h2>Sync</h2><div id="sync"></div><div class="bar"><div id="sync-bar" style="width:0"></div></div></section>
<section><h2>Mempool</h2><div id="mempool"></div></section>
<section><h2>NAT / reachability</h2><div id="nat"></div></section>
<section><h2>Events</h2><table id="events" class="mono"><tbody></tbody></table></section>
</main>
<script>
const $ = (id) => document.getElementById(id)
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c])
const short = (h) => h.slice(0, 12) + '…'
const get = (p) => fetch(p).then((r) => r.json())
const reorgs = []
async function refresh() {
  const [status, peers, blocks, mempool, sync, nat, prop] = await Promise.all([
    get('/api/status'), get('/api/peers'), get('/api/blocks?limit=12'), get('/api/mempool?limit=20'),
    get('/api/sync'), get('/api/nat'), get('/api/propagation'),
  ])
  $('summary').textContent = status.networkId + ' · ' + short(status.peerId) + ' · height ' + status.height + ' · ' + status.peers + ' peers · ' + status.sync
  $('summary').dataset.height = status.height
  $('chain').innerHTML = 'tip <span class="mono" id="tip-height">' + status.height + '</span> <span class="mono dim">' + short(status.tip) + '</span> · headers ' + status.headerHeight +
    ' · finalized ' + (status.finalized ? status.finalized.height : 'none')
  $('blocks').tBodies[0].innerHTML = blocks.map((b) => '<tr><td>' + b.height + '</td><td class="mono">' + short(b.hash) + '</td><td>' + b.transactions +
    '</td><td class="dim">' + new Date(b.timestamp).toLocaleTimeString() + '</td><td>' + (b.final ? '<span class="ok">final</span>' : '') + '</td></tr>').join('')
  $('reorgs').textContent = reorgs.length === 0 ? 'no reorgs seen' : reorgs.slice(-5).map((r) => 'reorg depth ' + r.depth + ' at ' + r.forkHeight).join(' · ')
  $('peer-count').textContent = '(' + peers.length + ')'
  $('peers').tBodies[0].innerHTML = peers.map((p) => '<tr class="peer-row" data-peer="' + esc(p.peerId) + '"><td class="mono"><details><summary>' + short(p.peerId) + '</summary><pre>' + esc(p.explainText) +
    '</pre></details></td><td>' + p.direction + '</td><td>' + p.kind + '</td><td>' + (p.latencyMs === null ? '–' : p.latencyMs.toFixed(1) + ' ms') +
    '</td><td class="' + (p.score < 0 ? 'bad' : p.score >= 75 ? 'ok' : '') + '">' + p.score.toFixed(2) + ' ' + p.state + '</td></tr>').join('')
  histogram(prop.arrivalDelaysMs)
  const pr = sync.progress
  $('sync').innerHTML = 'state <b>' + sync.state + '</b> · blocks ' + pr.blocksDone + '/' + pr.blocksTotal + ' · headers ' + pr.headersDone + '/' + pr.headersTotal +
    ' · ' + pr.blocksPerSecond.toFixed(1) + ' blocks/s' + (sync.partitionSuspected ? ' · <span class="warn">partition suspected</span>' : '')
  $('sync-bar').style.width = (pr.blocksTotal === 0 ? 100 : (100 * pr.blocksDone) / pr.blocksTotal) + '%'
  $('mempool').innerHTML = mempool.count + ' transactions, ' + mempool.bytes + ' bytes<div class="mono dim">' + mempool.transactions.map(short).join('<br>') + '</div>'
  $('nat').innerHTML = 'reachability <b>' + nat.status + '</b><br>direct: ' + (nat.addresses.direct.join(', ') || 'none confirmed') +
    '<br>relayed: ' + (nat.addresses.relayed.length || 'none') + '<br>listening: <span class="mono">' + status.listen.join(' ') + '</span>'
}
function histogram(delays) {
  const edges = [0, 50, 100, 250, 500, 1000, 2500, 5000, 10000, Infinity]
  const counts = edges.slice(0, -1).map((lo, i) => delays.filter((d) => d >= lo && d < edges[i + 1]).length)
  const max = Math.max(1, ...counts), w = 400 / counts.length
  $('hist').innerHTML = counts.map((c, i) => '<rect x="' + (i * w + 2) + '" y="' + (130 - (120 * c) / max) + '" width="' + (w - 4) + '" height="' + ((120 * c) / max) +
    '" fill="#88c0d0"><title>' + c + ' blocks</title></rect><text x="' + (i * w + w / 2) + '" y="148" fill="#8a96a3" font-size="10" text-anchor="middle">' +
    (edges[i + 1] === Infinity ? '≥' + edges[i] : '<' + edges[i + 1]) + '</text>').join('')
  const sorted = [...delays].sort((a, b) => a - b), q = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]
  $('prop').textContent = sorted.length === 0 ? 'no blocks from peers yet' : sorted.length + ' blocks · p50 ' + q(0.5) + ' ms · p95 ' + q(0.95) + ' ms'
}
let pending = false
function soon() { if (!pending) { pending = true; setTimeout(() => { pending = false; refresh().catch(() => {}) }, 200) } }
const events = new EventSource('/api/events')
events.onopen = () => { $('live').textContent = 'live'; $('live').className = 'ok' }
events.onerror = () => { $('live').textContent = 'reconnecting…'; $('live').className = 'warn' }
for (const type of ['peer:connected', 'peer:disconnected', 'peer:banned', 'block', 'reorg', 'finalized', 'tx', 'sync:state', 'partition', 'reachability', 'mined']) {
  events.addEventListener(type, (m) => {
    const e = JSON.parse(m.data)
    if (type === 'reorg') reorgs.push(e.data)
    const row = $('events').tBodies[0].insertRow(0)
    row.innerHTML = '<td class="dim">' + new Date(e.at).toLocaleTimeString() + '</td><td>' + type + '</td><td>' + esc(JSON.stringify(e.data).slice(0, 90)) + '</td>'
    while ($('events').tBodies[0].rows.length > 30) $('events').tBodies[0].deleteRow(-1)
    soon()
  })
}
refresh().catch(() => {})
setInterval(() => refresh().catch(() => {}), 5000)
</script></body></html>`
