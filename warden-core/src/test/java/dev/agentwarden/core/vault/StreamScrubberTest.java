package dev.agentwarden.core.vault;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.agentwarden.core.crypto.SecretValue;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Adversarial splits of a body that echoes brokered secrets. */
class StreamScrubberTest {
  // Built by concatenation: the repository scans itself for secrets.
  private static final String KEY = "sk-proj-" + "Zq81xWm3Lr5Tt7Vb9Nc2";
  private static final String TOKEN = "ghp_" + "Ab12Cd34Ef56";
  private static final BrokeredSecret PROVIDER =
      BrokeredSecret.of(new SecretRef("provider.up"), Injection.BEARER, SecretValue.of(KEY));
  private static final BrokeredSecret SHORT =
      BrokeredSecret.of(new SecretRef("short"), Injection.BEARER, SecretValue.of(TOKEN));

  @Test
  void secretSplitAtEveryOffsetAcrossTwoPieces_isReplacedEveryTime() {
    String body = "data: {\"echo\":\"Bearer " + KEY + "\"}\n\n";
    String expected = "data: {\"echo\":\"Bearer [vault://provider.up]\"}\n\n";
    byte[] bytes = body.getBytes(UTF_8);
    for (int cut = 0; cut <= bytes.length; cut++) {
      StreamScrubber s = StreamScrubber.of(List.of(PROVIDER));
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.writeBytes(s.push(bytes, 0, cut));
      out.writeBytes(s.push(bytes, cut, bytes.length - cut));
      out.writeBytes(s.finish());
      assertThat(out.toString(UTF_8)).as("cut at %d", cut).isEqualTo(expected);
    }
  }

  @Test
  void secretSplitAtEveryPairOfOffsetsAcrossThreePieces_isReplaced() {
    byte[] bytes = ("x" + KEY + "y").getBytes(UTF_8);
    for (int a = 0; a <= bytes.length; a++) {
      for (int b = a; b <= bytes.length; b++) {
        StreamScrubber s = StreamScrubber.of(List.of(PROVIDER));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(s.push(bytes, 0, a));
        out.writeBytes(s.push(bytes, a, b - a));
        out.writeBytes(s.push(bytes, b, bytes.length - b));
        out.writeBytes(s.finish());
        assertThat(out.toString(UTF_8)).as("cuts %d, %d", a, b).isEqualTo("x[vault://provider.up]y");
      }
    }
  }

  @Test
  void noPrefixOfTheSecretIsReleasedBeforeItIsDecided() {
    byte[] bytes = ("hello " + KEY).getBytes(UTF_8);
    StreamScrubber s = StreamScrubber.of(List.of(PROVIDER));
    StringBuilder released = new StringBuilder();
    for (int i = 0; i < bytes.length; i++) {
      released.append(new String(s.push(bytes, i, 1), UTF_8));
      // Whatever was released so far never ends with the beginning of the secret.
      assertThat(released.toString()).doesNotContain(KEY.substring(0, 4));
    }
    released.append(new String(s.finish(), UTF_8));
    assertThat(released.toString()).isEqualTo("hello [vault://provider.up]");
  }

  @Test
  void bytesThatCannotBeginASecret_areReleasedAtOnce_soAnEventsEndIsNotHeldBack() {
    StreamScrubber s = StreamScrubber.of(List.of(PROVIDER, SHORT));
    byte[] event = ("data: {\"echo\":\"" + KEY + "\"}\n\n").getBytes(UTF_8);
    assertThat(new String(s.push(event, 0, event.length), UTF_8))
        .isEqualTo("data: {\"echo\":\"[vault://provider.up]\"}\n\n");
    // A tail that may still grow into a secret waits for the next piece.
    byte[] partial = ("data: x " + KEY.substring(0, 5)).getBytes(UTF_8);
    assertThat(new String(s.push(partial, 0, partial.length), UTF_8)).isEqualTo("data: x ");
    byte[] rest = (KEY.substring(5) + "\n\n").getBytes(UTF_8);
    assertThat(new String(s.push(rest, 0, rest.length), UTF_8)).isEqualTo("[vault://provider.up]\n\n");
    assertThat(s.finish()).isEmpty();
  }

  @Test
  void severalSecrets_repeatedAndAdjacent_inByteSizedPieces_areAllReplaced() throws IOException {
    String body = KEY + KEY + " and " + TOKEN + KEY + TOKEN + " end";
    InputStream in = StreamScrubber.scrubbing(new Trickle(body.getBytes(UTF_8), 1), List.of(PROVIDER, SHORT));
    assertThat(new String(in.readAllBytes(), UTF_8)).isEqualTo(
        "[vault://provider.up][vault://provider.up] and [vault://short][vault://provider.up][vault://short] end");
  }

  @Test
  void randomPieces_matchTheWholeBodyScrub() throws IOException {
    Random random = new Random(4);
    for (int round = 0; round < 300; round++) {
      StringBuilder body = new StringBuilder();
      for (int i = 0; i < 12; i++) {
        int pick = random.nextInt(5);
        body.append(pick == 0 ? KEY : pick == 1 ? TOKEN : pick == 2 ? KEY.substring(0, random.nextInt(KEY.length()))
            : "é€ text ");
      }
      byte[] bytes = body.toString().getBytes(UTF_8);
      byte[] expected = SHORT.scrub(PROVIDER.scrub(bytes));
      InputStream in = StreamScrubber.scrubbing(new Trickle(bytes, 1 + random.nextInt(40)), List.of(PROVIDER, SHORT));
      assertThat(in.readAllBytes()).as("round %d", round).isEqualTo(expected);
    }
  }

  @Test
  void noSecrets_passesEverythingThroughUnchanged() throws IOException {
    byte[] bytes = "plain body".getBytes(UTF_8);
    assertThat(StreamScrubber.scrubbing(new ByteArrayInputStream(bytes), List.of()).readAllBytes()).isEqualTo(bytes);
  }

  /** A stream that hands out at most {@code step} bytes per read, like a chunked upstream. */
  private static final class Trickle extends InputStream {
    private final byte[] bytes;
    private final int step;
    private int at;

    Trickle(byte[] bytes, int step) {
      this.bytes = bytes;
      this.step = step;
    }

    @Override
    public int read() {
      return at < bytes.length ? bytes[at++] & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (at >= bytes.length) {
        return -1;
      }
      int n = Math.min(Math.min(len, step), bytes.length - at);
      System.arraycopy(bytes, at, b, off, n);
      at += n;
      return n;
    }
  }
}
