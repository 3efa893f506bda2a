/**
 * Who holds which partitions of a consumer group: a scale-out scenario
 * publishes only once every instance has some, and says which partitions the
 * instance it kills held, so its verdict is about partitions that moved.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { AssignerProtocol, type Admin } from 'kafkajs';
import { GroupMembersTimeoutError } from './errors.js';

/** Partitions per member (client id and member id), in the group's current generation. */
export interface GroupAssignment {
  readonly state: string;
  readonly members: readonly { readonly memberId: string; readonly clientHost: string; readonly partitions: readonly number[] }[];
}

/** The group's members and the partitions of `topic` each holds. */
export async function groupAssignment(admin: Admin, groupId: string, topic: string): Promise<GroupAssignment> {
  const { groups } = await admin.describeGroups([groupId]);
  const group = groups[0];
  return {
    state: group?.state ?? 'Dead',
    members: (group?.members ?? []).map((member) => ({
      memberId: member.memberId,
      clientHost: member.clientHost,
      partitions: [...(AssignerProtocol.MemberAssignment.decode(member.memberAssignment)?.assignment[topic] ?? [])].sort((a, b) => a - b),
    })),
  };
}

/**
 * Resolves once the group is stable with exactly `count` members, each
 * holding at least one partition of `topic`; throws
 * {@link GroupMembersTimeoutError} with the last assignment after `timeoutMs`.
 */
export async function waitForMembers(admin: Admin, groupId: string, topic: string, count: number, timeoutMs = 120_000): Promise<GroupAssignment> {
  const deadline = Date.now() + timeoutMs;
  let last: GroupAssignment | undefined;
  while (Date.now() < deadline) {
    last = await groupAssignment(admin, groupId, topic).catch(() => last);
    if (last?.state === 'Stable' && last.members.length === count && last.members.every((m) => m.partitions.length > 0)) return last;
    await sleep(250);
  }
  throw new GroupMembersTimeoutError(groupId, count, timeoutMs, JSON.stringify(last?.members.map((m) => m.partitions) ?? []));
}
