// The classes ingest cost is measured and reported by: the codec, and the resolution named by the
// picture's short side rounded up to the usual ladder (a portrait 1080×1920 clip is 1080p). Decode
// cost grows with pixels and differs by codec several-fold, so these two keep a class uniform.

const ladder = [144, 240, 360, 480, 720, 1080, 1440, 2160, 4320];

export function resolutionClass(width: number, height: number): string {
  const short = Math.min(width, height);
  const step = ladder.find((p) => short <= p);
  return step === undefined ? `>${ladder.at(-1)}p` : `${step}p`;
}

export interface CostClass {
  codec: string;
  resolution: string;
}

export function costClass(codec: string, width: number, height: number): CostClass {
  return { codec, resolution: resolutionClass(width, height) };
}
