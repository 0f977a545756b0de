// Node has no IndexedDB; the memory layer's tests run against fake-indexeddb.
import 'fake-indexeddb/auto';
