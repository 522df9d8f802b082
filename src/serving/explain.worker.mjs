// Worker-thread entry of the explanation pool (piscina loads it). Under dist/ (the built CLI and
// server, and the container image, which has no tsx) the built explain-task.js sits beside this
// file and loads as it is. From the sources it registers tsx itself, as bin/sharpline.mjs does,
// because a worker does not inherit a loader registered through the API.
import { existsSync } from 'node:fs';

const built = new URL('./explain-task.js', import.meta.url);
let task;
if (existsSync(built)) {
  task = await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  task = await import('./explain-task.ts');
}

export default task.createExplainTaskRunner();
