import { AudioEmbedding, AudioWindow, ConceptFrame, HeadControl } from '@audio-concepts/shared-contracts';
import { InvalidInputError, errorMessage } from '@audio-concepts/shared-errors';
import { BinaryReader } from '@bufbuild/protobuf/wire';

/** A ts-proto message type: what the codec needs of the generated code. */
export interface MessageType<T> {
  encode(message: T): { finish(): Uint8Array };
  /** ts-proto's decode: reads from `input` (a reader is left where the message ended). */
  decode(input: BinaryReader | Uint8Array): T;
}

/** The protobuf message of each topic's value (DESIGN §2); the key is always the stream id (UTF-8). */
export const MESSAGE_TYPES = {
  'audio_concepts.v1.AudioWindow': AudioWindow as MessageType<AudioWindow>,
  'audio_concepts.v1.AudioEmbedding': AudioEmbedding as MessageType<AudioEmbedding>,
  'audio_concepts.v1.ConceptFrame': ConceptFrame as MessageType<ConceptFrame>,
  'audio_concepts.v1.HeadControl': HeadControl as MessageType<HeadControl>,
} as const;

/** A message value that is not the protobuf it should be: poison, for the dead-letter topic. */
export class MessageDecodeError extends InvalidInputError {
  constructor(
    message: string,
    readonly typeName: string,
  ) {
    super(message);
  }
}

export function encodeMessage<T>(type: MessageType<T>, message: T): Buffer {
  const bytes = type.encode(message).finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Decodes a value, turning protobuf's low-level errors (truncated, bad wire type) into one clear error. Bytes
 * left after the message are an error too: protobuf stops at a stray end-group tag, so without this check much
 * garbage would "decode" to an empty message.
 */
export function decodeMessage<T>(type: MessageType<T>, typeName: string, value: Buffer | null): T {
  if (value === null || value.length === 0) throw new MessageDecodeError(`empty ${typeName} message`, typeName);
  const reader = new BinaryReader(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
  let message: T;
  try {
    message = type.decode(reader);
  } catch (error) {
    const reason = errorMessage(error);
    throw new MessageDecodeError(`not a valid ${typeName} (${value.length} bytes): ${reason}`, typeName);
  }
  if (reader.pos !== reader.len)
    throw new MessageDecodeError(
      `not a valid ${typeName} (${value.length} bytes): it ends at byte ${reader.pos} (a stray end-group tag)`,
      typeName,
    );
  return message;
}
