/** One topic as the topic jobs of docker-compose.yml and deploy/k8s list it. */
export interface TopicLine {
  readonly name: string;
  readonly partitions: number;
  readonly retentionMs: number;
  readonly cleanupPolicy: string;
}

/** Parses `TOPICS` (`name partitions retention.ms cleanup.policy` a line; blank lines ignored). */
export function parseTopicLines(text: string): TopicLine[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const [name = '', partitions = '', retention = '', cleanupPolicy = '', ...rest] = line.split(/\s+/);
      if (rest.length > 0 || cleanupPolicy === '') throw new Error(`not "name partitions retention.ms cleanup.policy": ${line}`);
      return { name, partitions: Number(partitions), retentionMs: Number(retention), cleanupPolicy };
    });
}
