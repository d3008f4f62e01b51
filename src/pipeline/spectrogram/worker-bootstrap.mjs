// Worker threads start without the TypeScript loader the parent used; register it, then load the
// TypeScript worker module named in workerData.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);
