/** What one realtime connection may do; defaults follow SPEC §1 "WebSocket". */
export interface RealtimeLimits {
  /** Largest inbound frame; `ws` closes with 1009 above it, Socket.IO disconnects. */
  maxFrameBytes: number;
  /** Inbound messages a connection may send per `messageWindowMs` (a token bucket). */
  messagesPerWindow: number;
  messageWindowMs: number;
  /** Messages refused in a row (while the bucket is empty) before the connection is closed with 1008. */
  refusedBeforeClose: number;
  /** Bytes queued for a client that has stopped reading before it is dropped (1013). */
  maxBufferedBytes: number;
  /** A replay sends on only while less than this is queued, so it goes at the client's pace. */
  resumeBufferedBytes: number;
  /** How long a replay waits for a client to catch up before dropping it. */
  stallMs: number;
  /** Sessions one `/ws` or Socket.IO connection may follow at once. */
  maxJoinedSessions: number;
  /** How long a closing client gets to answer the close handshake before it is cut off. */
  closeGraceMs: number;
}

export const defaultRealtimeLimits: RealtimeLimits = {
  maxFrameBytes: 64 * 1024,
  messagesPerWindow: 20,
  messageWindowMs: 10_000,
  refusedBeforeClose: 10,
  maxBufferedBytes: 1024 * 1024,
  resumeBufferedBytes: 256 * 1024,
  stallMs: 30_000,
  maxJoinedSessions: 10,
  closeGraceMs: 1_000,
};
