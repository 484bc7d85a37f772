import { searchNonce } from './search'

/** A job for the mining worker. */
export interface MineJob {
  id: number
  header: Uint8Array
  target: Uint8Array
  start: number
  count: number
  /** Int32 flag: non-zero asks the worker to stop. */
  stop: SharedArrayBuffer
}

/** The worker's answer: the nonce (or -1 none in range, -2 stopped) and the hashes tried. */
export interface MineResult {
  id: number
  nonce: number
  hashes: number
}

/* The worker's main function. Self-contained like `searchNonce`: it runs from its source text. */
function workerMain(req: (id: string) => unknown, search: typeof searchNonce): void {
  const { parentPort } = req('node:worker_threads') as {
    parentPort: { on(e: 'message', f: (job: MineJob) => void): void; postMessage(m: MineResult): void }
  }
  type Hash = { update(d: Uint8Array): Hash; digest(): Uint8Array }
  const crypto = req('node:crypto') as {
    hash?: (alg: string, d: Uint8Array, enc: 'buffer') => Uint8Array
    createHash(alg: string): Hash
  }
  const one = crypto.hash
  const sha256d =
    one !== undefined
      ? (d: Uint8Array) => one('sha256', one('sha256', d, 'buffer'), 'buffer')
      : (d: Uint8Array) =>
          crypto.createHash('sha256').update(crypto.createHash('sha256').update(d).digest()).digest()
  parentPort.on('message', (job) => {
    const stop = new Int32Array(job.stop)
    const nonce = search(job.header, job.target, job.start, job.count, sha256d, stop)
    const hashes = nonce === -1 ? job.count : nonce === -2 ? 0 : nonce - job.start + 1
    parentPort.postMessage({ id: job.id, nonce, hashes })
  })
}

/** Source text of the mining worker (`new Worker(source, { eval: true })`). */
export const MINER_WORKER_SOURCE = `(${workerMain.toString()})(require, (${searchNonce.toString()}))`
