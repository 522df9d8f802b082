// Adam on the JS engine (the wasm engine runs the same update as one SIMD kernel).
export interface Adam {
  step(w: Float32Array, g: Float32Array): void;
}

export function createAdam(n: number, learningRate: number, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7): Adam {
  const m = new Float32Array(n);
  const v = new Float32Array(n);
  let t = 0;
  return {
    step(w, g) {
      t++;
      const bc1 = 1 - Math.pow(beta1, t);
      const bc2 = 1 - Math.pow(beta2, t);
      // Bias correction folded into the step size (Kingma & Ba, section 2), as Keras does.
      const lrT = (learningRate * Math.sqrt(bc2)) / bc1;
      const eps = epsilon * Math.sqrt(bc2);
      for (let i = 0; i < n; i++) {
        const gi = g[i];
        const mi = beta1 * m[i] + (1 - beta1) * gi;
        const vi = beta2 * v[i] + (1 - beta2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        w[i] -= (lrT * mi) / (Math.sqrt(vi) + eps);
      }
    },
  };
}

/** Validation rows evaluated per forward call. */
