import { compareStreamIds, type SessionEventEntry } from '@switchboard/contracts/session-events';
import type { topics } from '@switchboard/contracts/topics';
import type { SessionEventLog } from '@switchboard/stores/session-events';
import type { TopicFanout } from './topic-fanout.js';

/** Where a session's entries go: one connection, in its protocol's words. */
export interface FeedTarget {
  /** Called once new entries are being caught, before any is delivered (e.g. to confirm a join). */
  following?(): void;
  deliver(entry: SessionEventEntry): void;
  /** Resolves when the client can take more; a replay waits on it between entries. */
  drained(): Promise<void>;
}

export interface FollowOptions {
  fanout: TopicFanout<typeof topics.session>;
  log: SessionEventLog;
  sessionId: string;
  /** Resume after this entry; without it, only what is appended from now on. */
  afterId?: string | undefined;
  target: FeedTarget;
}

const replayPage = 100;
/** Live entries held while a replay runs; past this they are read back from the stream instead. */
const maxHeldEntries = 1000;

/**
 * Follows a session's events for one connection, each entry exactly once and
 * in order across a reconnect: it subscribes first and holds live entries,
 * replays the stream after `afterId`, then releases the held entries it has
 * not already replayed and goes live. Every entry passes through one gate
 * that drops ids at or below the last delivered, which is sound because
 * entries are published in stream id order (see SessionEventLog).
 * Returns the function that stops following.
 */
export async function followSession(options: FollowOptions): Promise<() => Promise<void>> {
  const { log, sessionId, target } = options;
  let lastId = options.afterId;
  let replaying = lastId !== undefined;
  let held: SessionEventEntry[] = [];
  let overflowed = false;

  const pass = (entry: SessionEventEntry) => {
    if (lastId !== undefined && compareStreamIds(entry.id, lastId) <= 0) return;
    lastId = entry.id;
    target.deliver(entry);
  };
  const stop = await options.fanout.watch(sessionId, (entry) => {
    if (!replaying) return pass(entry);
    if (held.length < maxHeldEntries) held.push(entry);
    else overflowed = true;
  });
  target.following?.();

  try {
    while (replaying && lastId !== undefined) {
      const page = await log.after(sessionId, lastId, replayPage);
      for (const entry of page) {
        await target.drained();
        pass(entry);
      }
      if (page.length > 0) continue;
      // The stream is read to its end. Held entries newer than it go out next,
      // unless some were not held: those are in the stream, so read on.
      if (overflowed) {
        overflowed = false;
        held = [];
        continue;
      }
      replaying = false;
    }
  } catch (error) {
    await stop();
    throw error;
  }
  replaying = false;
  for (const entry of held) pass(entry);
  held = [];
  return stop;
}

/** A socket client as `followInFrames` needs it. */
export interface FrameSink {
  send(frame: unknown): void;
  drained(): Promise<void>;
}

/** Follows a session for one socket client, each entry as the socket's protocol words it (null: not sent). */
export function followInFrames(
  source: Pick<FollowOptions, 'fanout' | 'log' | 'sessionId' | 'afterId'>,
  client: FrameSink,
  frameOf: (entry: SessionEventEntry) => unknown,
): Promise<() => Promise<void>> {
  return followSession({
    ...source,
    target: {
      deliver: (entry) => {
        const frame = frameOf(entry);
        if (frame !== null) client.send(frame);
      },
      drained: () => client.drained(),
    },
  });
}
