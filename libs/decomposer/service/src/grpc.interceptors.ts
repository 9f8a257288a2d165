import {
  ResponderBuilder,
  ServerInterceptingCall,
  ServerListenerBuilder,
  status,
  type Metadata,
  type ServerInterceptingCallInterface,
  type ServerInterceptor,
  type ServerListener,
} from '@grpc/grpc-js';

/** Why a call was refused before its handler ran, for the metrics: `Decompose`, `UNAUTHENTICATED`. */
export type OnRefused = (method: string, code: status) => void;

/** The method's name from its path: `/audio_concepts.v1.Decomposer/Decompose` → `Decompose`. */
export const methodName = (path: string) => path.slice(path.lastIndexOf('/') + 1);

/**
 * A server interceptor from two checks, each returning why the call is refused (undefined: go on): one of the
 * request's metadata, one of its (decoded) message. A refused call ends with `code` and that reason, before its
 * handler sees it.
 */
export function refusingInterceptor(
  code: status,
  checks: {
    metadata?: (path: string, metadata: Metadata) => string | undefined;
    message?: (path: string, message: unknown) => string | undefined;
  },
  onRefused?: OnRefused,
): ServerInterceptor {
  return (method, call: ServerInterceptingCallInterface) => {
    const refuse = (details: string) => {
      onRefused?.(methodName(method.path), code);
      call.sendStatus({ code, details });
    };
    const listener: ServerListener = new ServerListenerBuilder()
      .withOnReceiveMetadata((metadata, next) => {
        const problem = checks.metadata?.(method.path, metadata);
        if (problem === undefined) next(metadata);
        else refuse(problem);
      })
      .withOnReceiveMessage((message, next) => {
        const problem = checks.message?.(method.path, message);
        if (problem === undefined) next(message);
        else refuse(problem);
      })
      .build();
    return new ServerInterceptingCall(call, new ResponderBuilder().withStart((next) => next(listener)).build());
  };
}
