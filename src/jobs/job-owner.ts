/** Who asked for a job, from its record in the queue (not from anything a user says). */
import { Job } from 'bullmq';
import type { JobsClient } from './client.ts';
import type { JobData, JobKind, Requester } from './types.ts';

export interface JobRecordView {
  requester: Requester;
  kind: JobKind;
  prompt: string;
}

/** The job's requester and prompt, or null when the queue no longer holds it. */
export async function jobRecord(client: JobsClient, model: string, jobId: string): Promise<JobRecordView | null> {
  const job = await Job.fromId<JobData>(client.queue(model), jobId);
  if (!job?.data?.requester) return null;
  return { requester: job.data.requester, kind: job.data.kind, prompt: job.data.request.start.prompt };
}
