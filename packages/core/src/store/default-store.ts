import { resolve } from 'node:path';
import { FileStore } from './file-store.js';

let shared: FileStore | undefined;

/**
 * The store the packages use when they are given none: a `FileStore` in `.mistral-flows/store`
 * under the working directory of the first call. One per process, created on first use; it
 * needs no native module and no server. Pass a store explicitly for anything else.
 */
export function defaultStore(): FileStore {
  shared ??= new FileStore({ dir: resolve('.mistral-flows', 'store') });
  return shared;
}
