export { isReady, launchService, LaunchedService, type LaunchOptions } from './service.launcher';
export { type ServiceKind, type StackEnv, type StackService } from './stack.layout';
export { readState, stackDir, stateFile, type StackState } from './stack.state';
export {
  StackCannotStartError,
  stackDown,
  StackError,
  stackStatus,
  stackUp,
  type Say,
  type ServiceStatus,
  type StackStatus,
  type StackUpOptions,
} from './stack.supervisor';
