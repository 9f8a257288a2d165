/** Where the lib's services log (a NestJS `Logger` fits). */
export interface IngestLog {
  log(message: string): void;
  warn(message: string): void;
}
