// Where each node of a document read by ./block-subset.ts starts, held compactly: one Int32Array of
// records per file and one array of mapping keys, instead of an object per node and a Map per
// mapping (that tree held several times the input's size, and most of it was never asked: positions
// are only looked up for findings). The answers are the same offsets yaml's `node.range[0]` gives.
//
// A child reference is either a record index (>= 0), or, for a scalar, -(offset + 1): scalars need
// no record. Records, written after their children (so every index is known when it is written):
//   mapping:  MAPPING, offset, count, keysStart, then per entry: keyOffset, childRef
//   sequence: SEQUENCE, offset, count, then per item: childRef

const MAPPING = 1;
const SEQUENCE = 2;
/** Mappings with more keys than this get a key -> entry Map when first searched (hostile inputs). */
const LINEAR_KEY_SEARCH = 32;

export type ChildRef = number;

export interface PositionIndex {
  slots: Int32Array;
  /** The keys of every mapping, each mapping's keys contiguous from its keysStart. */
  keys: readonly string[];
  /** Built on demand for large mappings only; the index of a mapping record -> key -> entry number. */
  lookups?: Map<number, Map<string, number>>;
}

export function scalarRef(offset: number): ChildRef {
  return -(offset + 1);
}

/** Collects records while a file is read; `finish` freezes them into a PositionIndex. */
export class PositionIndexBuilder {
  private readonly slots: number[] = [];
  private readonly keys: string[] = [];

  mapping(offset: number, keys: readonly string[], keyOffsets: readonly number[], children: readonly ChildRef[]): ChildRef {
    const at = this.slots.length;
    this.slots.push(MAPPING, offset, keys.length, this.keys.length);
    for (let i = 0; i < keys.length; i++) {
      this.keys.push(keys[i] as string);
      this.slots.push(keyOffsets[i] as number, children[i] as number);
    }
    return at;
  }

  sequence(offset: number, children: readonly ChildRef[]): ChildRef {
    const at = this.slots.length;
    this.slots.push(SEQUENCE, offset, children.length);
    for (const child of children) this.slots.push(child);
    return at;
  }

  finish(): PositionIndex {
    return { slots: Int32Array.from(this.slots), keys: this.keys };
  }
}

/**
 * Offset of the deepest node along `path` from `root` (its key when `wantKey` and the last step
 * exists): the same answers as parse-manifests.ts nodeOffset gives over yaml's nodes.
 */
export function offsetAt(index: PositionIndex, root: ChildRef, path: readonly (string | number)[], wantKey: boolean): number {
  const slots = index.slots;
  let ref = root;
  for (let i = 0; i < path.length; i++) {
    if (ref < 0) return -ref - 1;
    const step = path[i] as string | number;
    const kind = slots[ref] as number;
    const offset = slots[ref + 1] as number;
    const count = slots[ref + 2] as number;
    if (kind === MAPPING) {
      const entry = findKey(index, ref, count, String(step));
      if (entry < 0) return offset;
      if (i === path.length - 1 && wantKey) return slots[ref + 4 + 2 * entry] as number;
      ref = slots[ref + 5 + 2 * entry] as number;
    } else if (kind === SEQUENCE && typeof step === 'number') {
      if (!Number.isInteger(step) || step < 0 || step >= count) return offset;
      ref = slots[ref + 3 + step] as number;
    } else {
      return offset;
    }
  }
  return ref < 0 ? -ref - 1 : (slots[ref + 1] as number);
}

function findKey(index: PositionIndex, ref: number, count: number, key: string): number {
  const keysStart = index.slots[ref + 3] as number;
  if (count <= LINEAR_KEY_SEARCH) {
    for (let j = 0; j < count; j++) if (index.keys[keysStart + j] === key) return j;
    return -1;
  }
  index.lookups ??= new Map();
  let lookup = index.lookups.get(ref);
  if (!lookup) {
    lookup = new Map();
    for (let j = 0; j < count; j++) lookup.set(index.keys[keysStart + j] as string, j);
    index.lookups.set(ref, lookup);
  }
  return lookup.get(key) ?? -1;
}

/**
 * 1-based line and column of `offset`, given the offsets at which lines start (ascending): what
 * yaml's LineCounter.linePos (yaml src/parse/line-counter.ts) answers, over a typed array.
 */
export function linePosition(lineStarts: Int32Array, offset: number): { line: number; col: number } {
  let low = 0;
  let high = lineStarts.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((lineStarts[mid] as number) < offset) low = mid + 1;
    else high = mid;
  }
  if (lineStarts[low] === offset) return { line: low + 1, col: 1 };
  if (low === 0) return { line: 0, col: offset };
  return { line: low, col: offset - (lineStarts[low - 1] as number) + 1 };
}
