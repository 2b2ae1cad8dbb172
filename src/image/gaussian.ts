/** Separable Gaussian blur of a raw float32 raster (edges clamped). */

export function gaussianKernel(sigma: number): Float32Array {
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const k = new Float32Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    const v = Math.exp(-(i * i) / (2 * sigma * sigma));
    k[i + radius] = v;
    sum += v;
  }
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  return k;
}

/** Blur `data` (width × height, row-major) with standard deviation `sigma` pixels; returns a new array. */
export function gaussianBlur(data: Float32Array, width: number, height: number, sigma: number): Float32Array {
  if (!(sigma > 0.05)) return data.slice();
  const k = gaussianKernel(sigma);
  const r = (k.length - 1) / 2;
  const tmp = new Float32Array(data.length);
  const out = new Float32Array(data.length);
  for (let j = 0; j < height; j++) {
    const row = j * width;
    for (let i = 0; i < width; i++) {
      let s = 0;
      for (let t = -r; t <= r; t++) {
        const x = i + t < 0 ? 0 : i + t >= width ? width - 1 : i + t;
        s += k[t + r] * data[row + x];
      }
      tmp[row + i] = s;
    }
  }
  for (let j = 0; j < height; j++) {
    for (let i = 0; i < width; i++) {
      let s = 0;
      for (let t = -r; t <= r; t++) {
        const y = j + t < 0 ? 0 : j + t >= height ? height - 1 : j + t;
        s += k[t + r] * tmp[y * width + i];
      }
      out[j * width + i] = s;
    }
  }
  return out;
}
