import { Duplex } from 'node:stream'
import WebSocket from 'ws'
import { TransportError } from './errors'

const SEND_OPTIONS = { binary: true, compress: false, fin: true } as const

/** Options of {@link WebSocketStream}. */
export interface WebSocketStreamOptions {
  /** Stream buffer size on each side, and the send backlog past which `write()` waits. */
  highWaterMark: number
  /** Writes longer than this go out as several frames, so the remote's `maxPayload` is never exceeded. */
  maxFrameSize: number
}

/**
 * A byte-stream Duplex over an open WebSocket: each write goes out as binary frames, each received binary
 * message is pushed as one chunk. Backpressure works both ways: a full readable side pauses the socket (the
 * remote's TCP window then fills), and a write's callback is held while the socket's send backlog is
 * above `highWaterMark`. Writes are pipelined (no waiting for each frame to reach the kernel), which is
 * what makes this leaner than `createWebSocketStream`.
 *
 * `end()` starts the WebSocket closing handshake (a WebSocket cannot half-close: the remote sees the end of
 * its readable side and closes too); `destroy()` drops the socket at once. A text frame from the remote
 * destroys the stream with `ERR_INVALID_FRAME`.
 */
export class WebSocketStream extends Duplex {
  private readonly ws: WebSocket
  private readonly maxFrameSize: number
  private sendsIssued = 0
  private sendsDone = 0
  private pendingWrite: ((err?: Error | null) => void) | undefined
  private releaseAt = 0

  constructor(ws: WebSocket, options: WebSocketStreamOptions) {
    super({ highWaterMark: options.highWaterMark, allowHalfOpen: false })
    this.ws = ws
    this.maxFrameSize = options.maxFrameSize
    ws.binaryType = 'nodebuffer'
    ws.on('message', (data: Buffer, isBinary: boolean) => this.onMessage(data, isBinary))
    ws.on('close', () => this.onClose())
    ws.on('error', (err: Error) => this.destroy(err))
  }

  override _read(): void {
    if (this.ws.isPaused) this.ws.resume()
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    const ws = this.ws
    if (ws.readyState !== WebSocket.OPEN) {
      callback(new TransportError('ERR_CONNECTION_CLOSED', 'write to a closed WebSocket'))
      return
    }
    let offset = 0
    while (chunk.length - offset > this.maxFrameSize) {
      this.send(chunk.subarray(offset, offset + this.maxFrameSize))
      offset += this.maxFrameSize
    }
    this.send(offset === 0 ? chunk : chunk.subarray(offset))
    if (ws.bufferedAmount < this.writableHighWaterMark) {
      callback()
    } else {
      this.pendingWrite = callback
      this.releaseAt = this.sendsIssued
    }
  }

  override _final(callback: (err?: Error | null) => void): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(1000)
    callback()
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.pendingWrite = undefined
    this.ws.terminate()
    callback(err)
  }

  private send(frame: Buffer): void {
    this.sendsIssued++
    this.ws.send(frame, SEND_OPTIONS, this.afterSend)
  }

  /** Sends complete in order: release a held write once the send it was held on reached the socket. */
  private readonly afterSend = (err?: Error): void => {
    this.sendsDone++
    if (err !== undefined && err !== null) {
      const pending = this.pendingWrite
      this.pendingWrite = undefined
      if (pending !== undefined) pending(err)
      else if (!this.destroyed) this.destroy(err)
      return
    }
    if (this.pendingWrite !== undefined && this.sendsDone >= this.releaseAt) {
      const pending = this.pendingWrite
      this.pendingWrite = undefined
      pending()
    }
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (this.destroyed) return
    if (!isBinary) {
      this.destroy(new TransportError('ERR_INVALID_FRAME', 'the remote sent a text frame; binary only'))
      return
    }
    if (!this.push(data)) this.ws.pause()
  }

  private onClose(): void {
    if (this.destroyed) return
    this.push(null)
    const pending = this.pendingWrite
    if (pending !== undefined) {
      this.pendingWrite = undefined
      pending(new TransportError('ERR_CONNECTION_CLOSED', 'the WebSocket closed during a write'))
    }
  }
}
