export {
  DEPTH_CHANGE,
  describeEndowments,
  describeEntry,
  ENTRY_KINDS,
  type EntryKind,
  entryText,
  type JournalEntry,
  MESSAGE_KINDS,
  textEntry,
} from './entries.js';
export * as errors from './errors.js';
export {
  DamagedBytesError,
  EngineMismatchError,
  FastPathMismatchError,
  JournalDivergenceError,
  JournalError,
  JournalFormatError,
  type JournalPoint,
  ProtocolVersionError,
  ReentrantCallError,
  SnapshotFormatError,
  SnapshotMismatchError,
} from './errors.js';
export {
  encodeEntry,
  encodeHeader,
  JOURNAL_FORMAT_VERSION,
  JOURNAL_MAGIC,
  type JournalHeader,
  JournalReader,
  type MachineSettings,
  type ReadJournal,
  readJournal,
  readJournalHeader,
} from './format.js';
export {
  type Journaled,
  type JournaledOptions,
  type RestoreOptions,
  type RestoreReport,
  restoreJournaled,
  startJournaled,
} from './journaled.js';
export { type JournalSink, MemorySink } from './sink.js';
export {
  decodeSnapshot,
  encodeSnapshot,
  type MeterSettings,
  type MeterState,
  SNAPSHOT_FORMAT_VERSION,
  SNAPSHOT_MAGIC,
  type Snapshot,
  type SnapshotMeta,
} from './snapshot.js';
export { Tables, type TablesState } from './tables.js';
