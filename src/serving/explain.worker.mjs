// Worker-thread entry of the explanation pool (piscina loads it). It registers tsx itself, as
// bin/sharpline.mjs does, because a worker does not inherit a loader registered through the API.
import { register } from 'tsx/esm/api';

register();
const { createExplainTaskRunner } = await import('./explain-task.ts');

export default createExplainTaskRunner();
