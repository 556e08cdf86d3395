/**
 * A largest one-to-one pairing of a session's frames with remembered frames (Kuhn's augmenting
 * paths; a session has at most 24 frames and a frame is near few remembered ones). bench:replay-separation
 * uses it to measure a rule the frame memory could have had: a session seen before when at least k of
 * its frames are each near a DIFFERENT remembered frame.
 *
 * `nearTo[i]` lists the remembered frames frame i may be paired with; returns the paired frames'
 * indices, ascending.
 */
export function largestMatching<T>(nearTo: readonly (readonly T[])[]): number[] {
  const pairedWith = new Map<T, number>();
  const tryPair = (frame: number, visited: Set<T>): boolean => {
    for (const other of nearTo[frame]!) {
      if (visited.has(other)) continue;
      visited.add(other);
      const holder = pairedWith.get(other);
      if (holder === undefined || tryPair(holder, visited)) {
        pairedWith.set(other, frame);
        return true;
      }
    }
    return false;
  };
  nearTo.forEach((_, frame) => tryPair(frame, new Set<T>()));
  return [...pairedWith.values()].sort((a, b) => a - b);
}
