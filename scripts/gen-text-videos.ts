// Generates the video-text sample's clips (samples/videos-text/*.mp4 + expected.json): captions
// drawn with FFmpeg's drawtext filter (through node-av, scripts/media/encode.ts: no ffmpeg CLI)
// in a DejaVu font, so the words in every clip are known by construction. The clips cover what a
// text reader meets: a static caption bar, several lines in different sizes and colours, dark
// text on a light picture, a ticker moving sideways, lines rolling up like credits, and a clip
// with no text at all. Idempotent: existing files are kept.
// Usage: node scripts/gen-text-videos.ts [DIR]
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeClip } from './media/encode.ts';

export interface TextLine {
  text: string;
  sizePx: number;
  colour: string;
  /** drawtext position expressions (t = seconds, w/h = picture, text_w/text_h = the line). */
  x: string;
  y: string;
}

export interface TextClip {
  file: string;
  /** A lavfi source graph for the picture under the text. */
  background: string;
  lines: TextLine[];
}

export interface ExpectedText {
  file: string;
  /** The lines drawn, top to bottom; empty for a clip with no text. */
  lines: string[];
}

export const textClipSize = { width: 640, height: 360, fps: 10, durationSeconds: 3 };

const { width, height, fps, durationSeconds } = textClipSize;
const base = `s=${width}x${height}:r=${fps}:d=${durationSeconds}`;
const centred = '(w-text_w)/2';
const line = (text: string, sizePx: number, colour: string, x: string, y: string): TextLine => ({
  text,
  sizePx,
  colour,
  x,
  y,
});

export const textClips: TextClip[] = [
  {
    // A news caption bar: white on a dark band over a moving picture.
    file: 'static-caption.mp4',
    background: `smptebars=${base},drawbox=x=0:y=280:w=640:h=64:color=black@0.85:t=fill`,
    lines: [line('BREAKING NEWS TONIGHT', 36, 'white', centred, '292')],
  },
  {
    // Three lines, three sizes, three colours on a plain dark background.
    file: 'weather-lines.mp4',
    background: `color=c=0x1a2a4a:${base}`,
    lines: [
      line('Weather Update', 48, 'white', '40', '50'),
      line('Sunny skies expected', 36, 'yellow', '40', '150'),
      line('Temperature rising slowly', 28, 'cyan', '40', '240'),
    ],
  },
  {
    // Dark text on a light picture, a large and a small size.
    file: 'dark-on-light.mp4',
    background: `color=c=0xf0f0e8:${base}`,
    lines: [
      line('Grand Opening', 56, 'black', centred, '80'),
      line('Everything half price until Sunday', 26, '0xb01010', centred, '220'),
    ],
  },
  {
    // A ticker sliding left across the picture, always whole on screen.
    file: 'scrolling-ticker.mp4',
    background: `color=c=0x202020:${base},drawbox=x=0:y=150:w=640:h=60:color=0x003366:t=fill`,
    lines: [line('Markets close higher', 32, 'white', '300-t*80', '163')],
  },
  {
    // Credits rolling up: every line moves 90 px over the clip and stays on screen.
    file: 'credits-roll.mp4',
    background: `color=c=black:${base}`,
    lines: [
      line('Directed by Maria Lopez', 30, 'white', centred, '120-t*30'),
      line('Music by James Carter', 30, 'white', centred, '190-t*30'),
      line('Thanks for watching', 30, '0xffcc00', centred, '260-t*30'),
    ],
  },
  {
    // No text: a smooth moving pattern (no glyph-like edges).
    file: 'no-text.mp4',
    background: `nullsrc=${base},format=yuv420p,geq=lum='128+60*sin((X+N*8)/40)':cb='128+40*cos(Y/50)':cr=128`,
    lines: [],
  },
];

/** A DejaVu font on this machine (Debian's fonts-dejavu-core), or undefined. */
export function findFont(): string | undefined {
  const candidates = [
    '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf',
    '/usr/share/fonts/TTF/DejaVuSans-Bold.ttf',
    '/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf',
    '/usr/local/share/fonts/DejaVuSans-Bold.ttf',
  ];
  return candidates.find((f) => existsSync(f));
}

/** The clip's lavfi graph: its background with one drawtext per line. */
export function textGraph(clip: TextClip, font: string): string {
  const draws = clip.lines.map(
    (l) =>
      `drawtext=fontfile=${font}:text='${l.text}':fontsize=${l.sizePx}:fontcolor=${l.colour}:x=${l.x}:y=${l.y}`,
  );
  return [clip.background, ...draws, 'format=yuv420p'].join(',');
}

export function expectedTexts(clips: readonly TextClip[] = textClips): ExpectedText[] {
  return clips.map((c) => ({ file: c.file, lines: c.lines.map((l) => l.text) }));
}

/** Writes the clips missing from `dir` and expected.json; returns the files it generated. */
export async function generateTextVideos(
  dir: string,
  font: string,
  clips: readonly TextClip[] = textClips,
): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const generated: string[] = [];
  for (const clip of clips) {
    const out = path.join(dir, clip.file);
    if (existsSync(out)) continue;
    await encodeClip(out, {
      graph: textGraph(clip, font),
      videoCodec: 'libx264',
      // Crisp enough that small glyphs survive the encoder.
      videoOptions: { preset: 'veryfast', crf: '20' },
      muxerOptions: { movflags: '+faststart' },
    });
    generated.push(clip.file);
  }
  await writeFile(path.join(dir, 'expected.json'), `${JSON.stringify(expectedTexts(clips), null, 2)}\n`);
  return generated;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2] ?? fileURLToPath(new URL('../samples/videos-text/', import.meta.url));
  const font = findFont();
  if (!font) {
    process.stderr.write('gen-text-videos: no DejaVu font found (apt-get install fonts-dejavu-core)\n');
    process.exit(1);
  }
  const made = await generateTextVideos(dir, font);
  process.stdout.write(`${made.length} clips written to ${dir}\n`);
}
