/** TensorBoard event files: writer, TFRecord framing, heat-map rendering. */
export { type Colormap, colormapLut, type HeatmapOptions, renderHeatmap } from './colormap.ts';
export { ProtoWriter } from './proto.ts';
export { decodeRecords, encodeRecord } from './record.ts';
export {
  FILE_VERSION,
  type ImageFromArrayOptions,
  type ImageOptions,
  SummaryWriter,
  type SummaryWriterOptions,
} from './writer.ts';
