/**
 * Quiet: every consumer group of the scenario has committed up to the end of
 * its topic, and nothing — end offsets, commits, the stores' row counts —
 * has moved for a while. Only then are the stores compared.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin } from 'kafkajs';
import { QuietTimeoutError } from './errors.js';

/** A consumer group and the topic it reads. */
export interface WatchedGroup {
  readonly groupId: string;
  readonly topic: string;
}

/** Options of {@link waitForQuiet}. */
export interface WaitForQuietOptions {
  readonly admin: Admin;
  readonly groups: readonly WatchedGroup[];
  /** Something else that must stop changing (e.g. row counts), read on each poll. Default: nothing. */
  readonly progress?: () => Promise<string>;
  /** How long everything must stay still, in ms. Default 5000. */
  readonly stillForMs?: number;
  /** Give up after, in ms. Default 300 000. */
  readonly timeoutMs?: number;
  /** Default 500. */
  readonly pollMs?: number;
}

/** The topic's partitions' offsets; a broker just back may answer with none, which must not read as "nothing to consume". */
async function topicEnds(admin: Admin, topic: string): Promise<Awaited<ReturnType<Admin['fetchTopicOffsets']>>> {
  const ends = await admin.fetchTopicOffsets(topic);
  if (ends.length === 0) throw new Error(`no partitions of ${topic} known yet`);
  return ends;
}

/** Records not yet committed by `groupId` on `topic`: end offsets minus commits (an uncommitted partition counts whole). */
export async function groupLag(admin: Admin, group: WatchedGroup): Promise<{ lag: number; positions: string }> {
  const [ends, [committed]] = await Promise.all([
    topicEnds(admin, group.topic),
    admin.fetchOffsets({ groupId: group.groupId, topics: [group.topic] }),
  ]);
  const commitOf = new Map((committed?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  let lag = 0;
  const positions: string[] = [];
  for (const end of ends) {
    const commit = commitOf.get(end.partition) ?? -1;
    const high = Number(end.high);
    const low = Number(end.low);
    lag += Math.max(0, high - (commit < 0 ? low : commit));
    positions.push(`${end.partition}:${high}/${commit}`);
  }
  return { lag, positions: positions.join(',') };
}

/** Lag of each group, by group id. */
export async function lagByGroup(admin: Admin, groups: readonly WatchedGroup[]): Promise<Record<string, number>> {
  const lags = await Promise.all(groups.map(async (group) => [group.groupId, (await groupLag(admin, group)).lag] as const));
  return Object.fromEntries(lags);
}

/**
 * Resolves once every group's lag is 0 and nothing changed for `stillForMs`;
 * a failed poll (a server still coming back) counts as a change. Throws
 * {@link QuietTimeoutError} with the last lags after `timeoutMs`.
 */
export async function waitForQuiet(options: WaitForQuietOptions): Promise<void> {
  const { admin, groups, progress, stillForMs = 5000, timeoutMs = 300_000, pollMs = 500 } = options;
  const deadline = Date.now() + timeoutMs;
  let last = '';
  let stillSince = Date.now();
  let lags: Record<string, number> = {};
  while (Date.now() < deadline) {
    let state: string;
    try {
      const readings = await Promise.all(groups.map((group) => groupLag(admin, group)));
      lags = Object.fromEntries(groups.map((group, i) => [group.groupId, readings[i]?.lag ?? Number.NaN]));
      const settled = readings.every((reading) => reading.lag === 0);
      state = settled ? `${readings.map((r) => r.positions).join(';')}|${progress ? await progress() : ''}` : `busy ${Date.now()}`;
    } catch (error) {
      state = `unreadable ${Date.now()} ${(error as Error).message}`;
    }
    if (state !== last) {
      last = state;
      stillSince = Date.now();
    } else if (Date.now() - stillSince >= stillForMs) {
      return;
    }
    await sleep(pollMs);
  }
  throw new QuietTimeoutError(timeoutMs, lags);
}

async function endOffsets(admin: Admin, topic: string): Promise<Map<number, number>> {
  return new Map((await topicEnds(admin, topic)).map((end) => [end.partition, Number(end.high)]));
}

async function committedThrough(admin: Admin, group: WatchedGroup, targets: ReadonlyMap<number, number>): Promise<boolean> {
  const [committed] = await admin.fetchOffsets({ groupId: group.groupId, topics: [group.topic] });
  const commitOf = new Map((committed?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  return [...targets].every(([partition, target]) => target === 0 || (commitOf.get(partition) ?? -1) >= target);
}

/**
 * Recovery: waits until the backlog present now has passed every stage — the
 * first group commits up to its topic's end offsets of this moment, then the
 * next group up to its topic's ends of the moment the previous one got there,
 * and so on (`groups` in pipeline order). Polls that
 * fail (a server still down) are retried until `timeoutMs`.
 */
export async function waitForCatchUp(admin: Admin, groups: readonly WatchedGroup[], timeoutMs: number, pollMs = 250): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const retrying = async <T>(read: () => Promise<T>): Promise<T> => {
    for (;;) {
      try {
        return await read();
      } catch (error) {
        if (Date.now() >= deadline) throw error;
        await sleep(pollMs);
      }
    }
  };
  for (const group of groups) {
    const targets = await retrying(() => endOffsets(admin, group.topic));
    while (!(await retrying(() => committedThrough(admin, group, targets)))) {
      if (Date.now() >= deadline) throw new QuietTimeoutError(timeoutMs, await lagByGroup(admin, groups).catch(() => ({})));
      await sleep(pollMs);
    }
  }
}
