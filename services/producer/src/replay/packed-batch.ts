import type { OutgoingBatch, OutgoingMessage } from './outgoing-batch';

/**
 * A batch as the sender fills it: every key and value written as UTF-8 into one buffer when
 * added, their topics and lengths in another. The replay thread hands it to the sending
 * thread as two transferable buffers, without a copy: posting messages as objects would
 * copy and re-allocate each string on the way (structured clone), and the sending thread
 * would still encode them for Kafka. Writing on add also means the replay keeps no string
 * alive past its row, so its garbage dies young.
 */
export interface PackedBatch {
  /** the batch's topics; messages name theirs by index */
  topics: string[];
  /** per message: topic index, key length (-1 for a null key), value length, in bytes */
  lengths: Int32Array;
  /** every key and value, in message order */
  bytes: Uint8Array;
  count: number;
  /** key and value bytes in all */
  size: number;
}

/** A batch's buffers once it is sent: the sending thread hands them back with its acknowledgement. */
export interface SpareBuffers {
  lengths: ArrayBuffer;
  bytes: ArrayBuffer;
}

export interface BatchCapacity {
  bytes: number;
  messages: number;
}

const NULL_KEY = -1;
const FIELDS_PER_MESSAGE = 3;
/** a new batch starts this large and doubles as needed; the next starts where the last ended */
const INITIAL_BYTES = 64 * 1024;
const INITIAL_MESSAGES = 1024;

/** Fills one PackedBatch. */
export class PackedBatchBuilder {
  private readonly topics: string[] = [];
  private readonly topicIndex = new Map<string, number>();
  private lengths: Int32Array;
  private bytes: Buffer;
  count = 0;
  size = 0;

  /** `spare`: a sent batch's buffers, given back to be filled again, used where large enough */
  constructor(capacity: BatchCapacity = { bytes: INITIAL_BYTES, messages: INITIAL_MESSAGES }, spare?: SpareBuffers) {
    this.bytes =
      spare && spare.bytes.byteLength >= capacity.bytes
        ? Buffer.from(spare.bytes, 0, spare.bytes.byteLength)
        : Buffer.allocUnsafeSlow(Math.max(capacity.bytes, 1));
    const lengths = Math.max(capacity.messages, 1) * FIELDS_PER_MESSAGE;
    this.lengths = spare && spare.lengths.byteLength >= lengths * 4 ? new Int32Array(spare.lengths) : new Int32Array(lengths);
  }

  /** How large the next batch should start, so a steady stream stops growing buffers. */
  get capacity(): BatchCapacity {
    return { bytes: this.bytes.length, messages: this.lengths.length / FIELDS_PER_MESSAGE };
  }

  /** Adds a message whose key and value are strings or bytes, copied in. */
  add(topic: string, keyBytes: number, valueBytes: number, message: OutgoingMessage): void {
    const at = this.reserve(topic, keyBytes, valueBytes);
    if (message.key !== null) write(this.bytes, message.key, at);
    write(this.bytes, message.value, at + Math.max(keyBytes, 0));
  }

  /** Adds a message already encoded: key then value, end to end, at the start of `source`. */
  addEncoded(topic: string, source: Uint8Array, keyBytes: number, valueBytes: number): void {
    const at = this.reserve(topic, keyBytes, valueBytes);
    this.bytes.set(source.subarray(0, keyBytes + valueBytes), at);
  }

  /** The batch; the builder is not used after this. */
  build(): PackedBatch {
    return { topics: this.topics, lengths: this.lengths, bytes: this.bytes, count: this.count, size: this.size };
  }

  /** Records the message's topic and lengths; returns where its bytes go. */
  private reserve(topic: string, keyBytes: number, valueBytes: number): number {
    let index = this.topicIndex.get(topic);
    if (index === undefined) {
      index = this.topics.push(topic) - 1;
      this.topicIndex.set(topic, index);
    }
    const bytes = Math.max(keyBytes, 0) + valueBytes;
    if (this.size + bytes > this.bytes.length) this.bytes = grown(this.bytes, this.size, this.size + bytes);
    if ((this.count + 1) * FIELDS_PER_MESSAGE > this.lengths.length) {
      const lengths = new Int32Array(this.lengths.length * 2);
      lengths.set(this.lengths);
      this.lengths = lengths;
    }
    const i = this.count * FIELDS_PER_MESSAGE;
    this.lengths[i] = index;
    this.lengths[i + 1] = keyBytes;
    this.lengths[i + 2] = valueBytes;
    this.count += 1;
    const at = this.size;
    this.size += bytes;
    return at;
  }
}

/** The UTF-8 size of a key (-1 when null) or value. */
export function byteLength(text: string | Buffer | null): number {
  if (text === null) return NULL_KEY;
  return typeof text === 'string' ? Buffer.byteLength(text) : text.length;
}

function write(into: Buffer, text: string | Buffer, at: number): void {
  if (typeof text === 'string') into.write(text, at);
  else into.set(text, at);
}

function grown(bytes: Buffer, used: number, needed: number): Buffer {
  let length = bytes.length * 2;
  while (length < needed) length *= 2;
  const larger = Buffer.allocUnsafeSlow(length);
  bytes.copy(larger, 0, 0, used);
  return larger;
}

/** What `postMessage` should move rather than copy. */
export function transferListOf(packed: PackedBatch): ArrayBuffer[] {
  return [packed.lengths.buffer as ArrayBuffer, packed.bytes.buffer as ArrayBuffer];
}

/**
 * A delivered batch's buffers, to travel back and be filled again, so that a replay reuses a
 * few buffers instead of leaving a fresh one per batch to the sending thread's garbage
 * collector, which lets tens pile up before it runs (peak RSS: docs/benchmarks.md, "Choices
 * in the code"). Only once Kafka acknowledged the batch: moving the buffers empties every
 * Buffer still pointing into them.
 */
export function spareBuffersOf(packed: PackedBatch): SpareBuffers {
  return { lengths: packed.lengths.buffer as ArrayBuffer, bytes: packed.bytes.buffer as ArrayBuffer };
}

/** The batch per topic, each key and value a Buffer over the packed bytes (no copy), in the order added. */
export function unpackBatch(packed: PackedBatch): OutgoingBatch {
  const { topics, lengths, bytes, count } = packed;
  const perTopic = topics.map((): OutgoingMessage[] => []);
  let at = bytes.byteOffset;
  for (let m = 0, i = 0; m < count; m += 1, i += FIELDS_PER_MESSAGE) {
    const keyBytes = lengths[i + 1]!;
    const valueBytes = lengths[i + 2]!;
    let key: Buffer | null = null;
    if (keyBytes !== NULL_KEY) {
      key = Buffer.from(bytes.buffer, at, keyBytes);
      at += keyBytes;
    }
    perTopic[lengths[i]!]!.push({ key, value: Buffer.from(bytes.buffer, at, valueBytes) });
    at += valueBytes;
  }
  return { byTopic: new Map(topics.map((topic, t) => [topic, perTopic[t]!])), count, bytes: packed.size };
}
