// A block's aggregates as bytes: little-endian Float64 whatever the machine (shards and checkpoints move between machines).

export function blockToBytes(a: Float64Array): Buffer {
  const buf = Buffer.alloc(a.length * 8);
  for (let i = 0; i < a.length; i++) buf.writeDoubleLE(a[i], i * 8);
  return buf;
}

/** The `length` numbers in `buf`, or null when it holds another number of bytes. */
export function blockFromBytes(buf: Buffer, length: number): Float64Array | null {
  if (buf.length !== length * 8) return null;
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) out[i] = buf.readDoubleLE(i * 8);
  return out;
}
