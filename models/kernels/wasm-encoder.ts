/**
 * A minimal WebAssembly binary encoder: just enough to emit a module that imports one memory and
 * exports functions over i32/f64 parameters and i32/f32/f64/v128 locals, with the scalar, control
 * and fixed-width SIMD (f32x4/f64x2) instructions the trainer's kernels use.
 *
 * Encodings follow the WebAssembly core specification 2.0 (binary format, sections 5.1-5.5); SIMD
 * instructions are the 0xFD prefix followed by the sub-opcode as an unsigned LEB128, e.g.
 * `f32x4.add` = FD E4 01. The output is checked by `WebAssembly.validate` before use, so an encoding
 * slip shows up as a failed validation, never as silently wrong arithmetic.
 */

export const I32 = 0x7f;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof F32 | typeof F64 | typeof V128;

/** 0xFD sub-opcodes used by the kernels (names as in the text format). */
export const SIMD = {
  'v128.load': 0x00,
  'v128.load32_splat': 0x09,
  'v128.store': 0x0b,
  'v128.const': 0x0c,
  'f32x4.splat': 0x13,
  'f64x2.splat': 0x14,
  'f32x4.extract_lane': 0x1f,
  'f32x4.gt': 0x44,
  'v128.and': 0x4e,
  'v128.store64_lane': 0x5b,
  'v128.load64_zero': 0x5d,
  'f32x4.demote_f64x2_zero': 0x5e,
  'f64x2.promote_low_f32x4': 0x5f,
  'f32x4.add': 0xe4,
  'f32x4.sub': 0xe5,
  'f32x4.mul': 0xe6,
  'f32x4.pmax': 0xeb,
  'f64x2.sqrt': 0xef,
  'f64x2.add': 0xf0,
  'f64x2.sub': 0xf1,
  'f64x2.mul': 0xf2,
  'f64x2.div': 0xf3,
} as const;
export type SimdOp = keyof typeof SIMD;

/** Natural alignment (log2 bytes) of the SIMD memory instructions, used as the memarg hint. */
const SIMD_ALIGN: Partial<Record<SimdOp, number>> = {
  'v128.load': 4,
  'v128.store': 4,
  'v128.load32_splat': 2,
  'v128.load64_zero': 3,
  'v128.store64_lane': 3,
};

export function uleb(out: number[], value: number): void {
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
}

export function sleb(out: number[], value: number): void {
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return;
    }
    out.push(byte | 0x80);
  }
}

function name(out: number[], text: string): void {
  const bytes = new TextEncoder().encode(text);
  uleb(out, bytes.length);
  out.push(...bytes);
}

/**
 * The body of one function: locals plus an instruction stream. Methods append one instruction
 * each and return `this`, so code reads in stack-machine order.
 */
export class FunctionBody {
  readonly code: number[] = [];
  private readonly localTypes: ValType[] = [];

  constructor(
    readonly exportName: string,
    readonly params: ValType[],
    readonly results: ValType[] = [],
  ) {}

  /** Declare a local; returns its index. Parameters are locals `0 … params.length - 1`. */
  local(type: ValType): number {
    this.localTypes.push(type);
    return this.params.length + this.localTypes.length - 1;
  }

  locals(type: ValType, count: number): number[] {
    return Array.from({ length: count }, () => this.local(type));
  }

  get(index: number): this {
    this.code.push(0x20);
    uleb(this.code, index);
    return this;
  }

  set(index: number): this {
    this.code.push(0x21);
    uleb(this.code, index);
    return this;
  }

  tee(index: number): this {
    this.code.push(0x22);
    uleb(this.code, index);
    return this;
  }

  i32(value: number): this {
    this.code.push(0x41);
    sleb(this.code, value);
    return this;
  }

  f64(value: number): this {
    this.code.push(0x44);
    const bytes = new Uint8Array(new Float64Array([value]).buffer);
    this.code.push(...bytes);
    return this;
  }

  /** One-byte instructions by name. */
  op(mnemonic: keyof typeof SCALAR): this {
    this.code.push(SCALAR[mnemonic]);
    return this;
  }

  f32Load(offset = 0): this {
    this.code.push(0x2a, 2);
    uleb(this.code, offset);
    return this;
  }

  f32Store(offset = 0): this {
    this.code.push(0x38, 2);
    uleb(this.code, offset);
    return this;
  }

  i32Load(offset = 0): this {
    this.code.push(0x28, 2);
    uleb(this.code, offset);
    return this;
  }

  /** A SIMD instruction; memory ones take a byte `offset`, `store64_lane`/`extract_lane` a `lane`. */
  simd(op: SimdOp, offset = 0, lane?: number): this {
    this.code.push(0xfd);
    uleb(this.code, SIMD[op]);
    const align = SIMD_ALIGN[op];
    if (align !== undefined) {
      this.code.push(align);
      uleb(this.code, offset);
    }
    if (op === 'v128.store64_lane' || op === 'f32x4.extract_lane') this.code.push(lane ?? 0);
    return this;
  }

  /** `v128.const` of four zero lanes. */
  zero128(): this {
    this.code.push(0xfd);
    uleb(this.code, SIMD['v128.const']);
    for (let i = 0; i < 16; i++) this.code.push(0);
    return this;
  }

  /** `local = local + delta` for an i32 local and constant (or local) delta. */
  addTo(index: number, delta: number | { local: number }): this {
    this.get(index);
    if (typeof delta === 'number') this.i32(delta);
    else this.get(delta.local);
    return this.op('i32.add').set(index);
  }

  /**
   * `block { loop { if (exit) break; body; continue } }`: `exit` pushes an i32 that ends the
   * loop when non-zero. Branches inside `body` are relative to its own blocks.
   */
  whileNot(exit: () => void, body: () => void): this {
    this.code.push(0x02, 0x40, 0x03, 0x40);
    exit();
    this.code.push(0x0d, 1);
    body();
    this.code.push(0x0c, 0, 0x0b, 0x0b);
    return this;
  }

  /** `if (cond) { then }`; `cond` pushes an i32. */
  when(cond: () => void, then: () => void): this {
    cond();
    this.code.push(0x04, 0x40);
    then();
    this.code.push(0x0b);
    return this;
  }

  encode(): number[] {
    const out: number[] = [];
    uleb(out, this.localTypes.length);
    for (const t of this.localTypes) out.push(1, t);
    out.push(...this.code, 0x0b);
    const sized: number[] = [];
    uleb(sized, out.length);
    return [...sized, ...out];
  }
}

const SCALAR = {
  'i32.eqz': 0x45,
  'i32.eq': 0x46,
  'i32.ne': 0x47,
  'i32.lt_s': 0x48,
  'i32.lt_u': 0x49,
  'i32.gt_s': 0x4a,
  'i32.gt_u': 0x4b,
  'i32.le_s': 0x4c,
  'i32.le_u': 0x4d,
  'i32.ge_s': 0x4e,
  'i32.ge_u': 0x4f,
  'i32.add': 0x6a,
  'i32.sub': 0x6b,
  'i32.mul': 0x6c,
  'i32.shl': 0x74,
  drop: 0x1a,
} as const;

function section(out: number[], id: number, content: number[]): void {
  out.push(id);
  uleb(out, content.length);
  out.push(...content);
}

/** A module importing `env.memory` (at least `minPages` pages) and exporting every function. */
export function encodeModule(functions: FunctionBody[], minPages = 1): Uint8Array {
  const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const types: number[] = [];
  uleb(types, functions.length);
  for (const f of functions) {
    types.push(0x60);
    uleb(types, f.params.length);
    types.push(...f.params);
    uleb(types, f.results.length);
    types.push(...f.results);
  }
  section(out, 1, types);

  const imports: number[] = [1];
  name(imports, 'env');
  name(imports, 'memory');
  imports.push(0x02, 0x00);
  uleb(imports, minPages);
  section(out, 2, imports);

  const funcs: number[] = [];
  uleb(funcs, functions.length);
  functions.forEach((_, i) => uleb(funcs, i));
  section(out, 3, funcs);

  const exports: number[] = [];
  uleb(exports, functions.length);
  functions.forEach((f, i) => {
    name(exports, f.exportName);
    exports.push(0x00);
    uleb(exports, i);
  });
  section(out, 7, exports);

  const code: number[] = [];
  uleb(code, functions.length);
  for (const f of functions) code.push(...f.encode());
  section(out, 10, code);
  return Uint8Array.from(out);
}
