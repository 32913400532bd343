import type { KafkaBudget } from '../tenants/schema';
import { KafkaFootprint, totalKafkaFootprint } from './kafka-footprint';

/**
 * What of the output exceeds the Kafka cluster's limits (`kafka.budget`), each problem with the numbers,
 * where they come from and what to change. A limit is certain, so exceeding it fails synth.
 */
export function budgetProblems(byCluster: ReadonlyMap<string, KafkaFootprint>, budget: KafkaBudget): string[] {
  const total = totalKafkaFootprint(byCluster);
  const problems: string[] = [];
  if (budget.topics !== undefined && total.topics > budget.topics) {
    problems.push(`kafka.budget.topics: the output needs ${total.topics} topics (${breakdown(total)}), more than the budget of ${budget.topics}; `
      + 'turn heartbeats off where they are not needed (heartbeatIntervalMs: 0), capture fewer tables, or raise the budget');
  }
  if (budget.partitions !== undefined) {
    if (total.partitions === undefined) {
      problems.push('kafka.budget.partitions: some topics take the broker\'s default partition count, so their partitions cannot be counted; '
        + 'set topic.creation.default.partitions on every connector');
    } else if (total.partitions > budget.partitions) {
      problems.push(`kafka.budget.partitions: the output needs ${total.partitions} partitions before replication (${breakdown(total)}), more than the budget `
        + `of ${budget.partitions}; lower topicPartitions, capture fewer tables, or use a larger Kafka cluster`);
    }
  }
  if (budget.clients !== undefined && total.clients > budget.clients) {
    problems.push(`kafka.budget.clients: Connect would run ${total.clients} Kafka clients (${total.tasks} tasks, their schema history clients and the workers'), `
      + `more than the budget of ${budget.clients}; stop unused tenants, or raise the budget`);
  }
  return problems;
}

function breakdown(f: KafkaFootprint): string {
  return [
    `${f.changeTopics.topics} change topics`, `${f.schemaHistoryTopics.topics} schema history`, `${f.heartbeatTopics.topics} heartbeat`,
    ...(f.schemaChangeTopics.topics > 0 ? [`${f.schemaChangeTopics.topics} schema change`] : []), `${f.connectStorageTopics.topics} Connect storage`,
    ...(f.snapshotTopics.topics > 0 ? [`${f.snapshotTopics.topics} snapshot signal and notification`] : []),
  ].join(', ');
}
