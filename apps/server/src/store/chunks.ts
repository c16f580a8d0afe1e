/**
 * Ids for an `in (…)` list, in chunks padded to a power of two by repeating the last id:
 * a handful of distinct SQL texts, so prepared statements get reused.
 */
export function* idChunks(ids: string[], max = 512): Generator<string[]> {
  const unique = [...new Set(ids)]
  for (let i = 0; i < unique.length; i += max) {
    const chunk = unique.slice(i, i + max)
    let size = 1
    while (size < chunk.length) size *= 2
    while (chunk.length < size) chunk.push(chunk[chunk.length - 1])
    yield chunk
  }
}
