export type { NdArray, NpyData, NpyDataByDtype, NpyDtype } from './nd-array';
export { NPY_DTYPES } from './nd-array';
export { parseNpy, readNpy, readNpySync } from './npy.reader';
export { createNpyRowWriter, encodeNpy, writeNpy } from './npy.writer';
export type { NpyRowWriter } from './npy.writer';
export { openNpyRows } from './npy.stream';
export type { NpyRowChunk, NpyRowStream, OpenNpyRowsOptions } from './npy.stream';
export { asFloat32Matrix, asFloat64Matrix, asIntVector } from './nd-array.convert';
export type { Float32Matrix, Float64Matrix } from './nd-array.convert';
