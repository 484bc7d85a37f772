import { PeerStoreError } from '../errors'

/**
 * Deletes the LevelDB database at `path` (only LevelDB's own files, then the directory if it is empty), so
 * the next `open()` starts with an empty store and a new salt. The recovery for `ERR_DB_CORRUPT`,
 * `ERR_DB_FOREIGN` (when the path really is meant for the peer store) and `ERR_DB_VERSION`. The store must
 * be closed.
 */
export async function destroyPeerStore(path: string): Promise<void> {
  const { ClassicLevel } = await import('classic-level')
  try {
    await ClassicLevel.destroy(path)
  } catch (cause) {
    throw new PeerStoreError(
      'ERR_DB_OPEN',
      `could not destroy the peer store at ${path}`,
      { path },
      { cause },
    )
  }
}

/**
 * Runs LevelDB's repair on the database at `path`: it salvages what it can from damaged files. Open the
 * store again afterwards; if that still reports `ERR_DB_CORRUPT`, use {@link destroyPeerStore}. The store must
 * be closed.
 */
export async function repairPeerStore(path: string): Promise<void> {
  const { ClassicLevel } = await import('classic-level')
  try {
    await ClassicLevel.repair(path)
  } catch (cause) {
    throw new PeerStoreError('ERR_DB_OPEN', `could not repair the peer store at ${path}`, { path }, { cause })
  }
}
