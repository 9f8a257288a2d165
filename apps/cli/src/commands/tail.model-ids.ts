import { conceptSpaceDirIn, readConceptSpaceManifest } from '@audio-concepts/decomposer-concepts';

/** A space id as `space build` makes them (hex); anything else from the wire is never used as a path. */
const SPACE_ID = /^[0-9a-f]{8,64}$/;

/**
 * The model id of each concept space `tail` meets, for its JSON's model_id (a frame names its space, not the
 * model): read once per space from the local store (`<cache-dir>/spaces/<id>/manifest.json`, where `space build`
 * and `stack up` put them); undefined (JSON null) when the store does not have the space.
 */
export class SpaceModelIds {
  private readonly known = new Map<string, Promise<string | undefined>>();

  constructor(private readonly storeDir: string) {}

  of(conceptSpaceId: string): Promise<string | undefined> {
    let modelId = this.known.get(conceptSpaceId);
    if (!modelId) {
      modelId = SPACE_ID.test(conceptSpaceId) ? this.read(conceptSpaceId) : Promise.resolve(undefined);
      this.known.set(conceptSpaceId, modelId);
    }
    return modelId;
  }

  private async read(id: string): Promise<string | undefined> {
    try {
      const manifest = await readConceptSpaceManifest(conceptSpaceDirIn(this.storeDir, id));
      return manifest.id === id ? manifest.modelId : undefined;
    } catch {
      return undefined; // not in this store (the services may run elsewhere): the JSON says null
    }
  }
}
