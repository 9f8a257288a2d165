export { checkWindow, EncodeRule, type EncodeObserver, type EncodeRuleOptions, type WindowModel } from './encode.rule';
