package dev.agentwarden.core.scan.unicode;

import dev.agentwarden.core.scan.Finding;
import dev.agentwarden.core.scan.ScanKind;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds Unicode smuggling: hidden tag characters, bidi overrides and isolates, zero-width
 * characters carrying hidden bits or splitting words, private-use characters, lookalike
 * letters mixed into words, and words spelled in mathematical or fullwidth letters.
 *
 * <p>What legitimate text needs is left alone: emoji ZWJ sequences and variation selectors,
 * subdivision flags (black flag + tag letters + cancel tag), ZWJ/ZWNJ inside Indic, Arabic and
 * Persian words, LRM/RLM marks, no-break spaces and single ideographic variation selectors.
 * Also provides the normalisation the injection detector runs first.
 */
public final class UnicodeScanner {
  private static final int TAG_START = 0xE0000;
  private static final int TAG_END = 0xE007F;
  private static final int BLACK_FLAG = 0x1F3F4;

  private UnicodeScanner() {}

  /** Every smuggling finding in {@code text}, in order. */
  public static List<Finding> scan(String text) {
    if (isAscii(text)) {
      // Every smuggling technique needs a character outside ASCII.
      return List.of();
    }
    List<Finding> out = new ArrayList<>();
    int n = text.length();
    int i = 0;
    while (i < n) {
      int cp = text.codePointAt(i);
      int len = Character.charCount(cp);
      if (cp >= TAG_START && cp <= TAG_END) {
        int end = runEnd(text, i, c -> c >= TAG_START && c <= TAG_END);
        if (!isEmojiTagSequence(text, i, end)) {
          out.add(finding("unicode-tag-characters", i, end, 0.99, "hidden Unicode tag characters"));
        }
        i = end;
        continue;
      }
      if (isBidiControl(cp)) {
        out.add(finding("unicode-bidi-control", i, i + len, 0.9, "bidirectional override or isolate"));
      } else if (isZeroWidth(cp)) {
        int end = runEnd(text, i, UnicodeScanner::isZeroWidth);
        int count = text.codePointCount(i, end);
        if (count >= 3) {
          out.add(finding("unicode-zero-width-run", i, end, 0.95, "run of zero-width characters (hidden data)"));
        } else if (!joinerIsBenign(text, i, end)) {
          out.add(finding("unicode-zero-width", i, end, 0.8, "zero-width character inside text"));
        }
        i = end;
        continue;
      } else if (cp == 0xFEFF && i > 0) {
        out.add(finding("unicode-zero-width", i, i + len, 0.8, "byte-order mark inside text"));
      } else if (cp == 0x00AD && insideWord(text, i, i + len)) {
        out.add(finding("unicode-soft-hyphen", i, i + len, 0.6, "soft hyphen splitting a word"));
      } else if (isPrivateUse(cp)) {
        int end = runEnd(text, i, UnicodeScanner::isPrivateUse);
        out.add(finding("unicode-private-use", i, end, 0.85, "private-use characters"));
        i = end;
        continue;
      } else if (cp >= 0xE0100 && cp <= 0xE01EF || cp >= 0xFE00 && cp <= 0xFE0F) {
        int end = runEnd(text, i, c -> c >= 0xE0100 && c <= 0xE01EF || c >= 0xFE00 && c <= 0xFE0F);
        if (text.codePointCount(i, end) >= 2) {
          out.add(finding("unicode-variation-selector-run", i, end, 0.9, "run of variation selectors (hidden data)"));
        }
        i = end;
        continue;
      }
      i += len;
    }
    words(text, out);
    return List.copyOf(out);
  }

  private static boolean isAscii(String text) {
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }

  private interface CodePointTest {
    boolean test(int cp);
  }

  private static int runEnd(String text, int from, CodePointTest test) {
    int i = from;
    while (i < text.length()) {
      int cp = text.codePointAt(i);
      if (!test.test(cp)) {
        break;
      }
      i += Character.charCount(cp);
    }
    return i;
  }

  private static Finding finding(String rule, int start, int end, double confidence, String what) {
    return new Finding(ScanKind.UNICODE, rule, start, end, confidence, what);
  }

  /** U+1F3F4 followed by tag letters/digits and U+E007F: a subdivision flag such as Scotland. */
  private static boolean isEmojiTagSequence(String text, int start, int end) {
    if (start < 2 || text.codePointBefore(start) != BLACK_FLAG) {
      return false;
    }
    int count = text.codePointCount(start, end);
    if (count < 3 || count > 8 || text.codePointBefore(end) != TAG_END) {
      return false;
    }
    for (int i = start; i < end - 2; i += 2) {
      int c = text.codePointAt(i) - TAG_START;
      if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9')) {
        return false;
      }
    }
    return true;
  }

  static boolean isBidiControl(int cp) {
    return cp >= 0x202A && cp <= 0x202E || cp >= 0x2066 && cp <= 0x2069;
  }

  static boolean isZeroWidth(int cp) {
    return cp == 0x200B || cp == 0x200C || cp == 0x200D || cp == 0x2060 || cp == 0x180E
        || cp == 0x2061 || cp == 0x2062 || cp == 0x2063 || cp == 0x2064;
  }

  static boolean isPrivateUse(int cp) {
    return cp >= 0xE000 && cp <= 0xF8FF || cp >= 0xF0000 && cp <= 0x10FFFD;
  }

  /**
   * ZWJ and ZWNJ are part of writing in many scripts (Persian, Arabic, Indic) and of emoji
   * sequences; one of them is benign when it joins two such characters.
   */
  private static boolean joinerIsBenign(String text, int start, int end) {
    int cp = text.codePointAt(start);
    if (cp != 0x200C && cp != 0x200D) {
      return false;
    }
    if (start == 0 || end >= text.length()) {
      return false;
    }
    int before = text.codePointBefore(start);
    int after = text.codePointAt(end);
    if (cp == 0x200D && (isEmojiLike(before) && isEmojiLike(after))) {
      return true;
    }
    return isJoiningScript(before) && isJoiningScript(after);
  }

  private static boolean isEmojiLike(int cp) {
    return cp >= 0x1F000 && cp <= 0x1FAFF || cp >= 0x2600 && cp <= 0x27BF || cp == 0xFE0F
        || cp >= 0x1F3FB && cp <= 0x1F3FF || cp == 0x2640 || cp == 0x2642 || cp == 0x2695;
  }

  private static boolean isJoiningScript(int cp) {
    if (cp < 0x0300) {
      return false;
    }
    Character.UnicodeScript script = Character.UnicodeScript.of(cp);
    return switch (script) {
      case LATIN, COMMON, INHERITED, CYRILLIC, GREEK -> Character.getType(cp) == Character.NON_SPACING_MARK
          && script == Character.UnicodeScript.INHERITED;
      default -> Character.isLetter(cp) || Character.getType(cp) == Character.NON_SPACING_MARK
          || Character.getType(cp) == Character.COMBINING_SPACING_MARK;
    };
  }

  private static boolean insideWord(String text, int start, int end) {
    return start > 0 && end < text.length()
        && Character.isLetter(text.codePointBefore(start)) && Character.isLetter(text.codePointAt(end));
  }

  /** Word-level checks: mixed-script lookalikes and words spelled in styled letters. */
  private static void words(String text, List<Finding> out) {
    int i = 0;
    int n = text.length();
    while (i < n) {
      int cp = text.codePointAt(i);
      if (!Character.isLetter(cp)) {
        i += Character.charCount(cp);
        continue;
      }
      int start = i;
      int latin = 0;
      int lookalike = 0;
      int styled = 0;
      int letters = 0;
      while (i < n) {
        int c = text.codePointAt(i);
        if (!Character.isLetter(c) && !isZeroWidth(c) && c != 0x00AD) {
          break;
        }
        if (Character.isLetter(c)) {
          letters++;
          if (c < 0x250 && Character.UnicodeScript.of(c) == Character.UnicodeScript.LATIN) {
            latin++;
          } else if (isStyledLatin(c)) {
            styled++;
          } else if (Confusables.ascii(c) != null && isLatinLookalikeScript(c)) {
            lookalike++;
          }
        }
        i += Character.charCount(c);
      }
      if (latin > 0 && lookalike > 0 && letters >= 3) {
        out.add(finding("unicode-homoglyph-word", start, i, 0.85, "word mixing Latin letters with lookalikes from another script"));
      } else if (styled >= 3 && styled * 2 >= letters) {
        out.add(finding("unicode-styled-letters", start, i, 0.75, "word spelled in mathematical or fullwidth letters"));
      }
    }
  }

  private static boolean isStyledLatin(int cp) {
    return cp >= 0x1D400 && cp <= 0x1D6A3 || cp >= 0xFF21 && cp <= 0xFF3A || cp >= 0xFF41 && cp <= 0xFF5A
        || cp >= 0x24B6 && cp <= 0x24E9;
  }

  private static boolean isLatinLookalikeScript(int cp) {
    Character.UnicodeScript s = Character.UnicodeScript.of(cp);
    return s == Character.UnicodeScript.CYRILLIC || s == Character.UnicodeScript.GREEK
        || s == Character.UnicodeScript.ARMENIAN || s == Character.UnicodeScript.CHEROKEE
        || s == Character.UnicodeScript.LATIN;
  }

  /**
   * Text as a model would read it: NFKC-normalised, invisible and bidi controls and tag
   * characters removed (tag characters that spell ASCII are decoded and appended, since models
   * read them), and lookalike letters replaced by their ASCII skeleton.
   */
  public static String normalise(String text) {
    if (isAscii(text)) {
      // NFKC, invisible-character removal and skeletons are all identities on ASCII.
      return text;
    }
    StringBuilder visible = new StringBuilder(text.length());
    StringBuilder tags = new StringBuilder();
    int i = 0;
    while (i < text.length()) {
      int cp = text.codePointAt(i);
      i += Character.charCount(cp);
      if (cp >= TAG_START && cp <= TAG_END) {
        int ascii = cp - TAG_START;
        if (ascii >= 0x20 && ascii < 0x7F) {
          tags.append((char) ascii);
        }
        continue;
      }
      if (isBidiControl(cp) || isZeroWidth(cp) || cp == 0xFEFF || cp == 0x00AD || cp == 0x200E
          || cp == 0x200F || cp == 0x061C || isPrivateUse(cp)
          || cp >= 0xFE00 && cp <= 0xFE0F || cp >= 0xE0100 && cp <= 0xE01EF) {
        continue;
      }
      visible.appendCodePoint(cp);
    }
    if (!tags.isEmpty()) {
      visible.append('\n').append(tags);
    }
    String nfkc = Normalizer.normalize(visible, Normalizer.Form.NFKC);
    return skeleton(nfkc);
  }

  /**
   * Replaces lookalike letters by their ASCII skeleton inside words that also contain ASCII
   * letters (the homoglyph trick); words wholly in another script stay as written, so Russian
   * or Greek text keeps its meaning.
   */
  public static String skeleton(String text) {
    StringBuilder out = new StringBuilder(text.length());
    int i = 0;
    int n = text.length();
    while (i < n) {
      int cp = text.codePointAt(i);
      if (!Character.isLetter(cp)) {
        out.appendCodePoint(cp);
        i += Character.charCount(cp);
        continue;
      }
      int start = i;
      boolean ascii = false;
      boolean lookalike = false;
      while (i < n && Character.isLetter(text.codePointAt(i))) {
        int c = text.codePointAt(i);
        ascii |= c < 0x80;
        lookalike |= c >= 0x80 && Confusables.ascii(c) != null && isLatinLookalikeScript(c);
        i += Character.charCount(c);
      }
      if (!(ascii && lookalike)) {
        out.append(text, start, i);
        continue;
      }
      for (int j = start; j < i; ) {
        int c = text.codePointAt(j);
        j += Character.charCount(c);
        String a = c >= 0x80 && isLatinLookalikeScript(c) ? Confusables.ascii(c) : null;
        if (a != null) {
          out.append(a);
        } else {
          out.appendCodePoint(c);
        }
      }
    }
    return out.toString();
  }
}
