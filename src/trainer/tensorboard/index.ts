/** TensorBoard event files: writer, TFRecord framing, heat-map rendering. */
export { type Colormap, colormapLut, type HeatmapOptions, renderHeatmap } from './colormap.js';
export { ProtoWriter } from './proto.js';
export { decodeRecords, encodeRecord } from './record.js';
export {
  FILE_VERSION,
  type ImageFromArrayOptions,
  type ImageOptions,
  SummaryWriter,
  type SummaryWriterOptions,
} from './writer.js';
