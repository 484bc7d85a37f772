/**
 * SipHash-2-4 (Aumasson and Bernstein), the keyed pseudo-random function made for exactly this job: hash
 * tables whose inputs an attacker chooses. Each 64-bit lane is a pair of 32-bit halves in local variables.
 */
export function sipHash24(key: Uint8Array, data: Uint8Array): { hi: number; lo: number } {
  const k0l = readU32(key, 0)
  const k0h = readU32(key, 4)
  const k1l = readU32(key, 8)
  const k1h = readU32(key, 12)
  // v0..v3 = k ^ "somepseudorandomlygeneratedbytes"
  let v0l = (k0l ^ 0x70736575) >>> 0
  let v0h = (k0h ^ 0x736f6d65) >>> 0
  let v1l = (k1l ^ 0x6e646f6d) >>> 0
  let v1h = (k1h ^ 0x646f7261) >>> 0
  let v2l = (k0l ^ 0x6e657261) >>> 0
  let v2h = (k0h ^ 0x6c796765) >>> 0
  let v3l = (k1l ^ 0x79746573) >>> 0
  let v3h = (k1h ^ 0x74656462) >>> 0
  const len = data.length
  const blocks = Math.floor(len / 8) + 1 // the last block carries the tail and the length
  for (let b = 0; b < blocks; b++) {
    let ml: number
    let mh: number
    const i = b * 8
    if (b < blocks - 1) {
      ml = readU32(data, i)
      mh = readU32(data, i + 4)
    } else {
      ml = 0
      mh = (len & 0xff) << 24
      for (let j = i; j < len; j++) {
        const shift = (j - i) * 8
        if (shift < 32) ml |= (data[j] as number) << shift
        else mh |= (data[j] as number) << (shift - 32)
      }
      ml >>>= 0
      mh >>>= 0
    }
    v3l = (v3l ^ ml) >>> 0
    v3h = (v3h ^ mh) >>> 0
    for (let r = 0; r < 2; r++) {
      let t: number
      // v0 += v1; v1 = rotl(v1, 13) ^ v0; v0 = rotl(v0, 32)
      t = (v0l + v1l) >>> 0
      v0h = (v0h + v1h + (t < v0l ? 1 : 0)) >>> 0
      v0l = t
      t = ((v1l << 13) | (v1h >>> 19)) >>> 0
      v1h = (((v1h << 13) | (v1l >>> 19)) ^ v0h) >>> 0
      v1l = (t ^ v0l) >>> 0
      t = v0l
      v0l = v0h
      v0h = t
      // v2 += v3; v3 = rotl(v3, 16) ^ v2
      t = (v2l + v3l) >>> 0
      v2h = (v2h + v3h + (t < v2l ? 1 : 0)) >>> 0
      v2l = t
      t = ((v3l << 16) | (v3h >>> 16)) >>> 0
      v3h = (((v3h << 16) | (v3l >>> 16)) ^ v2h) >>> 0
      v3l = (t ^ v2l) >>> 0
      // v0 += v3; v3 = rotl(v3, 21) ^ v0
      t = (v0l + v3l) >>> 0
      v0h = (v0h + v3h + (t < v0l ? 1 : 0)) >>> 0
      v0l = t
      t = ((v3l << 21) | (v3h >>> 11)) >>> 0
      v3h = (((v3h << 21) | (v3l >>> 11)) ^ v0h) >>> 0
      v3l = (t ^ v0l) >>> 0
      // v2 += v1; v1 = rotl(v1, 17) ^ v2; v2 = rotl(v2, 32)
      t = (v2l + v1l) >>> 0
      v2h = (v2h + v1h + (t < v2l ? 1 : 0)) >>> 0
      v2l = t
      t = ((v1l << 17) | (v1h >>> 15)) >>> 0
      v1h = (((v1h << 17) | (v1l >>> 15)) ^ v2h) >>> 0
      v1l = (t ^ v2l) >>> 0
      t = v2l
      v2l = v2h
      v2h = t
    }
    v0l = (v0l ^ ml) >>> 0
    v0h = (v0h ^ mh) >>> 0
  }
  v2l = (v2l ^ 0xff) >>> 0
  for (let r = 0; r < 4; r++) {
    let t: number
    t = (v0l + v1l) >>> 0
    v0h = (v0h + v1h + (t < v0l ? 1 : 0)) >>> 0
    v0l = t
    t = ((v1l << 13) | (v1h >>> 19)) >>> 0
    v1h = (((v1h << 13) | (v1l >>> 19)) ^ v0h) >>> 0
    v1l = (t ^ v0l) >>> 0
    t = v0l
    v0l = v0h
    v0h = t
    t = (v2l + v3l) >>> 0
    v2h = (v2h + v3h + (t < v2l ? 1 : 0)) >>> 0
    v2l = t
    t = ((v3l << 16) | (v3h >>> 16)) >>> 0
    v3h = (((v3h << 16) | (v3l >>> 16)) ^ v2h) >>> 0
    v3l = (t ^ v2l) >>> 0
    t = (v0l + v3l) >>> 0
    v0h = (v0h + v3h + (t < v0l ? 1 : 0)) >>> 0
    v0l = t
    t = ((v3l << 21) | (v3h >>> 11)) >>> 0
    v3h = (((v3h << 21) | (v3l >>> 11)) ^ v0h) >>> 0
    v3l = (t ^ v0l) >>> 0
    t = (v2l + v1l) >>> 0
    v2h = (v2h + v1h + (t < v2l ? 1 : 0)) >>> 0
    v2l = t
    t = ((v1l << 17) | (v1h >>> 15)) >>> 0
    v1h = (((v1h << 17) | (v1l >>> 15)) ^ v2h) >>> 0
    v1l = (t ^ v2l) >>> 0
    t = v2l
    v2l = v2h
    v2h = t
  }
  return { hi: (v0h ^ v1h ^ v2h ^ v3h) >>> 0, lo: (v0l ^ v1l ^ v2l ^ v3l) >>> 0 }
}

function readU32(b: Uint8Array, i: number): number {
  return (
    ((b[i] as number) |
      ((b[i + 1] as number) << 8) |
      ((b[i + 2] as number) << 16) |
      ((b[i + 3] as number) << 24)) >>>
    0
  )
}
