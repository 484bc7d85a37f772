/**
 * @packageDocumentation
 * chainwire's wire protocol: the message catalog (codes, schemas, kinds, size limits), the msgpack envelope
 * and its JSON view, length-prefixed framing with a streaming decoder, chunking of payloads larger than one
 * message, and the version and clock-skew helpers of the handshake. Pure functions and small classes: no
 * sockets, no timers.
 */

/**
 * The address and peer-id rules of the wire schemas, re-exported from `@chainwire/interface` (where every
 * chainwire package takes them from): the `address` fields accept exactly what `isAddress` accepts, the peer
 * id fields exactly what `isPeerId` (and {@link PEER_ID_PATTERN}) accept.
 */
export { isAddress, isPeerId, PEER_ID_PATTERN } from '@chainwire/interface'
export type {
  BlockRequestData,
  BlockResponseData,
  BlocksData,
  BlockTxsData,
  CompactBlockData,
  CompactBlockRequestData,
  CompactBlockResponseData,
  GetBlocksData,
  GetBlockTxsData,
  GetHeadersData,
  HeadersData,
  NewBlockData,
  PrefilledTransaction,
  SendCompactData,
} from './catalog/blocks'
export {
  CATALOG,
  type CatalogEntry,
  isMessageType,
  MESSAGE_TYPES,
  type Message,
  type MessageData,
  type MessageDataMap,
  type MessageOf,
  type MessageType,
  messageTypeOfCode,
} from './catalog/catalog'
export type {
  Block,
  BlockHeader,
  DhtNode,
  InvItem,
  InvKind,
  PeerInfo,
  Transaction,
} from './catalog/chain-types'
export type {
  ConsensusProposalData,
  ConsensusVoteData,
  Validator,
  ValidatorSetData,
  VoteStep,
} from './catalog/consensus'
export {
  DISCONNECT_REASON_CODES,
  type DisconnectData,
  DisconnectReason,
  type ErrorData,
  type HelloData,
  type PingData,
  type PongData,
  PROTOCOL_ERROR_CODES,
  ProtocolErrorCode,
} from './catalog/control'
export {
  type GossipMessages,
  type GraftData,
  type IDontWantData,
  type IHaveData,
  type IWantData,
  type PreambleData,
  type PruneData,
  type RelayData,
  type SubscribeData,
  type Subscription,
  TOPIC_PATTERN,
} from './catalog/gossip'
export type { InventoryData } from './catalog/inventory'
export type {
  BlockFilterEntry,
  CFCheckptData,
  CFHeadersData,
  CFiltersData,
  FilterType,
  GetCFCheckptData,
  GetCFHeadersData,
  GetCFiltersData,
  GetProofData,
  MerkleProof,
  ProofData,
} from './catalog/light'
export type {
  DialBackRequestData,
  DialBackResponseData,
  DialBackStatus,
  HolePunchPhase,
  HolePunchSyncData,
  ObservedAddressData,
  RelayCircuit,
  RelayConnectData,
  RelayLimit,
  RelayReservation,
  RelayReserveData,
  RelayStatus,
  RelayStatusData,
} from './catalog/nat'
export type { FindNodeData, GetPeersData, NodesData, PeersData } from './catalog/peers'
export type { MessageKind } from './catalog/spec'
export {
  type ChunkData,
  chunkByteLength,
  copyChunkBytes,
  type NetworkStatusData,
} from './catalog/status'
export type {
  GetTransactionData,
  MempoolSyncData,
  NewTransactionData,
  TransactionResponseData,
} from './catalog/transactions'
export {
  ChunkReassembler,
  type ChunkReassemblerComponents,
  type ChunkReassemblerOptions,
  type ChunkReassemblerStats,
  type ReassembledPayload,
} from './chunk/reassembler'
export { DEFAULT_CHUNK_SIZE, type SplitOptions, splitIntoChunks } from './chunk/split'
export {
  fromJSON,
  type JsonDecodeOptions,
  type JsonEnvelope,
  type JsonMeta,
  jsonCodec,
  readJsonEnvelope,
  toJSON,
} from './codec/json'
export { decode, encode } from './codec/msgpack'
export { CodecError, type CodecErrorCode } from './errors'
export {
  encodeFrame,
  encodeFrameParts,
  FRAME_HEADER_BYTES,
  type FrameOptions,
  framePayload,
  partsLength,
} from './framing/frame'
export { FrameDecoder, type FrameDecoderOptions } from './framing/frame-decoder'
export { FramePieces } from './framing/frame-pieces'
export { type DecodedFrame, MessageFrameDecoder } from './framing/message-decoder'
export {
  type ClockSkew,
  checkClockSkew,
  DEFAULT_MAX_CLOCK_SKEW_MS,
} from './handshake/clock-skew'
export {
  isCompatibleVersion,
  MIN_PROTOCOL_VERSION,
  negotiateVersion,
  PROTOCOL_VERSION,
} from './handshake/version'
export { LIMITS, type Limits } from './limits'
