/**
 * The catalogue of faults, one per scenario. A scenario needs the services it
 * names running and injects its fault through the context: it resolves once
 * the fault is over (the process restarted or resumed), returning what it
 * did. A service that lands later (streaming scorer, drift monitor) is one
 * more `killService` entry here.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin } from 'kafkajs';
import type { ChaosStack } from './chaos-stack.js';
import type { Publisher } from './publisher.js';
import type { FleetServiceName, ServiceFleet } from './service-fleet.js';
import { UnknownScenarioError } from './errors.js';
import { groupAssignment, waitForMembers, type GroupAssignment } from './group-members.js';

/** What a scenario may act on. */
export interface FaultContext {
  readonly stack: ChaosStack;
  readonly fleet: ServiceFleet;
  readonly publisher: Publisher;
  readonly admin: Admin;
  /** Consumer group and topic of each running Kafka-consuming service. */
  readonly groupOf: (service: FleetServiceName) => { readonly groupId: string; readonly topic: string };
  /** How long pauses last, in ms: longer than every timeout (session, idleness). */
  readonly pauseMs: number;
  /** How long a killed server stays down before it is restarted, in ms. */
  readonly serverDownMs: number;
}

/** What a fault did, and when it was lifted (the process restarted or resumed), on the `performance.now()` clock. */
export interface InjectedFault {
  readonly description: string;
  readonly liftedAtMs: number;
}

/** One fault. */
export interface ChaosScenario {
  readonly name: string;
  readonly description: string;
  /** Services beyond ingestion and the feature pipeline that must run. */
  readonly extraServices: readonly FleetServiceName[];
  /**
   * Instances of ingestion and of the feature pipeline started before the
   * publish, each service's in one consumer group (their topics have three
   * partitions, so two or three instances all get work). Default 1.
   */
  readonly instances?: number;
  /**
   * When the fault lands: during the replay (default), or during a training
   * run requested once the replayed events are in both stores.
   */
  readonly phase?: 'replay' | 'training';
  /** Only for the suite's own tests: a fault that must make the suite fail. Not run by default. */
  readonly sabotage?: boolean;
  /** Injects the fault and resolves once it is over. */
  inject(context: FaultContext): Promise<InjectedFault>;
}

function killService(service: FleetServiceName, during: Pick<ChaosScenario, 'extraServices' | 'phase'> = { extraServices: [] }): ChaosScenario {
  return {
    name: `kill-${service}`,
    description: `kill -9 ${service} and start it again at once${during.phase === 'training' ? ', during a training run' : ''}`,
    ...during,
    async inject({ fleet }) {
      const pid = await fleet.kill(service);
      const liftedAtMs = performance.now();
      await fleet.start(service);
      return { description: `SIGKILL ${service} (pid ${pid}), restarted`, liftedAtMs };
    },
  };
}

function pauseService(service: FleetServiceName): ChaosScenario {
  return {
    name: `pause-${service}`,
    description: `SIGSTOP ${service} for longer than every timeout, then SIGCONT`,
    extraServices: [],
    async inject({ fleet, pauseMs }) {
      await fleet.pause(service, pauseMs);
      return { description: `SIGSTOP ${service} for ${pauseMs / 1000} s, SIGCONT`, liftedAtMs: performance.now() };
    },
  };
}

function killServer(server: 'kafka' | 'redis' | 'clickhouse'): ChaosScenario {
  return {
    name: `kill-${server}`,
    description: `kill -9 the ${server} server, restart it after a while with infra up`,
    extraServices: [],
    async inject({ stack, serverDownMs }) {
      const pid = await stack.kill(server);
      await sleep(serverDownMs);
      const liftedAtMs = performance.now();
      await stack.up();
      return { description: `SIGKILL ${server} (pid ${pid}), down ${serverDownMs / 1000} s, restarted`, liftedAtMs };
    },
  };
}

/** The services scaled out: each consumes in one group, so the group rebalances when an instance comes or goes. */
const SCALED_SERVICES = ['ingestion', 'feature-pipeline'] as const satisfies readonly FleetServiceName[];

/** `[0,1] [2]`: each member's partitions. */
const describeMembers = ({ members }: GroupAssignment) => members.map((m) => `[${m.partitions.join(',')}]`).join(' ');

/**
 * Two instances of ingestion and of the feature pipeline; mid-stream a third
 * of each joins its group, which takes partitions (and their offsets and
 * state) from the first two.
 */
const scaleOutJoin: ChaosScenario = {
  name: 'scale-out-join',
  description: 'two instances each of ingestion and the feature pipeline; a third of each joins mid-stream',
  extraServices: [],
  instances: 2,
  async inject({ fleet, admin, groupOf }) {
    await Promise.all(SCALED_SERVICES.map((service) => fleet.start(service, 3)));
    const liftedAtMs = performance.now();
    // The third is ready before the group has handed it partitions: wait until it holds some.
    const held = await Promise.all(SCALED_SERVICES.map(async (service) => {
      const { groupId, topic } = groupOf(service);
      return `${service} ${describeMembers(await waitForMembers(admin, groupId, topic, 3))}`;
    }));
    return { description: `started a third instance of ingestion and of feature-pipeline; partitions by member then: ${held.join('; ')}`, liftedAtMs };
  },
};

/**
 * Two instances of ingestion and of the feature pipeline; mid-stream one of
 * each is killed -9 and not restarted: its partitions move to the survivor
 * once the group's session timeout drops it, and must resume from what it
 * made durable.
 */
const scaleOutKill: ChaosScenario = {
  name: 'scale-out-kill',
  description: 'two instances each of ingestion and the feature pipeline; one of each killed -9 mid-stream, not restarted',
  extraServices: [],
  instances: 2,
  async inject({ fleet, admin, groupOf }) {
    const held = await Promise.all(SCALED_SERVICES.map(async (service) => `${service} ${describeMembers(await groupAssignment(admin, groupOf(service).groupId, groupOf(service).topic))}`));
    const pids = await Promise.all(SCALED_SERVICES.map((service) => fleet.kill(service, 2)));
    // Recovery runs from the kill: the survivor's takeover (the session timeout, a rebalance) and then its catch-up.
    const liftedAtMs = performance.now();
    await Promise.all(SCALED_SERVICES.map((service) => waitForMembers(admin, groupOf(service).groupId, groupOf(service).topic, 1)));
    return {
      description: `SIGKILL the second ingestion (pid ${pids[0]}) and feature-pipeline (pid ${pids[1]}), left down; partitions by member before: ${held.join('; ')}`,
      liftedAtMs,
    };
  },
};

/** Records skipped by {@link skipCommittedOffsets}. */
const SABOTAGE_SKIPPED_RECORDS = 200;

/**
 * A consumer that commits before it writes, then crashes: the feature
 * pipeline is killed and its group's commit on partition 0 moved past records
 * it never processed, so they are never counted. The suite must report it.
 */
const sabotageCommitBeforeWrite: ChaosScenario = {
  name: 'sabotage-commit-before-write',
  description: `test only: kill -9 feature-pipeline and commit ${SABOTAGE_SKIPPED_RECORDS} records it never processed`,
  extraServices: [],
  sabotage: true,
  async inject({ fleet, admin, groupOf }) {
    const pid = await fleet.kill('feature-pipeline');
    const { groupId, topic } = groupOf('feature-pipeline');
    const skipped = await skipCommittedOffsets(admin, groupId, topic, SABOTAGE_SKIPPED_RECORDS);
    const liftedAtMs = performance.now();
    await fleet.start('feature-pipeline');
    return { description: `SIGKILL feature-pipeline (pid ${pid}), committed ${skipped} unprocessed records of partition 0, restarted`, liftedAtMs };
  },
};

/**
 * Moves `groupId`'s commit on partition 0 of `topic` past `count` records
 * that arrived after the consumer was killed (so it certainly never processed
 * them; its commit may lag what it checkpointed, so records just past the
 * commit may well be counted already), once they are there and the group has
 * no live member.
 */
async function skipCommittedOffsets(admin: Admin, groupId: string, topic: string, count: number, timeoutMs = 120_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  const endOfPartition0 = async () => Number((await admin.fetchTopicOffsets(topic)).find((e) => e.partition === 0)?.high ?? 0);
  const endAtKill = await endOfPartition0();
  while (Date.now() < deadline) {
    const [high, [committed]] = await Promise.all([endOfPartition0(), admin.fetchOffsets({ groupId, topics: [topic] })]);
    const from = Math.max(endAtKill, Number(committed?.partitions.find((p) => p.partition === 0)?.offset ?? 0));
    if (high >= from + count) {
      try {
        // Kafka refuses while the killed member still holds the group (until its session times out).
        await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: String(from + count) }] });
        return count;
      } catch {
        // retried below
      }
    }
    await sleep(1000);
  }
  throw new Error(`could not commit ${count} records ahead on partition 0 of ${topic} within ${timeoutMs} ms (too few records left?)`);
}

/** Every scenario, in the order `npm run chaos` runs them. */
export const chaosScenarios: readonly ChaosScenario[] = [
  killService('ingestion'),
  killService('feature-pipeline'),
  killService('trainer', { extraServices: ['registry', 'trainer'], phase: 'training' }),
  pauseService('feature-pipeline'),
  pauseService('ingestion'),
  {
    name: 'pause-publisher',
    description: 'SIGSTOP the publisher for longer than every timeout, then SIGCONT',
    extraServices: [],
    async inject({ publisher, pauseMs }) {
      await publisher.pause(pauseMs);
      return { description: `SIGSTOP publisher (pid ${publisher.pid}) for ${pauseMs / 1000} s, SIGCONT`, liftedAtMs: performance.now() };
    },
  },
  killServer('kafka'),
  killServer('redis'),
  killServer('clickhouse'),
  scaleOutJoin,
  scaleOutKill,
  sabotageCommitBeforeWrite,
];

/** The scenarios named, in catalogue order; every non-sabotage one when `names` is empty. */
export function selectScenarios(names: readonly string[]): ChaosScenario[] {
  if (names.length === 0) return chaosScenarios.filter((s) => !s.sabotage);
  const known = chaosScenarios.map((s) => s.name);
  for (const name of names) if (!known.includes(name)) throw new UnknownScenarioError(name, known);
  return chaosScenarios.filter((s) => names.includes(s.name));
}
