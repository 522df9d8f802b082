/**
 * WebAssembly SIMD (f32x4) kernels for the dense-model trainer, generated as a binary module by
 * ./wasm-encoder.ts when this file is first used: no build step, no generated artefact to keep in
 * sync, and nothing to download. The module imports its memory, so the trainer allocates one
 * `WebAssembly.Memory` per run holding every buffer (weights, gradients, Adam moments,
 * activations, deltas, the standardised data and the row order) and calls the kernels with byte
 * addresses into it: no copies per batch.
 *
 * Conventions: every address and stride is in bytes; matrices are row-major float32; every
 * vectorised width (`n` below) is a multiple of 4 (the trainer pads layer widths to multiples of 4
 * with zero weights, which stay exactly zero through training). Every kernel sums in a fixed order,
 * so results are bit-for-bit reproducible; they differ from the plain-JS kernels only in rounding
 * (float32 accumulation in vector lanes instead of float64 scalars).
 */

import { F64, FunctionBody, I32, V128, encodeModule } from './wasm-encoder.ts';

/** Epilogue applied to each 4-lane vector of a product before it is stored. */
type Epilogue = 'plain' | 'bias' | 'biasRelu' | 'reluGrad' | 'reluGradMask';

/** Rows × 4-lane column vectors held in registers by the main GEMM tile (8 accumulators). */
const TILE_ROWS = 4;
const TILE_VECS = 2;

/**
 * `C[i, j] = epilogue(Σ_t A[i·sAi + t·sAp] · B[t·sB + j])` for `i < m`, `j < n`, `t < p`.
 *
 * Parameters `(C, A, B, m, n, p, sAi, sAp, sB, sC, e1?, e2?)`. With strides one kernel covers
 * all three products of a dense layer without transposing activations:
 *   forward   Z  = X·W       A = X (sAi = row, sAp = 4),  B = W (in×out)
 *   gradient  dW = Xᵀ·dZ     A = X (sAi = 4, sAp = row),  B = dZ
 *   backprop  dX = dZ·Wᵀ     A = dZ,                     B = Wᵀ (out×in, refreshed per step)
 * Epilogues: `bias` adds the vector at `e1 + 4j`; `biasRelu` then applies `x < 0 ? 0 : x`
 * (`f32x4.pmax`, the plain kernel's exact rule); `reluGrad` zeroes lanes where the activation at
 * `e1` (laid out like C) is not > 0; `reluGradMask` first multiplies by the dropout mask at `e2`.
 *
 * Each 4×8 tile of C is accumulated in eight v128 registers over the whole `p` loop: per step two
 * vector loads of B, four splat loads of A, eight multiplies and eight adds.
 */
function gemm(exportName: string, epilogue: Epilogue): FunctionBody {
  const extra = epilogue === 'plain' ? 0 : epilogue === 'reluGradMask' ? 2 : 1;
  const f = new FunctionBody(exportName, Array(10 + extra).fill(I32));
  const [C, A, B, m, n, p, sAi, sAp, sB, sC, e1, e2] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const i = f.local(I32);
  const j = f.local(I32);
  const aRow = f.local(I32);
  const cRow = f.local(I32);
  const aPtr = f.local(I32);
  const bPtr = f.local(I32);
  const t = f.local(I32);
  const sAi2 = f.local(I32);
  const sAi3 = f.local(I32);
  const cPtr = f.local(I32);
  const ePtr = f.local(I32);
  const mPtr = f.local(I32);
  const acc = f.locals(V128, TILE_ROWS * TILE_VECS);
  const bv = f.locals(V128, TILE_VECS);
  const av = f.local(V128);
  const zero = f.local(V128);
  const rowStride = [0, sAi, sAi2, sAi3];

  const tile = (rows: number, vecs: number): void => {
    for (let k = 0; k < rows * vecs; k++) f.zero128().set(acc[k]);
    f.get(aRow).set(aPtr);
    f.get(j).i32(2).op('i32.shl').get(B).op('i32.add').set(bPtr);
    f.get(p).set(t);
    f.whileNot(
      () => f.get(t).op('i32.eqz'),
      () => {
        for (let v = 0; v < vecs; v++) f.get(bPtr).simd('v128.load', 16 * v).set(bv[v]);
        for (let r = 0; r < rows; r++) {
          f.get(aPtr);
          if (r > 0) f.get(rowStride[r]).op('i32.add');
          f.simd('v128.load32_splat').set(av);
          for (let v = 0; v < vecs; v++) {
            const a = acc[r * vecs + v];
            f.get(a).get(av).get(bv[v]).simd('f32x4.mul').simd('f32x4.add').set(a);
          }
        }
        f.addTo(aPtr, { local: sAp }).addTo(bPtr, { local: sB }).addTo(t, -1);
      },
    );
    // Epilogue: C row r at cPtr (+ sC per row); e1/e2 addressed like C, or by column for a bias.
    f.get(j).i32(2).op('i32.shl').get(cRow).op('i32.add').set(cPtr);
    if (epilogue === 'bias' || epilogue === 'biasRelu') {
      f.get(j).i32(2).op('i32.shl').get(e1).op('i32.add').set(ePtr);
    } else if (epilogue !== 'plain') {
      f.get(cPtr).get(C).op('i32.sub').get(e1).op('i32.add').set(ePtr);
      if (epilogue === 'reluGradMask') f.get(cPtr).get(C).op('i32.sub').get(e2).op('i32.add').set(mPtr);
    }
    for (let r = 0; r < rows; r++) {
      if (r > 0) {
        f.addTo(cPtr, { local: sC });
        if (epilogue === 'reluGrad' || epilogue === 'reluGradMask') f.addTo(ePtr, { local: sC });
        if (epilogue === 'reluGradMask') f.addTo(mPtr, { local: sC });
      }
      for (let v = 0; v < vecs; v++) {
        f.get(cPtr).get(acc[r * vecs + v]);
        switch (epilogue) {
          case 'plain':
            break;
          case 'bias':
            f.get(ePtr).simd('v128.load', 16 * v).simd('f32x4.add');
            break;
          case 'biasRelu':
            f.get(ePtr).simd('v128.load', 16 * v).simd('f32x4.add').get(zero).simd('f32x4.pmax');
            break;
          case 'reluGradMask':
            f.get(mPtr).simd('v128.load', 16 * v).simd('f32x4.mul');
          // falls through
          case 'reluGrad':
            f.get(ePtr).simd('v128.load', 16 * v).get(zero).simd('f32x4.gt').simd('v128.and');
            break;
        }
        f.simd('v128.store', 16 * v);
      }
    }
  };

  const rowBlock = (rows: number): void => {
    f.get(i).get(sAi).op('i32.mul').get(A).op('i32.add').set(aRow);
    f.get(i).get(sC).op('i32.mul').get(C).op('i32.add').set(cRow);
    f.i32(0).set(j);
    f.whileNot(
      () => f.get(j).i32(4 * TILE_VECS).op('i32.add').get(n).op('i32.gt_s'),
      () => {
        tile(rows, TILE_VECS);
        f.addTo(j, 4 * TILE_VECS);
      },
    );
    f.whileNot(
      () => f.get(j).get(n).op('i32.ge_s'),
      () => {
        tile(rows, 1);
        f.addTo(j, 4);
      },
    );
  };

  f.zero128().set(zero);
  f.get(sAi).i32(1).op('i32.shl').set(sAi2);
  f.get(sAi2).get(sAi).op('i32.add').set(sAi3);
  f.i32(0).set(i);
  f.whileNot(
    () => f.get(i).i32(TILE_ROWS).op('i32.add').get(m).op('i32.gt_s'),
    () => {
      rowBlock(TILE_ROWS);
      f.addTo(i, TILE_ROWS);
    },
  );
  f.whileNot(
    () => f.get(i).get(m).op('i32.ge_s'),
    () => {
      rowBlock(1);
      f.addTo(i, 1);
    },
  );
  return f;
}

/** `out[j] = Σ_r D[r·sD + j]` over `rows` rows in order, for `j < n` (the bias gradient). */
function colsum(): FunctionBody {
  const f = new FunctionBody('colsum', [I32, I32, I32, I32, I32]);
  const [out, D, rows, n, sD] = [0, 1, 2, 3, 4];
  const jb = f.local(I32);
  const nb = f.local(I32);
  const ptr = f.local(I32);
  const t = f.local(I32);
  const acc = f.locals(V128, 4);
  f.get(n).i32(2).op('i32.shl').set(nb);
  f.i32(0).set(jb);
  const block = (vecs: number): void => {
    for (let v = 0; v < vecs; v++) f.zero128().set(acc[v]);
    f.get(D).get(jb).op('i32.add').set(ptr);
    f.get(rows).set(t);
    f.whileNot(
      () => f.get(t).op('i32.eqz'),
      () => {
        for (let v = 0; v < vecs; v++) f.get(acc[v]).get(ptr).simd('v128.load', 16 * v).simd('f32x4.add').set(acc[v]);
        f.addTo(ptr, { local: sD }).addTo(t, -1);
      },
    );
    for (let v = 0; v < vecs; v++) f.get(out).get(jb).op('i32.add').get(acc[v]).simd('v128.store', 16 * v);
    f.addTo(jb, 16 * vecs);
  };
  // Four independent column vectors at a time keep four add chains in flight.
  f.whileNot(() => f.get(jb).i32(64).op('i32.add').get(nb).op('i32.gt_s'), () => block(4));
  f.whileNot(() => f.get(jb).get(nb).op('i32.ge_s'), () => block(1));
  return f;
}

/** `dst (cols×rows) = srcᵀ` for a row-major `rows×cols` float32 matrix. */
function transpose(): FunctionBody {
  const f = new FunctionBody('transpose', [I32, I32, I32, I32]);
  const [dst, src, rows, cols] = [0, 1, 2, 3];
  const r = f.local(I32);
  const c = f.local(I32);
  const sp = f.local(I32);
  const dp = f.local(I32);
  const rowBytes = f.local(I32);
  f.get(rows).i32(2).op('i32.shl').set(rowBytes);
  f.get(src).set(sp);
  f.i32(0).set(r);
  f.whileNot(
    () => f.get(r).get(rows).op('i32.ge_s'),
    () => {
      f.get(r).i32(2).op('i32.shl').get(dst).op('i32.add').set(dp);
      f.get(cols).set(c);
      f.whileNot(
        () => f.get(c).op('i32.eqz'),
        () => {
          f.get(dp).get(sp).f32Load().f32Store();
          f.addTo(sp, 4).addTo(dp, { local: rowBytes }).addTo(c, -1);
        },
      );
      f.addTo(r, 1);
    },
  );
  return f;
}

/** Copy rows `order[0 … rows)` of `xs` (each `rowBytes`, a multiple of 16) to consecutive rows of `dst`. */
function gather(): FunctionBody {
  const f = new FunctionBody('gather', [I32, I32, I32, I32, I32]);
  const [dst, xs, orderPtr, rows, rowBytes] = [0, 1, 2, 3, 4];
  const src = f.local(I32);
  const b = f.local(I32);
  f.whileNot(
    () => f.get(rows).op('i32.eqz'),
    () => {
      f.get(orderPtr).i32Load().get(rowBytes).op('i32.mul').get(xs).op('i32.add').set(src);
      f.i32(0).set(b);
      f.whileNot(
        () => f.get(b).get(rowBytes).op('i32.ge_s'),
        () => {
          f.get(dst).get(b).op('i32.add').get(src).get(b).op('i32.add').simd('v128.load').simd('v128.store');
          f.addTo(b, 16);
        },
      );
      f.addTo(dst, { local: rowBytes }).addTo(orderPtr, 4).addTo(rows, -1);
    },
  );
  return f;
}

/** Two float32 at `addr` widened to an f64x2 (pushes the vector). */
function loadF64x2(f: FunctionBody, addr: number): void {
  f.get(addr).simd('v128.load64_zero').simd('f64x2.promote_low_f32x4');
}

/** Round the f64x2 on the stack to float32 and store both lanes at `addr` (address pushed first). */
function storeF32x2(f: FunctionBody): void {
  f.simd('f32x4.demote_f64x2_zero').simd('v128.store64_lane', 0, 0);
}

/**
 * `g[i] = f32(g[i] + alpha · w[i])` for `i < n` (n even), computed in float64 like the plain-JS
 * `g[i] += l2 * w[i]` on a Float32Array, so the L2 term is bit-identical on both paths.
 */
function l2Axpy(): FunctionBody {
  const f = new FunctionBody('l2_axpy', [I32, I32, I32, F64]);
  const [g, w, n, alpha] = [0, 1, 2, 3];
  const end = f.local(I32);
  const a = f.local(V128);
  f.get(alpha).simd('f64x2.splat').set(a);
  f.get(n).i32(2).op('i32.shl').get(g).op('i32.add').set(end);
  f.whileNot(
    () => f.get(g).get(end).op('i32.ge_u'),
    () => {
      f.get(g);
      loadF64x2(f, g);
      f.get(a);
      loadF64x2(f, w);
      f.simd('f64x2.mul').simd('f64x2.add');
      storeF32x2(f);
      f.addTo(g, 8).addTo(w, 8);
    },
  );
  return f;
}

/**
 * One Adam step over `n` (even) parameters, in float64 exactly as the plain-JS loop does it
 * (`m = β1·m + (1-β1)·g`, `v = β2·v + (1-β2)·g·g`, `w -= lrT·m / (√v + eps)` with the unrounded
 * m and v), so both paths update identically given identical gradients.
 */
function adam(): FunctionBody {
  const f = new FunctionBody('adam', [I32, I32, I32, I32, I32, F64, F64, F64, F64, F64, F64]);
  const [w, g, m, v, n] = [0, 1, 2, 3, 4];
  const scalars = [5, 6, 7, 8, 9, 10];
  const [b1, omb1, b2, omb2, lrT, eps] = scalars.map(() => f.local(V128));
  const end = f.local(I32);
  const gv = f.local(V128);
  const mi = f.local(V128);
  const vi = f.local(V128);
  [b1, omb1, b2, omb2, lrT, eps].forEach((local, k) => f.get(scalars[k]).simd('f64x2.splat').set(local));
  f.get(n).i32(2).op('i32.shl').get(w).op('i32.add').set(end);
  f.whileNot(
    () => f.get(w).get(end).op('i32.ge_u'),
    () => {
      loadF64x2(f, g);
      f.set(gv);
      f.get(b1);
      loadF64x2(f, m);
      f.simd('f64x2.mul').get(omb1).get(gv).simd('f64x2.mul').simd('f64x2.add').set(mi);
      f.get(b2);
      loadF64x2(f, v);
      f.simd('f64x2.mul').get(omb2).get(gv).simd('f64x2.mul').get(gv).simd('f64x2.mul').simd('f64x2.add').set(vi);
      f.get(m).get(mi);
      storeF32x2(f);
      f.get(v).get(vi);
      storeF32x2(f);
      f.get(w);
      loadF64x2(f, w);
      f.get(lrT).get(mi).simd('f64x2.mul').get(vi).simd('f64x2.sqrt').get(eps).simd('f64x2.add').simd('f64x2.div');
      f.simd('f64x2.sub');
      storeF32x2(f);
      f.addTo(w, 8).addTo(g, 8).addTo(m, 8).addTo(v, 8);
    },
  );
  return f;
}

/** The kernel module's bytes (deterministic: the same bytes on every call). */
export function buildKernelModule(): Uint8Array {
  return encodeModule([
    gemm('gemm', 'plain'),
    gemm('gemm_bias', 'bias'),
    gemm('gemm_bias_relu', 'biasRelu'),
    gemm('gemm_relu_grad', 'reluGrad'),
    gemm('gemm_relu_grad_mask', 'reluGradMask'),
    colsum(),
    transpose(),
    gather(),
    l2Axpy(),
    adam(),
  ]);
}

/** The kernels bound to one memory; see `gemm` for the GEMM parameter conventions. */
export interface SimdKernels {
  readonly memory: { readonly buffer: ArrayBuffer };
  gemm(C: number, A: number, B: number, m: number, n: number, p: number, sAi: number, sAp: number, sB: number, sC: number): void;
  gemmBias(C: number, A: number, B: number, m: number, n: number, p: number, sAi: number, sAp: number, sB: number, sC: number, bias: number): void;
  gemmBiasRelu(C: number, A: number, B: number, m: number, n: number, p: number, sAi: number, sAp: number, sB: number, sC: number, bias: number): void;
  gemmReluGrad(C: number, A: number, B: number, m: number, n: number, p: number, sAi: number, sAp: number, sB: number, sC: number, act: number): void;
  gemmReluGradMask(
    C: number, A: number, B: number, m: number, n: number, p: number, sAi: number, sAp: number, sB: number, sC: number, act: number, mask: number,
  ): void;
  colsum(out: number, D: number, rows: number, n: number, sD: number): void;
  transpose(dst: number, src: number, rows: number, cols: number): void;
  gather(dst: number, xs: number, orderPtr: number, rows: number, rowBytes: number): void;
  l2Axpy(g: number, w: number, n: number, alpha: number): void;
  adam(w: number, g: number, m: number, v: number, n: number, beta1: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number, lrT: number, eps: number): void;
}

/** The slice of the WebAssembly JS API used here (the project's TypeScript libs do not declare it). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum?: number }) => { buffer: ArrayBuffer };
}

const PAGE_BYTES = 65536;
/** Largest memory the trainer asks for; beyond it the plain-JS kernels are used instead. */
export const MAX_KERNEL_MEMORY_BYTES = 2 ** 31;

let compiled: object | null | undefined;

/** The compiled module, or null when this runtime has no WebAssembly SIMD. Compiled once per process. */
function kernelModule(): object | null {
  if (compiled === undefined) {
    compiled = null;
    const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    try {
      const bytes = buildKernelModule();
      if (api && api.validate(bytes)) compiled = new api.Module(bytes);
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

export function simdKernelsAvailable(): boolean {
  return kernelModule() !== null;
}

/**
 * A fresh zeroed memory of at least `bytes` and the kernels bound to it, or null when SIMD is
 * unavailable or the memory cannot be allocated (the caller falls back to the plain-JS kernels).
 */
export function instantiateSimdKernels(bytes: number): SimdKernels | null {
  const module = kernelModule();
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (module === null || !api || !(bytes <= MAX_KERNEL_MEMORY_BYTES)) return null;
  let memory: { buffer: ArrayBuffer };
  try {
    memory = new api.Memory({ initial: Math.max(1, Math.ceil(bytes / PAGE_BYTES)) });
  } catch {
    return null;
  }
  const e = new api.Instance(module, { env: { memory } }).exports as Record<string, (...args: number[]) => void>;
  return {
    memory,
    gemm: e.gemm,
    gemmBias: e.gemm_bias,
    gemmBiasRelu: e.gemm_bias_relu,
    gemmReluGrad: e.gemm_relu_grad,
    gemmReluGradMask: e.gemm_relu_grad_mask,
    colsum: e.colsum,
    transpose: e.transpose,
    gather: e.gather,
    l2Axpy: e.l2_axpy,
    adam: e.adam,
  };
}
