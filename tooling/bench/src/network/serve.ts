/**
 * The child side of `child.ts`'s workers: runs the operations the parent sends over IPC (`{ id, op, args }`),
 * answers `{ id, ok, result | error }`, tells the parent it is ready (`id` 0) and exits when the parent goes.
 */
export function serveOps<A>(ops: Record<string, (args: A) => Promise<unknown>>): void {
  process.on('message', (msg: { id: number; op: string; args: A }) => {
    const op = ops[msg.op]
    const reply = (body: object): void => {
      process.send?.({ id: msg.id, ...body })
    }
    if (op === undefined) {
      reply({ ok: false, error: `unknown op ${msg.op}` })
      return
    }
    op(msg.args).then(
      (result) => reply({ ok: true, result }),
      (err: unknown) =>
        reply({ ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
    )
  })
  process.on('disconnect', () => process.exit(0))
  process.send?.({ id: 0, ok: true, result: 'ready' })
}
