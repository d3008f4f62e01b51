/** How the studio's model queue stands: is a worker live, how many jobs wait. */
import type { JobsClient } from '../jobs/client.ts';

export interface QueueState {
  workerLive: boolean;
  waiting: number;
}

export async function queueState(jobs: JobsClient, model: string): Promise<QueueState> {
  const [live, counts] = await Promise.all([jobs.models(), jobs.queue(model).getJobCounts('wait', 'prioritized', 'delayed')]);
  return {
    workerLive: live.some((m) => m.modelId === model),
    waiting: (counts.wait ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0),
  };
}
