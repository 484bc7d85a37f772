import { describe, expect, it } from 'vitest'
import { AbortError, ChainwireError, TimeoutError } from '../src/index'

class FrameError extends ChainwireError<'ERR_FRAME_TOO_LARGE'> {}
class SpecialFrameError extends FrameError {}

describe('ChainwireError', () => {
  it('carries a stable code, details and the class name', () => {
    const e = new FrameError('ERR_FRAME_TOO_LARGE', 'too big', { length: 5 })
    expect(e.code).toBe('ERR_FRAME_TOO_LARGE')
    expect(e.details).toEqual({ length: 5 })
    expect(e.name).toBe('FrameError')
    expect(e).toBeInstanceOf(Error)
  })

  it('isInstance recognises the class, its subclasses and the base, but not siblings', () => {
    const special = new SpecialFrameError('ERR_FRAME_TOO_LARGE', 'x')
    expect(FrameError.isInstance(special)).toBe(true)
    expect(SpecialFrameError.isInstance(special)).toBe(true)
    expect(ChainwireError.isInstance(special)).toBe(true)
    expect(TimeoutError.isInstance(special)).toBe(false)
    expect(ChainwireError.isInstance(new Error('plain'))).toBe(false)
    expect(ChainwireError.isInstance('ERR_X')).toBe(false)
    expect(ChainwireError.isInstance(null)).toBe(false)
  })

  it('isInstance recognises an error made by another copy of the package (same brand and names)', () => {
    const foreign = Object.create(Error.prototype, {
      [Symbol.for('@chainwire/error')]: { value: true },
      [Symbol.for('@chainwire/error-names')]: { value: ['AbortError', 'ChainwireError'] },
      code: { value: 'ERR_ABORTED' },
    })
    expect(AbortError.isInstance(foreign)).toBe(true)
    expect(TimeoutError.isInstance(foreign)).toBe(false)
  })
})
