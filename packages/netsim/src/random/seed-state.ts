import { createHash } from 'node:crypto'

/**
 * The 128-bit xoshiro128** state (`Xoshiro128` of `@chainwire/interface`) for a seed and a stream label: the
 * first 16 bytes of SHA-256(`seed` NUL `label`). Labels give independent streams (identities, links, workload,
 * faults), so drawing more in one never shifts another. This seeding is part of netsim's determinism
 * contract: the same scenario and seed give the same report, byte for byte.
 */
export function seedState(seed: number | string, label: string): [number, number, number, number] {
  const digest = createHash('sha256')
    .update(`${String(seed)}\u0000${label}`)
    .digest()
  return [digest.readUInt32LE(0), digest.readUInt32LE(4), digest.readUInt32LE(8), digest.readUInt32LE(12)]
}
