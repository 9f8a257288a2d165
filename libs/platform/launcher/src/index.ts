export { isReady, launchService, LaunchedService, type LaunchOptions } from './service.launcher';
