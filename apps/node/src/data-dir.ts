/**
 * The node's data dir: a format record, a lock file so two nodes never share it, the identity key (mode 0600,
 * kept by @chainwire/network), the chain and the address book (LevelDB each), the wallet key, the API cookie
 * and the ports the running node got.
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { type Identity, loadOrCreateIdentity } from '@chainwire/network'
import { NodeError } from './errors'

/** The data dir format this version writes and reads. */
export const DATA_DIR_VERSION = 1
const FORMAT = 'chainwire-node'

/** File and folder names inside a data dir. */
export const DATA_DIR_FILES = Object.freeze({
  format: 'node.json',
  lock: 'LOCK',
  chain: 'chain',
  peers: 'peers',
  wallet: 'wallet.key',
  cookie: '.cookie',
  ports: 'ports.json',
})

/** `CHAINWIRE_DATA_DIR`, else `~/.chainwire`. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.CHAINWIRE_DATA_DIR ?? join(homedir(), '.chainwire'))
}

/** What a running node writes so tools and tests find it: its addresses, API and pid. */
export interface PortsFile {
  peerId: string
  p2p: string[]
  api: string | undefined
  pid: number
}

/** Writes a file atomically (temp file + rename) with the given mode. */
export function writeFileAtomic(file: string, text: string, mode = 0o644): void {
  const tmp = `${file}.${process.pid}.tmp`
  writeFileSync(tmp, text, { mode })
  renameSync(tmp, file)
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** An open data dir: locked for this process until {@link DataDir.close}. */
export class DataDir {
  readonly path: string
  private locked = false

  private constructor(path: string) {
    this.path = path
  }

  /**
   * Creates the folder if needed, checks the format record (`ERR_DATA_DIR_VERSION` for a newer format,
   * `ERR_DATA_DIR_FOREIGN` for another network's or another program's) and takes the lock
   * (`ERR_DATA_DIR_LOCKED` while another live process holds it; a lock left by a dead process is taken over).
   */
  static open(path: string, networkId: string): DataDir {
    const dir = new DataDir(resolve(path))
    mkdirSync(dir.path, { recursive: true, mode: 0o700 })
    dir.lock()
    try {
      dir.checkFormat(networkId)
    } catch (err) {
      dir.close()
      throw err
    }
    return dir
  }

  /** A path inside the data dir. */
  file(name: keyof typeof DATA_DIR_FILES): string {
    return join(this.path, DATA_DIR_FILES[name])
  }

  /** The node's Ed25519 identity (created on first use, mode 0600). */
  identity(): Promise<Identity> {
    return loadOrCreateIdentity(this.path)
  }

  /** The wallet's 32-byte secret (created on first use, mode 0600). */
  walletSecret(): Uint8Array {
    return readOrCreateSecret(this.file('wallet'))
  }

  /** Writes a fresh API token to the cookie file (mode 0600) and returns it. */
  writeCookie(): string {
    const token = randomBytes(32).toString('hex')
    writeFileAtomic(this.file('cookie'), `__cookie__:${token}\n`, 0o600)
    return token
  }

  /** Writes what the running node got: addresses, API URL, pid. */
  writePorts(ports: PortsFile): void {
    writeFileAtomic(this.file('ports'), `${JSON.stringify(ports, null, 2)}\n`)
  }

  /** Removes the cookie and ports files and releases the lock. Idempotent. */
  close(): void {
    rmSync(this.file('cookie'), { force: true })
    rmSync(this.file('ports'), { force: true })
    if (this.locked) rmSync(this.file('lock'), { force: true })
    this.locked = false
  }

  private lock(): void {
    const file = this.file('lock')
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        writeFileSync(file, `${process.pid}\n`, { flag: 'wx', mode: 0o600 })
        this.locked = true
        return
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      }
      const pid = Number.parseInt(readFileSync(file, 'utf8'), 10)
      if (Number.isSafeInteger(pid) && pid > 0 && processAlive(pid)) {
        throw new NodeError('ERR_DATA_DIR_LOCKED', `data dir ${this.path} is in use by process ${pid}`, {
          path: this.path,
          pid,
        })
      }
      rmSync(file, { force: true }) // left by a process that died
    }
    throw new NodeError('ERR_DATA_DIR_LOCKED', `could not lock ${this.path}`, { path: this.path })
  }

  private checkFormat(networkId: string): void {
    const file = this.file('format')
    let record: { format?: unknown; version?: unknown; networkId?: unknown }
    try {
      record = JSON.parse(readFileSync(file, 'utf8'))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        throw new NodeError('ERR_DATA_DIR_FOREIGN', `${file} is unreadable`, { file }, { cause: err })
      writeFileAtomic(file, `${JSON.stringify({ format: FORMAT, version: DATA_DIR_VERSION, networkId })}\n`)
      return
    }
    if (record.format !== FORMAT)
      throw new NodeError('ERR_DATA_DIR_FOREIGN', `${this.path} is not a chainwire-node data dir`, { file })
    if (typeof record.version !== 'number' || record.version > DATA_DIR_VERSION)
      throw new NodeError('ERR_DATA_DIR_VERSION', `${this.path} was written by a newer chainwire-node`, {
        version: record.version,
        supported: DATA_DIR_VERSION,
      })
    if (record.networkId !== networkId)
      throw new NodeError(
        'ERR_DATA_DIR_FOREIGN',
        `${this.path} belongs to network ${String(record.networkId)}`,
        {
          networkId: record.networkId,
          expected: networkId,
        },
      )
  }
}

/** Reads a hex secret file, or creates one (32 random bytes, mode 0600). */
export function readOrCreateSecret(file: string): Uint8Array {
  try {
    const hex = readFileSync(file, 'utf8').trim()
    if (!/^[0-9a-f]{64}$/.test(hex))
      throw new NodeError('ERR_WALLET', `${file} is not a 32-byte hex secret`, { file })
    return new Uint8Array(Buffer.from(hex, 'hex'))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  const secret = new Uint8Array(randomBytes(32))
  writeFileSync(file, `${Buffer.from(secret).toString('hex')}\n`, { flag: 'wx', mode: 0o600 })
  return secret
}

/** Reads the ports file of a running node in `dataDir`, if any. */
export function readPorts(dataDir: string): PortsFile | undefined {
  try {
    return JSON.parse(readFileSync(join(dataDir, DATA_DIR_FILES.ports), 'utf8')) as PortsFile
  } catch {
    return undefined
  }
}

/** Reads the API token of the node running in `dataDir`, if any. */
export function readCookie(dataDir: string): string | undefined {
  try {
    const text = readFileSync(join(dataDir, DATA_DIR_FILES.cookie), 'utf8').trim()
    return text.startsWith('__cookie__:') ? text.slice('__cookie__:'.length) : undefined
  } catch {
    return undefined
  }
}
