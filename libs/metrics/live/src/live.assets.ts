import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidInputError } from '@audio-concepts/shared-errors';

/** The package's assets folder: next to src/ (tests) and dist/ (the built app) alike. */
export const LIVE_ASSETS_DIR = join(__dirname, '..', 'assets');

export interface LiveAsset {
  body: Buffer;
  contentType: string;
}

/** The page's three files, read once when the module starts (a missing file fails the start, naming it). */
export class LiveAssets {
  readonly page: LiveAsset;
  readonly unauthorizedPage: string;
  readonly script: LiveAsset;
  readonly style: LiveAsset;

  constructor(dir = LIVE_ASSETS_DIR) {
    this.page = { body: read(dir, 'live.html'), contentType: 'text/html; charset=utf-8' };
    this.unauthorizedPage = read(dir, 'unauthorized.html').toString('utf8');
    this.script = { body: read(dir, 'live.js'), contentType: 'text/javascript; charset=utf-8' };
    this.style = { body: read(dir, 'live.css'), contentType: 'text/css; charset=utf-8' };
  }
}

function read(dir: string, name: string): Buffer {
  const path = join(dir, name);
  try {
    return readFileSync(path);
  } catch (error) {
    throw new InvalidInputError(`the live page's file ${path} cannot be read: ${(error as Error).message}`);
  }
}
