/**
 * The node's HTTP server (node:http): the JSON API under `/api/`, the live event stream
 * (`/api/events`, server-sent events), `/metrics` for Prometheus and the dashboard at `/`. Bound to 127.0.0.1
 * by default. Admin routes need the token of the data dir's cookie file. Bad requests get a 4xx and a JSON
 * error; nothing a client sends can crash the node.
 */
import { timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { DASHBOARD_HTML } from '../dashboard/page'
import { NodeError } from '../errors'
import type { ChainwireNode } from '../node'
import { OPENAPI } from './openapi'
import { HttpError, matchPath, ROUTES } from './routes'

/** Largest request body accepted, bytes. */
export const MAX_BODY_BYTES = 1_048_576

/** The API server of a node. */
export class ApiServer {
  private server: Server | undefined
  private readonly streams = new Set<ServerResponse>()
  private url_: string | undefined

  constructor(
    private readonly node: ChainwireNode,
    private readonly token: string,
    private readonly maxStreams: number,
  ) {}

  /** The base URL once listening (`http://127.0.0.1:40123`). */
  get url(): string {
    if (this.url_ === undefined) throw new NodeError('ERR_API', 'the API is not listening')
    return this.url_
  }

  async listen(host: string, port: number): Promise<string> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err) => this.fail(res, err))
    })
    server.headersTimeout = 10_000
    server.requestTimeout = 30_000
    server.maxHeadersCount = 100
    this.server = server
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, host, () => {
        server.off('error', reject)
        resolve()
      })
    })
    const addr = server.address() as AddressInfo
    const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address
    this.url_ = `http://${shown}:${addr.port}`
    return this.url_
  }

  async close(): Promise<void> {
    for (const res of this.streams) res.end()
    this.streams.clear()
    const server = this.server
    this.server = undefined
    if (server === undefined) return
    await new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    })
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const path = url.pathname
    const method = req.method ?? 'GET'
    if (method === 'GET' && (path === '/' || path === '/index.html'))
      return this.send(res, 200, DASHBOARD_HTML, 'text/html; charset=utf-8')
    if (method === 'GET' && path === '/metrics') {
      return this.send(res, 200, await this.node.metrics.scrape(), this.node.metrics.contentType)
    }
    if (method === 'GET' && path === '/api/openapi.json') return this.json(res, 200, OPENAPI)
    if (method === 'GET' && path === '/api/events') return this.stream(req, res, url)
    let allowed = false
    for (const route of ROUTES) {
      const params = matchPath(route.path, path)
      if (params === undefined) continue
      allowed = true
      if (route.method !== method) continue
      if (route.admin && !this.authorised(req))
        throw new HttpError(401, 'ERR_UNAUTHORISED', 'the admin token is missing or wrong')
      const body = method === 'POST' ? await readBody(req) : undefined
      return this.json(res, 200, await route.handler(this.node, { params, query: url.searchParams, body }))
    }
    if (allowed) throw new HttpError(405, 'ERR_METHOD_NOT_ALLOWED', `${method} is not allowed on ${path}`)
    throw new HttpError(404, 'ERR_NOT_FOUND', `no route ${path}`)
  }

  /** `Authorization: Bearer <token>` or Basic `__cookie__:<token>`, as bitcoind's cookie. */
  private authorised(req: IncomingMessage): boolean {
    const header = req.headers.authorization ?? ''
    let given = ''
    if (header.startsWith('Bearer ')) given = header.slice(7).trim()
    else if (header.startsWith('Basic ')) {
      const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8')
      if (decoded.startsWith('__cookie__:')) given = decoded.slice(11)
    }
    const a = Buffer.from(given)
    const b = Buffer.from(this.token)
    return a.length === b.length && timingSafeEqual(a, b)
  }

  private stream(req: IncomingMessage, res: ServerResponse, url: URL): void {
    if (this.streams.size >= this.maxStreams)
      throw new HttpError(503, 'ERR_TOO_MANY_STREAMS', 'too many event streams')
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    })
    const last = Number(req.headers['last-event-id'] ?? url.searchParams.get('since') ?? 0)
    const write = (e: { seq: number; type: string }) => {
      // a client that does not read is dropped rather than buffered without bound
      if (res.writableLength > 1_048_576) return res.destroy()
      res.write(`id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`)
    }
    for (const e of this.node.events.since(Number.isSafeInteger(last) ? last : 0)) write(e)
    this.node.events.on('event', write)
    this.streams.add(res)
    const done = () => {
      this.node.events.off('event', write)
      this.streams.delete(res)
    }
    res.on('close', done)
  }

  private json(res: ServerResponse, status: number, value: unknown): void {
    this.send(res, status, JSON.stringify(value), 'application/json; charset=utf-8')
  }

  private send(res: ServerResponse, status: number, body: string, type: string): void {
    res.writeHead(status, {
      'content-type': type,
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
    })
    res.end(body)
  }

  private fail(res: ServerResponse, err: unknown): void {
    if (res.headersSent) return void res.destroy()
    const known = err instanceof HttpError
    if (!known) this.node.logger.error({ err, component: 'api' }, 'API handler failed')
    const status = known ? err.status : 500
    const code = known ? err.code : 'ERR_INTERNAL'
    const message = known ? err.message : 'internal error'
    this.json(res, status, { error: { code, message } })
  }
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const type = req.headers['content-type'] ?? ''
  if (!type.startsWith('application/json'))
    throw new HttpError(415, 'ERR_CONTENT_TYPE', 'send application/json')
  const declared = Number(req.headers['content-length'] ?? 0)
  if (declared > MAX_BODY_BYTES)
    throw new HttpError(413, 'ERR_BODY_TOO_LARGE', `at most ${MAX_BODY_BYTES} bytes`)
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY_BYTES)
      throw new HttpError(413, 'ERR_BODY_TOO_LARGE', `at most ${MAX_BODY_BYTES} bytes`)
    chunks.push(chunk as Buffer)
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    throw new HttpError(400, 'ERR_BAD_JSON', 'the body is not JSON')
  }
}
