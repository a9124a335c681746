// Co-partitioning assigner: every group member gets the same partition NUMBERS on every subscribed topic, so the
// member owning turns-p also owns feedback-p (both keyed by conversation id) and with them the store file p-<p>.
import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';

export const CO_PARTITION_ASSIGNER = 'FeedbackMinerCoPartition';

/** Partition numbers 0..n-1 dealt round-robin over the members sorted by id; pure, so it is tested on its own. */
export function coPartitionPlan(memberIds: string[], topicPartitions: Record<string, number[]>): Map<string, Record<string, number[]>> {
  const members = [...memberIds].sort();
  const numbers = [...new Set(Object.values(topicPartitions).flat())].sort((a, b) => a - b);
  const plan = new Map<string, Record<string, number[]>>(members.map((m) => [m, {}]));
  numbers.forEach((p, i) => {
    const owner = plan.get(members[i % members.length])!;
    for (const [topic, partitions] of Object.entries(topicPartitions)) {
      if (partitions.includes(p)) (owner[topic] ??= []).push(p);
    }
  });
  return plan;
}

export const coPartitionAssigner: PartitionAssigner = ({ cluster }) => ({
  name: CO_PARTITION_ASSIGNER,
  version: 0,
  async assign({ members, topics }) {
    const topicPartitions: Record<string, number[]> = {};
    for (const topic of topics) topicPartitions[topic] = cluster.findTopicPartitionMetadata(topic).map((m) => m.partitionId);
    const plan = coPartitionPlan(
      members.map((m) => m.memberId),
      topicPartitions,
    );
    return [...plan].map(([memberId, assignment]) => ({
      memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 0, assignment, userData: Buffer.alloc(0) }),
    }));
  },
  protocol({ topics }) {
    return { name: CO_PARTITION_ASSIGNER, metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }) };
  },
});
