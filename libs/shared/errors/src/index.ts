export * from './audio-concepts.error';
