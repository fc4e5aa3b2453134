// Snapshots kept in the page's IndexedDB, so that they survive a reload.

export interface Saved {
  readonly id: number;
  readonly at: string;
  readonly source: string;
  readonly perCall: number;
  readonly snapshot: Uint8Array;
  readonly journal: Uint8Array;
}

const DB = 'xsb-playground';
const STORE = 'snapshots';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: 'id', autoIncrement: true });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function run<T>(mode: IDBTransactionMode, act: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const request = act(db.transaction(STORE, mode).objectStore(STORE));
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  } finally {
    db.close();
  }
}

export const saveSnapshot = (saved: Omit<Saved, 'id'>): Promise<IDBValidKey> => run('readwrite', (store) => store.add(saved));
export const listSnapshots = (): Promise<Saved[]> => run('readonly', (store) => store.getAll() as IDBRequest<Saved[]>);
export const deleteSnapshot = (id: number): Promise<undefined> => run('readwrite', (store) => store.delete(id));
