import type { AbstractLevel } from 'abstract-level'

/** Any `abstract-level` database; the chain reads and writes binary keys and values (`'view'` encoding). */
// biome-ignore lint/suspicious/noExplicitAny: keys and values are encoded per operation
export type ChainDatabase = AbstractLevel<any, any, any>
