import { theme, type ThemeConfig } from 'antd';
import type { ThemeMode } from './theme';

/**
 * antd's default colours fall short of WCAG AA (4.5:1) in places: the primary blue on white
 * (4.1:1), secondary text at 45% opacity, error red, and the text of coloured tags. These tokens
 * keep antd's palettes but pick, for each colour, the nearest shade that reaches 4.5:1 against
 * the backgrounds it is drawn on, in the light and the dark theme alike.
 */
const AA = 4.5;
const PRESET_COLOURS = ['blue', 'purple', 'cyan', 'green', 'magenta', 'pink', 'red', 'orange', 'yellow', 'volcano', 'geekblue', 'lime', 'gold'] as const;

function luminance(colour: string): number {
  const hex = colour.replace('#', '');
  const [r = 0, g = 0, b = 0] = [0, 2, 4].map((at) => parseInt(hex.slice(at, at + 2), 16) / 255);
  const linear = (c: number) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
}

function contrast(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

function readable(candidates: string[], backgrounds: string[]): string {
  return candidates.find((colour) => backgrounds.every((background) => contrast(colour, background) >= AA)) ?? candidates[candidates.length - 1]!;
}

type Tokens = Record<string, string>;

/** The derived colour a seed gives under the algorithm, to check it rather than the seed. */
function derived(algorithm: NonNullable<ThemeConfig['algorithm']>, seed: Tokens, key: string): string {
  return (theme.getDesignToken({ algorithm, token: seed }) as unknown as Tokens)[key]!;
}

export function themeConfig(mode: ThemeMode): ThemeConfig {
  const dark = mode === 'dark';
  const algorithm = dark ? theme.darkAlgorithm : theme.defaultAlgorithm;
  const base = theme.getDesignToken({ algorithm }) as unknown as Tokens;
  const light = theme.getDesignToken({ algorithm: theme.defaultAlgorithm }) as unknown as Tokens;
  const backgrounds = [base.colorBgLayout!, base.colorBgContainer!, base.colorBgElevated!];
  const shades = (colour: string) => Array.from({ length: 10 }, (_, index) => light[`${colour}${index + 1}`]!);
  // The dark algorithm blends a seed with the background, so each candidate seed is judged by what it becomes.
  const seed = (key: string, colour: string) => {
    const candidates = dark ? shades(colour).slice(0, 6).reverse() : shades(colour).slice(5);
    return (
      candidates.find((candidate) => backgrounds.every((background) => contrast(derived(algorithm, { [key]: candidate }, key), background) >= AA)) ?? candidates[0]!
    );
  };
  const text = dark ? 'rgba(255, 255, 255, 0.65)' : 'rgba(0, 0, 0, 0.6)';
  const token: Tokens = {
    colorPrimary: seed('colorPrimary', 'blue'),
    colorLink: seed('colorLink', 'blue'),
    colorError: seed('colorError', 'red'),
    colorTextTertiary: text,
    colorTextDescription: text,
    colorTextPlaceholder: text,
  };
  // A tag's text (shade 7) on its own light background (shade 1).
  for (const colour of PRESET_COLOURS) {
    const palette = Array.from({ length: 4 }, (_, index) => base[`${colour}${index + 7}`]!);
    // The palette is keyed both ways (`green7`, `green-7`); the CSS variables come from the second.
    token[`${colour}7`] = token[`${colour}-7`] = readable(palette, [base[`${colour}1`]!]);
  }
  const primary = derived(algorithm, { colorPrimary: token.colorPrimary! }, 'colorPrimary');
  const error = derived(algorithm, { colorError: token.colorError! }, 'colorError');
  // White on a bright enough blue or red for dark backgrounds is too faint: such buttons get dark text.
  const onColour = (background: string) => (contrast('#ffffff', background) >= AA ? '#ffffff' : '#000000');
  return {
    zeroRuntime: true,
    algorithm,
    token,
    components: {
      Button: { primaryColor: onColour(primary), dangerColor: onColour(error) },
      // A table's empty text is drawn in the disabled colour, which is meant for controls, not for a message.
      Table: { colorTextDisabled: text },
    },
  };
}
