import { createPrivateKey, randomBytes } from 'node:crypto'
import { link, mkdir, open, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { IdentityError } from './errors'
import { createIdentity, type Identity, identityFromPrivateKey } from './identity'

/** Options of {@link loadOrCreateIdentity}. */
export interface LoadIdentityOptions {
  /** Name of the key file inside the data directory. @default 'identity.key' */
  fileName?: string
}

/** Default name of the identity key file inside a node's data directory. */
export const IDENTITY_KEY_FILE = 'identity.key'

/** A PKCS#8 PEM Ed25519 key is 119 bytes; anything far larger is not ours. */
const MAX_KEY_FILE_SIZE = 4096

/**
 * Loads the node identity from `<dataDir>/identity.key`, or creates one there on first start.
 *
 * The key file holds the Ed25519 private key as unencrypted PKCS#8 PEM (readable by `openssl pkey`), created
 * with mode 0600 in a directory created with mode 0700. Creation is atomic (temp file, fsync, hard link), so a
 * crash never leaves a half-written key and two processes racing on one data dir end with the same identity.
 *
 * Like OpenSSH, it refuses a key file that group or others may access (`ERR_KEY_FILE_PERMISSIONS`; fix with
 * `chmod 600`) rather than silently using a key that may have leaked; this check is skipped on Windows, where
 * mode bits mean nothing. A file that is not an Ed25519 private key fails with `ERR_KEY_FILE_CORRUPT` and is
 * never overwritten. Other filesystem failures surface as `ERR_KEY_FILE_IO`.
 */
export async function loadOrCreateIdentity(
  dataDir: string,
  options: LoadIdentityOptions = {},
): Promise<Identity> {
  const fileName = options.fileName ?? IDENTITY_KEY_FILE
  const path = join(dataDir, fileName)
  try {
    await mkdir(dataDir, { recursive: true, mode: 0o700 })
  } catch (err) {
    throw ioError('cannot create the data directory', dataDir, err)
  }
  // Two rounds cover losing a creation race to another process: the second read finds its key.
  for (let round = 0; round < 2; round++) {
    const loaded = await readKeyFile(path)
    if (loaded !== undefined) return loaded
    const created = await createKeyFile(dataDir, fileName, path)
    if (created !== undefined) return created
  }
  throw new IdentityError('ERR_KEY_FILE_IO', 'the identity key file keeps appearing and disappearing', {
    path,
  })
}

/** Reads and validates an existing key file; undefined when there is none. */
async function readKeyFile(path: string): Promise<Identity | undefined> {
  let handle: Awaited<ReturnType<typeof open>>
  try {
    handle = await open(path, 'r')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw ioError('cannot open the identity key file', path, err)
  }
  let text: string
  try {
    const stat = await handle.stat()
    if (!stat.isFile()) {
      throw new IdentityError('ERR_KEY_FILE_CORRUPT', 'the identity key path is not a regular file', { path })
    }
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
      throw new IdentityError(
        'ERR_KEY_FILE_PERMISSIONS',
        `the identity key file is accessible by group or others (mode ${(stat.mode & 0o777).toString(8)}); run chmod 600`,
        { path, mode: stat.mode & 0o777 },
      )
    }
    if (stat.size > MAX_KEY_FILE_SIZE) {
      throw new IdentityError('ERR_KEY_FILE_CORRUPT', 'the identity key file is too large', {
        path,
        size: stat.size,
      })
    }
    text = await handle.readFile('utf8')
  } catch (err) {
    if (IdentityError.isInstance(err)) throw err
    throw ioError('cannot read the identity key file', path, err)
  } finally {
    await handle.close().catch(() => {})
  }
  try {
    return identityFromPrivateKey(createPrivateKey({ key: text, format: 'pem' }))
  } catch (err) {
    throw new IdentityError(
      'ERR_KEY_FILE_CORRUPT',
      'the identity key file does not hold an Ed25519 private key',
      { path },
      { cause: err },
    )
  }
}

/** Writes a fresh identity atomically; undefined when another process created the file first. */
async function createKeyFile(dir: string, fileName: string, path: string): Promise<Identity | undefined> {
  const identity = createIdentity()
  const pem = identity.privateKey.export({ format: 'pem', type: 'pkcs8' })
  const tmp = join(dir, `.${fileName}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`)
  try {
    const handle = await open(tmp, 'wx', 0o600)
    try {
      await handle.writeFile(pem)
      await handle.sync()
    } finally {
      await handle.close()
    }
    try {
      await link(tmp, path)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return undefined
      throw err
    }
  } catch (err) {
    throw ioError('cannot write the identity key file', path, err)
  } finally {
    await unlink(tmp).catch(() => {})
  }
  await syncDir(dir)
  return identity
}

/** Makes the new directory entry durable; best effort (some platforms cannot fsync a directory). */
async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r')
    try {
      await handle.sync()
    } finally {
      await handle.close()
    }
  } catch {
    // Not supported everywhere (Windows); the key file itself is already synced.
  }
}

function ioError(message: string, path: string, cause: unknown): IdentityError {
  return new IdentityError(
    'ERR_KEY_FILE_IO',
    message,
    { path, errno: (cause as NodeJS.ErrnoException)?.code },
    { cause },
  )
}
