import { parentPort } from 'node:worker_threads';
import { trainBoosting } from './boost.ts';
import { PeerLink, takeJob, type PeerJob } from './boost-peer.ts';

/**
 * The peer thread of a two-thread boosting run (src/forest/boost-peer.ts): grows the same model as
 * the caller over the second half of each round's features, and throws its copy away.
 */
parentPort!.on('message', (job: PeerJob) => {
  if (!takeJob(job.control)) return;
  const link = new PeerLink(job.control, 1);
  try {
    trainBoosting(job.data, job.params, job.rows, job.validRows, { link });
  } catch {
    // The caller sees the abort at its next swap and reports it.
    link.abort();
  }
});
