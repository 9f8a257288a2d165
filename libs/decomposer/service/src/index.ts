export { decomposeEmbeddings, itemName, type DecomposeEmbeddingsOptions } from './decompose-embeddings';
export { RejectedEmbeddingError, UnknownConceptSpaceError, UnknownHeadError } from './decomposer.errors';
export { HeadBook, type LiveHead } from './head-book';
export { HeadFollower, type HeadFollowerOptions } from './head-follower';
export {
  DECOMPOSER_GRPC_SERVICE,
  DecomposerGrpcServer,
  DEFAULT_GRPC_LIMITS,
  unaryHandler,
  type DecomposerGrpcServerOptions,
  type GrpcLimits,
  type GrpcTls,
} from './decomposer.grpc-server';
export { MAX_ID_CHARS } from './grpc-request.limits';
export { DECOMPOSER_METRICS, DecomposerMetrics, type DecomposerTransport } from './decomposer.metrics';
export {
  Decomposer,
  decomposeRule,
  DEFAULT_MAX_EMBEDDINGS_PER_REQUEST,
  type DecomposerOptions,
} from './decomposer.service';
export { GRPC_STATUS_OF_ERROR, grpcStatusName, grpcStatusOf } from './grpc-status.table';
export { checkGrpcHealth } from './health.client';
export { openStoredSpace, type OpenedStoredSpace, type OpenStoredSpaceOptions } from './stored-space';
