export { isReady, launchService, LaunchedService, spawnNode, type LaunchOptions } from './service.launcher';
export { StackCannotStartError, StackError, type Say } from './stack.errors';
export { anyReachable } from './stack.processes';
export { stackDown, type StackDownOptions } from './stack.down';
export { type ServiceKind, type StackEnv, type StackService } from './stack.layout';
export { readState, readToken, stackDir, stateFile, tokenFile, type StackState } from './stack.state';
export { stackStatus, type ServiceStatus, type StackStatus } from './stack.status';
export { DEFAULT_RESTART_POLICY, superviseStack, type RestartPolicy, type SuperviseOptions } from './stack.supervisor';
export { newToken, stackUp, type StackUpOptions } from './stack.up';
