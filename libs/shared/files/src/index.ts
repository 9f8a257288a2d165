export { temporaryPathFor, writeFileAtomic } from './atomic-file.writer';
export { readAt } from './file.reader';
export { DirectoryError, makeDirectory, makeDirectorySync } from './directory.maker';
