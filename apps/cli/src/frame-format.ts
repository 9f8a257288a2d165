import type { ConceptFrame as ConceptFrameMessage } from '@audio-concepts/shared-contracts';
import type { ConceptFrame } from '@audio-concepts/pipeline-embedded';

/** `  0.0–10.0 s  hum 0.412; hiss 0.330   (cos 0.93, 2 concepts)`; "; " because AudioSet names contain commas */
export function tableLine(frame: ConceptFrame): string {
  const span = `${frame.startS.toFixed(1)}–${frame.endS.toFixed(1)} s`.padStart(14);
  const concepts =
    frame.concepts.length > 0
      ? frame.concepts.map((c) => `${c.label} ${c.weight.toFixed(3)}`).join('; ')
      : '(no concept)';
  return `${span}  ${concepts}   (cos ${frame.cosine.toFixed(2)}, ${frame.l0} concept${frame.l0 === 1 ? '' : 's'})`;
}

/** A ConceptFrame from Kafka (protobuf, milliseconds) as the pipeline's frame that `tag` prints. */
export function fromConceptFrameMessage(message: ConceptFrameMessage): ConceptFrame {
  return {
    stream: message.streamId,
    windowSeq: message.windowSeq,
    startS: message.startMs / 1000,
    endS: (message.startMs + message.durationMs) / 1000,
    concepts: message.concepts.map((c) => ({ label: c.label, weight: c.weight })),
    cosine: message.cosine,
    l0: message.l0,
  };
}
