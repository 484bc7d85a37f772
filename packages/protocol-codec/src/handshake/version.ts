/**
 * The protocol version this package speaks, sent in `hello.version`. It changes when the catalog changes
 * incompatibly (a new required field, a changed wire shape); adding message types or capabilities does not.
 */
export const PROTOCOL_VERSION = 1

/** The oldest protocol version this package still talks to. */
export const MIN_PROTOCOL_VERSION = 1

/**
 * True when a peer announcing `remote` in its hello can be talked to: an integer at least
 * {@link MIN_PROTOCOL_VERSION}. Newer peers are compatible, as in Bitcoin: each side speaks the lower of the
 * two versions ({@link negotiateVersion}), and a peer that no longer supports ours refuses us itself.
 */
export function isCompatibleVersion(remote: number): boolean {
  return Number.isInteger(remote) && remote >= MIN_PROTOCOL_VERSION && remote <= 0xffff_ffff
}

/** The version both sides speak: the lower of ours and `remote`, or `undefined` when incompatible. */
export function negotiateVersion(remote: number): number | undefined {
  return isCompatibleVersion(remote) ? Math.min(PROTOCOL_VERSION, remote) : undefined
}
