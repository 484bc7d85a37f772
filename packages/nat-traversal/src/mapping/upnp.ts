import { request as httpRequest } from 'node:http'
import {
  AbortError,
  type Clock,
  deadline,
  type Logger,
  noopLogger,
  type OptionSpec,
  option,
  parseIp,
  systemClock,
} from '@chainwire/interface'
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { NatError } from '../errors'
import { resolveNatOptions } from '../options'
import { bindUdp } from '../stun/client'

/** Options of {@link UpnpGateway}. */
export interface UpnpOptions {
  /** Where the SSDP M-SEARCH goes: the multicast group, or a gateway's unicast address. @default '239.255.255.250' */
  ssdpAddress?: string
  /** The SSDP port. @default 1900 */
  ssdpPort?: number
  /** How long to wait for an SSDP answer (the M-SEARCH is sent 3 times within it). @default 3_000 */
  searchTimeoutMs?: number
  /** Deadline of each HTTP request (the device description, each SOAP action). @default 5_000 */
  httpTimeoutMs?: number
  /** Largest device description or SOAP response read; a larger one fails (`too_large`). @default 65_536 */
  maxResponseBytes?: number
  /** The device description URL, to skip SSDP (a known gateway). @default '' (discover it) */
  location?: string
}

type Resolved = Required<UpnpOptions>

const spec: OptionSpec<Resolved> = {
  ssdpAddress: option.string('239.255.255.250', { maxLength: 64 }),
  ssdpPort: option.integer(1900, { min: 1, max: 65535 }),
  searchTimeoutMs: option.integer(3_000, { min: 1 }),
  httpTimeoutMs: option.integer(5_000, { min: 1 }),
  maxResponseBytes: option.integer(65_536, { min: 1_024, max: 1_048_576 }),
  location: option.string('', { maxLength: 1_024 }),
}

/** The WAN connection services that map ports, best first. */
const SERVICE_TYPES = [
  'urn:schemas-upnp-org:service:WANIPConnection:2',
  'urn:schemas-upnp-org:service:WANIPConnection:1',
  'urn:schemas-upnp-org:service:WANPPPConnection:1',
] as const
const SEARCH_TARGET = 'urn:schemas-upnp-org:device:InternetGatewayDevice:1'
/** SSDP answers longer than this are not from a gateway (they are a few hundred bytes). */
const MAX_SSDP_BYTES = 2_048

/** The gateway's control endpoint, found by SSDP and the device description. */
export interface UpnpService {
  /** The device description URL (SSDP's LOCATION). */
  readonly location: string
  /** Where SOAP actions are posted. */
  readonly controlUrl: string
  readonly serviceType: string
  /** Our LAN address as the gateway sees it (the local address of the HTTP connection). */
  readonly localAddress: string
}

/** A port mapping request (`AddPortMapping`). */
export interface UpnpMappingRequest {
  readonly protocol: 'tcp' | 'udp'
  readonly externalPort: number
  readonly internalPort: number
  /** Our LAN IP. @default the service's `localAddress` */
  readonly internalClient?: string
  /** The lease in seconds; 0 asks for a permanent mapping. */
  readonly leaseSeconds: number
  readonly description: string
}

function failed(reason: string, message: string, details: Record<string, unknown> = {}, cause?: unknown) {
  return new NatError(
    'ERR_PORT_MAPPING_FAILED',
    `UPnP: ${message}`,
    { protocol: 'upnp', reason, ...details },
    cause === undefined ? undefined : { cause },
  )
}

/**
 * A UPnP Internet Gateway Device client: finds the gateway by SSDP (an M-SEARCH over UDP multicast), reads
 * its device description for the WANIPConnection (or WANPPPConnection) control URL, and calls its SOAP
 * actions `GetExternalIPAddress`, `AddPortMapping` and `DeletePortMapping`. Everything a LAN host sends is
 * bounded: SSDP answers over 2 KB are ignored, a description or SOAP response over `maxResponseBytes` fails,
 * XML with a DOCTYPE is refused, and the description must live on the host that answered the SSDP search
 * (a device cannot send us to another host). Lease renewal and removal at stop are {@link PortMapper}'s.
 */
export class UpnpGateway {
  private readonly options: Resolved
  private readonly clock: Clock
  private readonly log: Logger
  private service: UpnpService | undefined
  private readonly parser = new XMLParser({
    removeNSPrefix: true,
    ignoreAttributes: true,
    parseTagValue: false,
    processEntities: true,
    maxNestedTags: 32,
  })

  constructor(components: { clock?: Clock; logger?: Logger } = {}, options: UpnpOptions = {}) {
    this.options = resolveNatOptions(spec, options)
    this.clock = components.clock ?? systemClock
    this.log = (components.logger ?? noopLogger).child({ component: 'upnp' })
  }

  /** The gateway's service: discovered once (SSDP, then the description), then kept. */
  async discover(options: { signal?: AbortSignal } = {}): Promise<UpnpService> {
    if (this.service !== undefined) return this.service
    const found =
      this.options.location !== '' ? { location: this.options.location, from: undefined } : undefined
    const { location, from } = found ?? (await this.search(options.signal))
    const { body, localAddress } = await this.http('GET', location, undefined, undefined, options.signal)
    const description = this.parseXml(body)
    const service = findService(description)
    if (service === undefined)
      throw failed('no_service', 'the gateway has no WAN connection service', { location })
    const controlUrl = resolveUrl(service.controlURL, stringAt(description, ['root', 'URLBase']) ?? location)
    if (controlUrl === undefined)
      throw failed('malformed', 'the control URL is not an http URL', { location })
    if (from !== undefined && new URL(controlUrl).hostname !== from) {
      throw failed('malformed', 'the control URL points to another host than the gateway', { from })
    }
    this.service = { location, controlUrl, serviceType: service.serviceType, localAddress }
    return this.service
  }

  /** `GetExternalIPAddress`: the gateway's public IP. */
  async externalIp(options: { signal?: AbortSignal } = {}): Promise<string> {
    const out = await this.action('GetExternalIPAddress', {}, options.signal)
    const ip = out.NewExternalIPAddress
    if (ip === undefined || parseIp(ip) === undefined) {
      throw failed('malformed', 'GetExternalIPAddress gave no IP address', { value: ip })
    }
    return ip
  }

  /** `AddPortMapping`; rejects with the gateway's UPnP error (`details.upnpCode`: 718 conflict, 725 lease ...). */
  async addPortMapping(m: UpnpMappingRequest, options: { signal?: AbortSignal } = {}): Promise<void> {
    const service = await this.discover(options)
    await this.action(
      'AddPortMapping',
      {
        NewRemoteHost: '',
        NewExternalPort: String(m.externalPort),
        NewProtocol: m.protocol.toUpperCase(),
        NewInternalPort: String(m.internalPort),
        NewInternalClient: m.internalClient ?? service.localAddress,
        NewEnabled: '1',
        NewPortMappingDescription: m.description,
        NewLeaseDuration: String(m.leaseSeconds),
      },
      options.signal,
    )
  }

  /** `DeletePortMapping`. */
  async deletePortMapping(
    m: { protocol: 'tcp' | 'udp'; externalPort: number },
    options: { signal?: AbortSignal } = {},
  ): Promise<void> {
    await this.action(
      'DeletePortMapping',
      { NewRemoteHost: '', NewExternalPort: String(m.externalPort), NewProtocol: m.protocol.toUpperCase() },
      options.signal,
    )
  }

  /** Posts a SOAP action and returns the fields of its response. */
  private async action(
    name: string,
    args: Record<string, string>,
    signal: AbortSignal | undefined,
  ): Promise<Record<string, string>> {
    const service = await this.discover({ signal })
    const body = soapEnvelope(service.serviceType, name, args)
    const res = await this.http(
      'POST',
      service.controlUrl,
      body,
      {
        'content-type': 'text/xml; charset="utf-8"',
        soapaction: `"${service.serviceType}#${name}"`,
      },
      signal,
      true,
    )
    const doc = this.parseXml(res.body)
    const envelopeBody = objectAt(doc, ['Envelope', 'Body'])
    if (envelopeBody === undefined) throw failed('malformed', `${name}: no SOAP body`)
    if (res.status !== 200) {
      const error = objectAt(envelopeBody, ['Fault', 'detail', 'UPnPError'])
      const code = Number(error?.errorCode)
      throw failed('upnp_error', `${name} failed: ${String(error?.errorDescription ?? res.status)}`, {
        status: res.status,
        ...(Number.isInteger(code) ? { upnpCode: code } : {}),
      })
    }
    // An action without out-arguments answers an empty element, which the parser reads as ''.
    const out = envelopeBody[`${name}Response`]
    if (out === '') return {}
    if (typeof out !== 'object' || out === null || Array.isArray(out))
      throw failed('malformed', `${name}: no ${name}Response`)
    const fields: Record<string, string> = {}
    for (const [k, v] of Object.entries(out)) if (typeof v === 'string') fields[k] = v
    return fields
  }

  /** Sends an M-SEARCH (3 times within the search timeout) and resolves with the first gateway's LOCATION. */
  private async search(signal: AbortSignal | undefined): Promise<{ location: string; from: string }> {
    const socket = await bindUdp(0, '0.0.0.0')
    const timer = deadline(this.clock, this.options.searchTimeoutMs, signal, 'SSDP search')
    const message = Buffer.from(
      [
        'M-SEARCH * HTTP/1.1',
        `HOST: 239.255.255.250:1900`,
        'MAN: "ssdp:discover"',
        'MX: 2',
        `ST: ${SEARCH_TARGET}`,
        '',
        '',
      ].join('\r\n'),
    )
    try {
      return await new Promise((resolve, reject) => {
        const sends: ReturnType<Clock['setTimeout']>[] = []
        const done = (err: unknown, value?: { location: string; from: string }): void => {
          for (const t of sends) this.clock.clearTimeout(t)
          socket.removeListener('message', onMessage)
          timer.signal.removeEventListener('abort', onAbort)
          if (err !== undefined) reject(err)
          else resolve(value as { location: string; from: string })
        }
        const onMessage = (data: Buffer, rinfo: { address: string }): void => {
          if (data.length > MAX_SSDP_BYTES) return
          const location = ssdpLocation(data.toString('latin1'))
          if (location === undefined) return
          const url = resolveUrl(location, undefined)
          // The description must live on the host that answered: no pointing us at a third party.
          if (url === undefined || new URL(url).hostname !== rinfo.address) {
            this.log.debug({ from: rinfo.address, location }, 'SSDP answer ignored')
            return
          }
          done(undefined, { location: url, from: rinfo.address })
        }
        const onAbort = (): void =>
          done(
            signal?.aborted === true
              ? new AbortError('the SSDP search was aborted', { cause: signal.reason })
              : failed('no_gateway', 'no Internet Gateway Device answered the SSDP search'),
          )
        socket.on('message', onMessage)
        timer.signal.addEventListener('abort', onAbort, { once: true })
        const send = (): void => {
          socket.send(message, this.options.ssdpPort, this.options.ssdpAddress, () => {})
        }
        send()
        const third = Math.max(1, Math.floor(this.options.searchTimeoutMs / 3))
        sends.push(this.clock.setTimeout(send, third), this.clock.setTimeout(send, 2 * third))
      })
    } finally {
      timer.clear()
      socket.close()
    }
  }

  /** One bounded HTTP request; resolves with the status, the body and our local address. */
  private http(
    method: 'GET' | 'POST',
    url: string,
    body: string | undefined,
    headers: Record<string, string> | undefined,
    signal: AbortSignal | undefined,
    acceptError = false,
  ): Promise<{ status: number; body: string; localAddress: string }> {
    const timer = deadline(this.clock, this.options.httpTimeoutMs, signal, `UPnP ${method}`)
    const max = this.options.maxResponseBytes
    return new Promise<{ status: number; body: string; localAddress: string }>((resolve, reject) => {
      const req = httpRequest(url, {
        method,
        signal: timer.signal,
        headers: { ...headers, ...(body === undefined ? {} : { 'content-length': Buffer.byteLength(body) }) },
      })
      req.on('error', (err) => {
        reject(
          timer.signal.aborted && signal?.aborted !== true
            ? failed('timeout', `no answer from ${url}`, {}, err)
            : signal?.aborted === true
              ? new AbortError('the UPnP request was aborted', { cause: err })
              : NatError.isInstance(err)
                ? err
                : failed('http_error', `request to ${url} failed`, {}, err),
        )
      })
      req.on('response', (res) => {
        const status = res.statusCode ?? 0
        if (status !== 200 && !(acceptError && status === 500)) {
          res.resume()
          req.destroy(failed('http_status', `${url} answered ${status}`, { status }))
          return
        }
        const declared = Number(res.headers['content-length'])
        if (Number.isFinite(declared) && declared > max) {
          req.destroy(failed('too_large', `a response of ${declared} bytes`, { limit: max }))
          return
        }
        const chunks: Buffer[] = []
        let size = 0
        res.on('data', (chunk: Buffer) => {
          size += chunk.length
          if (size > max) {
            req.destroy(failed('too_large', `a response over ${max} bytes`, { limit: max }))
            return
          }
          chunks.push(chunk)
        })
        res.on('end', () =>
          resolve({
            status,
            body: Buffer.concat(chunks).toString('utf8'),
            localAddress: req.socket?.localAddress ?? '',
          }),
        )
        res.on('error', () => {})
      })
      req.end(body)
    }).finally(() => timer.clear())
  }

  /** Parses a bounded XML document; anything malformed, or with a DOCTYPE (entity tricks), fails. */
  private parseXml(text: string): Record<string, unknown> {
    if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw failed('malformed', 'XML with a DOCTYPE is refused')
    if (XMLValidator.validate(text) !== true) throw failed('malformed', 'the XML is not well formed')
    try {
      return this.parser.parse(text) as Record<string, unknown>
    } catch (err) {
      throw failed('malformed', 'the XML could not be read', {}, err)
    }
  }
}

/** The LOCATION header of an SSDP answer (`HTTP/1.1 200 OK` or a NOTIFY), if it is one from a gateway. */
export function ssdpLocation(text: string): string | undefined {
  const lines = text.split('\r\n')
  if (!/^HTTP\/1\.[01] 200/.test(lines[0] ?? '')) return undefined
  let location: string | undefined
  let target = ''
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':')
    if (i <= 0) continue
    const key = line.slice(0, i).trim().toLowerCase()
    const value = line.slice(i + 1).trim()
    if (key === 'location') location = value
    else if (key === 'st') target = value
  }
  if (!target.includes('InternetGatewayDevice') && !target.includes('WANIPConnection')) return undefined
  return location
}

/** An absolute `http:` URL from `value` (relative to `base`), or undefined. */
function resolveUrl(value: string | undefined, base: string | undefined): string | undefined {
  if (value === undefined || value.length > 1_024) return undefined
  try {
    const url = base === undefined ? new URL(value) : new URL(value, base)
    return url.protocol === 'http:' ? url.toString() : undefined
  } catch {
    return undefined
  }
}

function objectAt(doc: unknown, path: readonly string[]): Record<string, unknown> | undefined {
  let at: unknown = doc
  for (const key of path) {
    if (typeof at !== 'object' || at === null || Array.isArray(at)) return undefined
    at = (at as Record<string, unknown>)[key]
  }
  return typeof at === 'object' && at !== null && !Array.isArray(at)
    ? (at as Record<string, unknown>)
    : undefined
}

function stringAt(doc: unknown, path: readonly string[]): string | undefined {
  const parent = objectAt(doc, path.slice(0, -1))
  const v = parent?.[path[path.length - 1] as string]
  return typeof v === 'string' ? v : undefined
}

/** The best WAN connection service of a device description (searched through nested devices). */
function findService(doc: Record<string, unknown>): { serviceType: string; controlURL: string } | undefined {
  const found: { serviceType: string; controlURL: string }[] = []
  const visit = (device: unknown): void => {
    if (typeof device !== 'object' || device === null) return
    for (const d of Array.isArray(device) ? device : [device]) {
      const services = objectAt(d, ['serviceList'])?.service
      for (const s of Array.isArray(services) ? services : [services]) {
        const type = (s as Record<string, unknown> | undefined)?.serviceType
        const control = (s as Record<string, unknown> | undefined)?.controlURL
        if (typeof type === 'string' && typeof control === 'string')
          found.push({ serviceType: type, controlURL: control })
      }
      visit(objectAt(d, ['deviceList'])?.device)
    }
  }
  visit(objectAt(doc, ['root', 'device']))
  for (const type of SERVICE_TYPES) {
    const s = found.find((f) => f.serviceType === type)
    if (s !== undefined) return s
  }
  return undefined
}

function xmlEscape(s: string): string {
  return s.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] as string,
  )
}

/** The SOAP 1.1 envelope of a UPnP action. */
export function soapEnvelope(serviceType: string, action: string, args: Record<string, string>): string {
  const fields = Object.entries(args)
    .map(([k, v]) => `<${k}>${xmlEscape(v)}</${k}>`)
    .join('')
  return (
    '<?xml version="1.0"?>' +
    '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" ' +
    's:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body>' +
    `<u:${action} xmlns:u="${xmlEscape(serviceType)}">${fields}</u:${action}>` +
    '</s:Body></s:Envelope>'
  )
}
