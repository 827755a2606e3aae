/** A chunk's key in a connection's in-flight map: `jobId#index` (a job id never holds "#" after its last one). */
export const chunkKey = (ref: { jobId: string; index: number }) => `${ref.jobId}#${ref.index}`;
export const parseChunkKey = (key: string) => ({ jobId: key.slice(0, key.lastIndexOf("#")), index: Number(key.slice(key.lastIndexOf("#") + 1)) });
