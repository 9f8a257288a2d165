import { ProjectionHead, type ConceptSpace } from '@audio-concepts/decomposer-concepts';
import { StreamGroups, type HeadVersion } from '@audio-concepts/shared-contracts';
import { InvalidInputError, ShapeMismatchError } from '@audio-concepts/shared-errors';
import { UnknownHeadError } from './decomposer.errors';

/** A head ready to decompose with: H, and the concept space with the head's audio mean (sharing the solver). */
export interface LiveHead {
  readonly id: string;
  readonly head: ProjectionHead;
  readonly space: ConceptSpace;
}

/**
 * The projection heads a decomposer knows and which one is live per stream group (StreamGroups: a glob on the stream
 * id). A head is checked when it is added (its concept space, its dimension, finite values, and that its id is the
 * hash of its matrix); a refused head changes nothing. `snapshot()` fixes the choice for one micro-batch, so a head
 * activated while a batch is being decomposed applies from the next batch on, never inside one.
 */
export class HeadBook {
  private readonly heads = new Map<string, LiveHead>();
  private readonly live = new Map<string, string>();

  constructor(
    readonly space: ConceptSpace,
    readonly groups: StreamGroups = new StreamGroups(),
  ) {}

  /** Adds a head for this book's space (conceptSpaceId "" is taken as this space); returns it ready to use. */
  add(head: ProjectionHead, conceptSpaceId = ''): LiveHead {
    if (conceptSpaceId !== '' && conceptSpaceId !== this.space.id)
      throw new InvalidInputError(
        `head ${head.id} is for concept space ${conceptSpaceId}; this decomposer decomposes over ${this.space.id}`,
      );
    if (head.d !== this.space.d)
      throw new ShapeMismatchError(
        `head ${head.id} is ${head.d} × ${head.d}; embeddings of concept space ${this.space.id} have d = ${this.space.d}`,
        [this.space.d, this.space.d],
        [head.d, head.d],
      );
    const known = this.heads.get(head.id);
    if (known) return known;
    const live: LiveHead = {
      id: head.id,
      head,
      space: this.space.withAudioMean(head.audioMeanD ?? new Float64Array(head.d)),
    };
    this.heads.set(head.id, live);
    return live;
  }

  /** A HeadVersion from control.heads.v1, checked: its id must be that of its matrix. */
  addVersion(version: HeadVersion): LiveHead {
    const d = version.dimension;
    if (!Number.isInteger(d) || d < 1 || version.matrix.length !== d * d)
      throw new ShapeMismatchError(
        `head ${JSON.stringify(version.headId)}: ${version.matrix.length} matrix values for dimension ${d}`,
        [d, d],
        [version.matrix.length],
      );
    const head = new ProjectionHead(
      Float64Array.from(version.matrix),
      d,
      version.audioMean.length > 0 ? version.audioMean : null,
    );
    if (head.id !== version.headId)
      throw new InvalidInputError(
        `head ${JSON.stringify(version.headId)}: its matrix hashes to ${head.id} (corrupt or changed in transit)`,
      );
    return this.add(head, version.conceptSpaceId);
  }

  has(headId: string): boolean {
    return this.heads.has(headId);
  }

  get(headId: string): LiveHead {
    const head = this.heads.get(headId);
    if (!head) throw new UnknownHeadError(headId, [...this.heads.keys()]);
    return head;
  }

  /** Makes `headId` live for a stream group ("" = no head: plain decomposition); the head must be known. */
  activate(group: string, headId: string): void {
    if (headId === '') this.live.delete(group);
    else {
      this.get(headId);
      this.live.set(group, headId);
    }
  }

  /** The live head id of a group ("" = none). */
  liveHead(group: string): string {
    return this.live.get(group) ?? '';
  }

  /** The head each stream's windows go through in the batch about to be decomposed (undefined: none). */
  snapshot(): (streamId: string) => LiveHead | undefined {
    if (this.live.size === 0) return () => undefined;
    const chosen = new Map([...this.live].map(([group, id]) => [group, this.heads.get(id)]));
    return (streamId) => chosen.get(this.groups.groupOf(streamId));
  }

  /** Every known head id. */
  ids(): string[] {
    return [...this.heads.keys()];
  }
}
