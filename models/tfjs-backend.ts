/**
 * Choosing the TensorFlow.js backend once per process: the native `@tensorflow/tfjs-node` when it is
 * installed (an optionalDependency that often fails to build), else `@tensorflow/tfjs` on the
 * WebAssembly backend, else the pure-JS `cpu` backend.
 */

import { createRequire } from 'node:module';
import path from 'node:path';
import type * as Tfjs from '@tensorflow/tfjs';
import { AppError } from '../core/index.ts';

export type Tf = typeof Tfjs;

export interface TfRuntime {
  tf: Tf;
  /** The active backend: `tensorflow` (tfjs-node), `wasm` or `cpu`. */
  backend: string;
}

/** Specifier held in a variable so TypeScript does not require the optional package's types. */
const TFJS_NODE = '@tensorflow/tfjs-node';

/**
 * Memo of the initialisation promise only (not of any tensor state): backend selection is a
 * process-wide fact in tfjs, so a second concurrent `initTf()` must await the first.
 */
let initPromise: Promise<TfRuntime> | undefined;
/** The runtime once `initTf()` has resolved (the same process-wide fact, readable synchronously). */
let initialised: TfRuntime | undefined;

/**
 * Initialise TensorFlow.js and return the namespace with its active backend.
 * Safe to call from many places; only the first call does the work.
 * @throws AppError INTERNAL when no backend can be initialised (should not happen: `cpu` is built in).
 */
export function initTf(): Promise<TfRuntime> {
  initPromise ??= initialise().then((runtime) => (initialised = runtime)).catch((error: unknown) => {
    // Let a later call retry instead of caching the failure forever.
    initPromise = undefined;
    throw error;
  });
  return initPromise;
}

/**
 * The tfjs namespace after `initTf()` has resolved, for the synchronous calls that follow a load
 * (building and running a LayersModel).
 * @throws AppError INTERNAL when called before `initTf()` completed.
 */
export function initialisedTf(): Tf {
  if (!initialised) throw new AppError('INTERNAL', 'TensorFlow.js used before initTf() completed');
  return initialised.tf;
}

async function initialise(): Promise<TfRuntime> {
  // Loaded here, not at the top: tfjs costs ~0.6 s to import, and most commands never need it.
  const tfjs = (await import('@tensorflow/tfjs')) as Tf;
  try {
    const native = (await import(TFJS_NODE)) as Tf;
    await native.ready();
    return { tf: native, backend: native.getBackend() };
  } catch {
    // Not installed (the usual case): fall through to WebAssembly.
  }
  const before = processListeners();
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(wasmDirectory());
    if (await tfjs.setBackend('wasm')) {
      await tfjs.ready();
      return { tf: tfjs, backend: 'wasm' };
    }
  } catch {
    // The wasm binary failed to load; the cpu backend below still works, only slower.
  } finally {
    removeListenersAddedSince(before);
  }
  if (!(await tfjs.setBackend('cpu'))) {
    throw new AppError('INTERNAL', 'No TensorFlow.js backend could be initialised');
  }
  await tfjs.ready();
  return { tf: tfjs, backend: 'cpu' };
}

/** Folder holding the `.wasm` binaries, with the trailing separator `setWasmPaths` expects. */
function wasmDirectory(): string {
  const require = createRequire(import.meta.url);
  return path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep;
}

type ProcessEvent = 'uncaughtException' | 'unhandledRejection';
const PROCESS_EVENTS: ProcessEvent[] = ['uncaughtException', 'unhandledRejection'];
type Listener = (...args: unknown[]) => void;

function listenersOf(event: ProcessEvent): Listener[] {
  // `process.listeners` is typed per event name; both events are handled uniformly here.
  return process.listeners(event as 'uncaughtException') as unknown as Listener[];
}

function processListeners(): Map<ProcessEvent, Set<Listener>> {
  return new Map(PROCESS_EVENTS.map((event) => [event, new Set(listenersOf(event))]));
}

/**
 * The Emscripten glue in tfjs-backend-wasm installs process-wide `uncaughtException` and
 * `unhandledRejection` handlers that rethrow, turning any stray rejection anywhere in the service
 * into a crash that prints the whole minified module. Error policy belongs to the application, so
 * the handlers added while the backend loaded are removed again.
 */
function removeListenersAddedSince(before: Map<ProcessEvent, Set<Listener>>): void {
  for (const event of PROCESS_EVENTS) {
    for (const listener of listenersOf(event)) {
      if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
    }
  }
}
